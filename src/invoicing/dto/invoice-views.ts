// The invoicing answers as documented classes for the OpenAPI document. The services keep returning
// the interfaces of invoice.dto.ts; each class here `implements` its interface, so a field added
// there without its documentation here fails the typecheck (and the e2e schema test).
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { ApiMoney } from '../../common/openapi/money';
import type { PricingRefusalCode } from '../../pricing/types';
import type { FigureMismatch } from '../../pricing/stored-figures';
import { INVOICE_STATUSES, type InvoiceStatus, type StoredRefusal } from '../entities/invoice.entity';
import { TaxInvoiceView, type CreditNoteView, type InvoiceLineView, type InvoiceVerification, type InvoiceView, type PaymentView } from './invoice.dto';

const LINE_KINDS = ['charge', 'included_allowance', 'minimum_true_up', 'cap', 'guarantee_credit', 'adjustment'] as const;

export class DateRangeView {
  @ApiProperty({ format: 'date', example: '2026-03-01' }) start: string;
  @ApiProperty({ format: 'date', example: '2026-04-01', description: 'exclusive' }) end: string;
}

export class InvoicePeriodView extends DateRangeView {
  @ApiProperty({ example: '2026-03' }) label: string;
}

export class InvoiceLineAdjustmentView {
  @ApiProperty({ enum: ['late_verified', 'reversal'] }) kind: 'late_verified' | 'reversal';
  @ApiProperty({ type: DateRangeView, description: 'The earlier period the adjustment corrects' }) period: DateRangeView;
}

@ApiSchema({ name: 'InvoiceLineView' })
export class InvoiceLineDoc implements InvoiceLineView {
  @ApiProperty({ example: 'flat_fee' }) key: string;
  @ApiProperty({ example: 'flat_fee', description: 'The component type, or `invoice` for invoice-wide lines' }) component: string;
  @ApiProperty({ enum: LINE_KINDS }) kind: InvoiceLineView['kind'];
  @ApiProperty() description: string;
  @ApiProperty({ pattern: '^-?\\d+(\\.\\d+)?$', example: '3' }) quantity: string;
  @ApiMoney({ nullable: true, example: '50000.00' }) unitPrice: string | null;
  @ApiMoney({ example: '150000.00' }) amount: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { hospital: 'H3' } }) dimensions?: Record<string, string>;
  @ApiPropertyOptional({ type: InvoiceLineAdjustmentView }) adjustment?: InvoiceLineAdjustmentView;
}

@ApiSchema({ name: 'InvoiceRefusal' })
export class InvoiceRefusalDoc implements StoredRefusal {
  @ApiProperty({ enum: ['KPI_MEASUREMENT_MISSING', 'TERMS_INVALID', 'PERIOD_OUTSIDE_CONTRACT'] }) code: PricingRefusalCode;
  @ApiProperty({ example: 'no verified congestion_reduction_pct measurement for the period' }) reason: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
}

@ApiSchema({ name: 'InvoiceView' })
export class InvoiceDoc implements InvoiceView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true, example: 'INV-2026-000001', description: 'Gapless per vendor, set on finalize' }) number: string | null;
  @ApiProperty({ enum: INVOICE_STATUSES }) status: InvoiceStatus;
  @ApiProperty({ format: 'uuid' }) contractId: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ type: InvoicePeriodView }) period: InvoicePeriodView;
  @ApiProperty({ example: 'CNY' }) currency: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) termsVersionId: string | null;
  @ApiProperty({ type: [InvoiceLineDoc] }) lines: InvoiceLineDoc[];
  @ApiMoney({ nullable: true, description: 'null while the terms refuse to price the period' }) subtotal: string | null;
  @ApiMoney({ nullable: true, example: '60.00' }) tax: string | null;
  @ApiMoney({ nullable: true, example: '1060.00' }) total: string | null;
  @ApiMoney({ example: '0.00' }) amountPaid: string;
  @ApiMoney({ example: '0.00' }) amountCredited: string;
  @ApiMoney() amountDue: string;
  @ApiProperty({ type: InvoiceRefusalDoc, nullable: true, description: 'Why the engine refused to price the draft' }) refusal: InvoiceRefusalDoc | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The calculation trace (engine version, each line’s formula, inputs and rounding): see src/pricing/README.md',
  })
  trace: InvoiceView['trace'];
  @ApiProperty({ type: String, nullable: true, description: 'SHA-256 of the canonical trace' }) traceDigest: string | null;
  @ApiProperty({ format: 'date-time' }) computedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finalizedAt: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'Set on finalize, in the contract’s timezone' }) issueDate: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) dueDate: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Asia/Shanghai' }) timeZone: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 30 }) paymentTermsDays: number | null;
  @ApiProperty({ type: String, nullable: true }) poReference: string | null;
  @ApiProperty({ description: 'Unpaid after its due date (computed)' }) overdue: boolean;
  @ApiProperty({ type: TaxInvoiceView, nullable: true }) taxInvoice: TaxInvoiceView | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ example: 'Asia/Shanghai' }) timezone?: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: '2026-04-01T09:15:00+08:00' }) finalizedAtLocal?: string | null;
  @ApiPropertyOptional({ example: '2026-04-01T09:15:00+08:00' }) createdAtLocal?: string;
}

export class CreditNoteLineView {
  @ApiProperty() key: string;
  @ApiProperty() component: string;
  @ApiProperty() description: string;
  @ApiMoney({ example: '-100.00' }) amount: string;
}

@ApiSchema({ name: 'CreditNoteView' })
export class CreditNoteDoc implements CreditNoteView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'CN-2026-000001' }) number: string;
  @ApiProperty({ format: 'uuid' }) invoiceId: string;
  @ApiProperty() reason: string;
  @ApiProperty({ type: [CreditNoteLineView] }) lines: CreditNoteLineView[];
  @ApiMoney() subtotal: string;
  @ApiMoney() tax: string;
  @ApiMoney() total: string;
  @ApiProperty({ format: 'uuid' }) journalEntryId: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

@ApiSchema({ name: 'PaymentView' })
export class PaymentDoc implements PaymentView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) invoiceId: string;
  @ApiMoney() amount: string;
  @ApiProperty({ format: 'date', example: '2026-04-15' }) paidOn: string;
  @ApiProperty({ type: String, nullable: true, description: 'The bank reference' }) reference: string | null;
  @ApiProperty({ format: 'uuid' }) journalEntryId: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class FigureMismatchView implements FigureMismatch {
  @ApiProperty({ example: 'total' }) field: string;
  @ApiProperty({ type: String, nullable: true }) stored: string | null;
  @ApiProperty({ type: String, nullable: true }) recomputed: string | null;
}

export class VerifiedOutcomeCountsView {
  @ApiProperty({ type: 'integer' }) billed: number;
  @ApiProperty({ type: 'integer' }) reversed: number;
}

@ApiSchema({ name: 'InvoiceVerification' })
export class InvoiceVerificationDoc implements InvoiceVerification {
  @ApiProperty({ format: 'uuid' }) invoiceId: string;
  @ApiProperty() number: string;
  @ApiProperty() storedDigest: string;
  @ApiProperty({ type: String, nullable: true }) recomputedDigest: string | null;
  @ApiProperty({ description: 'True only when the trace, its digest and every stored figure equal the recomputation' }) matches: boolean;
  @ApiProperty({ type: [FigureMismatchView] }) mismatches: FigureMismatchView[];
  @ApiProperty({ type: VerifiedOutcomeCountsView }) outcomes: VerifiedOutcomeCountsView;
  @ApiProperty({ format: 'uuid' }) termsVersionId: string;
  @ApiPropertyOptional() detail?: string;
}
