import { defineErrors } from '../common/errors/domain-exception';

export enum InvoicingErrorCode {
  INVOICE_PRICING_REFUSED = 'INVOICE_PRICING_REFUSED',
  INVOICE_NOT_FINALIZED = 'INVOICE_NOT_FINALIZED',
  INVOICE_VOID = 'INVOICE_VOID',
  INVOICE_OUTCOMES_CONFLICT = 'INVOICE_OUTCOMES_CONFLICT',
  INVOICE_HAS_NO_TERMS = 'INVOICE_HAS_NO_TERMS',
  TAX_INVOICE_ALREADY_RECORDED = 'TAX_INVOICE_ALREADY_RECORDED',
  PERIOD_INVALID = 'PERIOD_INVALID',
  CONTRACT_NOT_BILLABLE = 'CONTRACT_NOT_BILLABLE',
  PAYMENT_EXCEEDS_AMOUNT_DUE = 'PAYMENT_EXCEEDS_AMOUNT_DUE',
  PAYMENT_REFERENCE_REUSED = 'PAYMENT_REFERENCE_REUSED',
  AMOUNT_PRECISION = 'AMOUNT_PRECISION',
  CREDIT_EXCEEDS_AMOUNT_DUE = 'CREDIT_EXCEEDS_AMOUNT_DUE',
  CREDIT_EXCEEDS_LINE = 'CREDIT_EXCEEDS_LINE',
  CREDIT_LINE_UNKNOWN = 'CREDIT_LINE_UNKNOWN',
  NOTHING_TO_CREDIT = 'NOTHING_TO_CREDIT',
  BILLING_RUN_FAILED = 'BILLING_RUN_FAILED',
}

export const InvoicingError = defineErrors<InvoicingErrorCode>({
  INVOICE_PRICING_REFUSED: { status: 409, title: 'The pricing engine refuses to price this invoice' },
  INVOICE_NOT_FINALIZED: { status: 409, title: 'The invoice is not finalized' },
  INVOICE_VOID: { status: 409, title: 'The invoice is void' },
  INVOICE_OUTCOMES_CONFLICT: { status: 409, title: 'Another invoice billed the same outcomes at the same time; retry' },
  INVOICE_HAS_NO_TERMS: { status: 409, title: 'No terms version is in force for the period' },
  TAX_INVOICE_ALREADY_RECORDED: { status: 409, title: 'A tax invoice (fapiao) is already recorded for this invoice; it is never changed' },
  PERIOD_INVALID: { status: 422, title: 'The billing period is not valid' },
  CONTRACT_NOT_BILLABLE: { status: 409, title: 'The contract is not billable for that period' },
  PAYMENT_EXCEEDS_AMOUNT_DUE: { status: 422, title: 'The payment exceeds the amount due' },
  PAYMENT_REFERENCE_REUSED: { status: 409, title: 'A different payment with this reference is already recorded' },
  AMOUNT_PRECISION: { status: 422, title: 'The amount has more decimals than the currency allows' },
  CREDIT_EXCEEDS_AMOUNT_DUE: { status: 422, title: 'The credit note exceeds the amount still due on the invoice' },
  CREDIT_EXCEEDS_LINE: { status: 422, title: 'The credit exceeds what remains of the invoice line' },
  CREDIT_LINE_UNKNOWN: { status: 422, title: 'The invoice has no such line' },
  NOTHING_TO_CREDIT: { status: 409, title: 'Nothing remains to credit on this invoice' },
  BILLING_RUN_FAILED: { status: 500, title: 'The billing run failed' },
});
