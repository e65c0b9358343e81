import type { JournalEntryInput } from '../../src/ledger/ledger.service';

/** The parties a test journal entry names. */
export interface EntryParty {
  customerId: string;
  contractId: string;
}

/** An invoice's finalization as the invoicing domain posts it: debit the receivable, credit revenue and tax (CNY). */
export function invoiceFinalizedEntry(p: EntryParty, ref: string, net = '100.00', tax = '6.00', total = '106.00', memo?: string): JournalEntryInput {
  return {
    kind: 'invoice_finalized',
    reference: { type: 'invoice', id: ref },
    contractId: p.contractId,
    customerId: p.customerId,
    description: `Invoice ${ref}`,
    effectiveAt: '2026-03-31',
    lines: [
      { account: `receivable:${p.customerId}`, currency: 'CNY', debit: total },
      { account: 'revenue:usage', currency: 'CNY', credit: net, ...(memo ? { memo } : {}) },
      { account: 'tax_payable', currency: 'CNY', credit: tax },
    ],
  };
}
