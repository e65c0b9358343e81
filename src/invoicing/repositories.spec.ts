import { ANY_ROW, CONTRACT, CUSTOMER, ID, SqlRecorder, underEveryScope } from '../../test/support/sql-statement-recorder';
import type { Scope } from '../auth/scope';
import { BillingRunsRepository } from './billing-runs.repository';
import { InvoicingEvidenceReads } from './evidence.reads';
import { InvoicesRepository } from './invoices.repository';
import { SettlementsRepository } from './settlements.repository';

type Call<R> = [string, (r: R, s: Scope) => Promise<unknown>];

describe('invoicing repositories SQL (every statement, for every kind of caller)', () => {
  const rec = new SqlRecorder();
  beforeEach(() => (rec.reply = [ANY_ROW]));
  const snap = <R>(repo: R, calls: Call<R>[]) =>
    it.each(calls)('%s', async (_name, call) => {
      expect(await underEveryScope(rec, (s) => call(repo, s))).toMatchSnapshot();
    });

  describe('InvoicesRepository', () => {
    const at = new Date('2026-04-02T01:00:00Z');
    snap(new InvoicesRepository(rec.asDataSource()), [
      ['find', (r, s) => r.find(s, ID)],
      ['find, locked', (r, s) => r.find(s, ID, { lock: true })],
      ['list', (r, s) => r.list(s, { contractId: CONTRACT, customerId: CUSTOMER, period: '2026-03', status: 'finalized', before: ID, limit: 50 })],
      ['findOfPeriod', (r, s) => r.findOfPeriod(s, CONTRACT, '2026-03-01')],
      [
        'upsertDraft',
        (r, s) =>
          r.upsertDraft(s, {
            contractId: CONTRACT, customerId: CUSTOMER, periodLabel: '2026-03', periodStart: '2026-03-01', periodEnd: '2026-04-01',
            currency: 'CNY', termsVersionId: ID, subtotal: '10', tax: '0.6', total: '10.6', lines: [], traceJson: '{}', traceDigest: 'd', refusal: null,
          }),
      ],
      [
        'freeze',
        (r, s) =>
          r.freeze(s, ID, {
            status: 'finalized', number: 'INV-2026-000001', termsVersionId: ID, subtotal: '10', tax: '0.6', total: '10.6', lines: [],
            traceJson: '{}', traceDigest: 'd', finalizedAt: at, journalEntryId: ID,
            issueDate: '2026-04-01', dueDate: '2026-05-01', timeZone: 'Asia/Shanghai', paymentTermsDays: 30, poReference: 'PO-1',
          }),
      ],
      ['setStatus', (r, s) => r.setStatus(s, ID, 'paid')],
      ['insertTaxInvoice', (r, s) => r.insertTaxInvoice(s, ID, { number: '044031900111-12345678', issuedOn: '2026-04-03', recordedByKeyId: ID })],
      ['settled', (r, s) => r.settled(s, [ID])],
      ['recordedCounts', (r, s) => r.recordedCounts(s, ID)],
      ['invoicedPeriodsBefore', (r, s) => r.invoicedPeriodsBefore(s, CONTRACT, '2026-03-01')],
      ['invoicedThrough', (r, s) => r.invoicedThrough(s, CONTRACT)],
      ['firstFinalizedId', (r, s) => r.firstFinalizedId(s, CONTRACT)],
      ['csvBatch', (r, s) => r.csvBatch(s, '2026-03', ID, 500)],
      ['lockContractFinalizations', (r, s) => r.lockContractFinalizations(s, CONTRACT, rec)],
      ['newIdAndYear', (r) => r.newIdAndYear('Asia/Shanghai', rec)],
      ['newId', (r) => r.newId(rec)],
      ['nextNumber', (r, s) => r.nextNumber(s, 'invoice', 2026, rec)],
    ]);
  });

  describe('SettlementsRepository', () => {
    snap(new SettlementsRepository(rec.asDataSource()), [
      ['credited', (r, s) => r.credited(s, ID)],
      [
        'insertCreditNote',
        (r, s) =>
          r.insertCreditNote(s, { id: ID, invoiceId: ID, number: 'CN-2026-000001', reason: 'r', lines: [], subtotal: '1', tax: '0', total: '1', journalEntryId: ID, createdByKeyId: ID }),
      ],
      ['creditNotesOf', (r, s) => r.creditNotesOf(s, ID)],
      ['paymentByReference', (r, s) => r.paymentByReference(s, ID, 'bank-1')],
      ['insertPayment', (r, s) => r.insertPayment(s, { id: ID, invoiceId: ID, amount: '1', paidOn: '2026-04-10', reference: null, journalEntryId: ID, createdByKeyId: ID })],
      ['paymentsOf', (r, s) => r.paymentsOf(s, ID)],
    ]);
  });

  describe('BillingRunsRepository', () => {
    snap(new BillingRunsRepository(rec.asDataSource()), [
      ['start', (r, s) => r.start(s, { periodLabel: '2026-03', contractIds: null, contractsTotal: 2, considered: 3, finalizeWhenDrafted: false, requestedByKeyId: ID })],
      ['markRunning', (r, s) => r.markRunning(s, ID)],
      ['complete', (r, s) => r.complete(s, ID, { drafted: 1, refused: 0, alreadyFinalized: 1, failed: 0, errors: [] })],
      ['find', (r, s) => r.find(s, ID)],
      ['find, locked', (r, s) => r.find(s, ID, undefined, { lock: true })],
      ['tally', (r, s) => r.tally(s, ID)],
      ['countResults', (r, s) => r.countResults(s, ID)],
      ['contractsWithResults', (r, s) => r.contractsWithResults(s, ID, [CONTRACT])],
      [
        'insertResults',
        (r, s) =>
          r.insertResults(s, ID, [
            { contractId: CONTRACT, result: 'drafted', invoiceId: ID, reasonCode: null, reason: null, details: { total: '10.00' } },
            { contractId: ID, result: 'skipped', invoiceId: null, reasonCode: 'CONTRACT_NOT_STARTED', reason: 'starts after the period', details: null },
          ]),
      ],
      ['results', (r, s) => r.results(s, ID)],
    ]);
  });

  describe('InvoicingEvidenceReads', () => {
    const range = { contractIds: [CONTRACT], fromDate: '2026-03-01', toEnd: '2026-05-01' };
    snap(new InvoicingEvidenceReads(rec.asDataSource()), [
      ['invoicesInRange', (r, s) => r.invoicesInRange(s, range)],
      ['creditNotesInRange', (r, s) => r.creditNotesInRange(s, range)],
      ['guaranteeMeasurementIds', (r, s) => r.guaranteeMeasurementIds(s, range)],
      ['invoicedPeriods', (r, s) => r.invoicedPeriods(s, [CONTRACT])],
      ['billingLinks', (r, s) => r.billingLinks(s, [ID])],
      ['invoiceDocument', (r, s) => r.invoiceDocument(s, ID)],
      ['creditNoteDocument', (r, s) => r.creditNoteDocument(s, ID)],
      ['payments', (r, s) => r.payments(s, [ID])],
    ]);
  });
});
