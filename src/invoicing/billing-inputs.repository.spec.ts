import { CONTRACT, CUSTOMER, ID, SqlRecorder, VENDOR } from '../../test/support/sql-statement-recorder';
import { vendorScope } from '../auth/scope';
import type { ContractsService } from '../contracts/contracts.service';
import type { Contract } from '../contracts/entities/contract.entity';
import { OutcomeBillingReads } from '../outcomes/billing.reads';
import { periodStretches } from '../pricing/amendment';
import { parseTerms } from '../pricing/terms';
import type { Terms } from '../pricing/types';
import { BillingInputsRepository, BillingSubject, InvoicedPeriod, OutcomeSource } from './billing-inputs.repository';
import { InvoicesRepository } from './invoices.repository';

/**
 * The statements billing sends, composed of outcomes' parts (src/outcomes/billing.reads.ts) and
 * invoicing's (invoice_outcomes): each source of outcomes, with a late or reversed earlier period.
 */
describe('BillingInputsRepository SQL (billing runs in the vendor scope)', () => {
  const parsed = parseTerms({
    components: [{ type: 'per_outcome', outcomeType: 'defect_detected', unitPrice: '2.50', verification: 'customer', breakdownBy: 'line' }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const terms: Terms = parsed.terms;
  const rec = new SqlRecorder();
  const contracts = {
    termsVersionsOf: async () => [{ id: ID, effectiveFrom: '2026-01-01', document: terms }],
  } as unknown as ContractsService;
  const repo = new BillingInputsRepository(new OutcomeBillingReads(rec.asDataSource()), new InvoicesRepository(rec.asDataSource()), contracts);
  const contract = {
    vendorId: VENDOR, id: CONTRACT, customerId: CUSTOMER, currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0.06',
    startsOn: '2026-01-01', endsOn: null, billingCycle: 'monthly',
  } as unknown as Contract;
  const subject: BillingSubject = { scope: vendorScope(VENDOR), contract, period: { start: '2026-03-01', end: '2026-04-01' }, terms };
  const earlier: InvoicedPeriod[] = [{ start: '2026-02-01', end: '2026-03-01', termsVersionId: ID, terms }];
  // An aggregate row of each shape, so that every statement of the adjustments is sent.
  rec.reply = [
    { type: 'defect_detected', n: '1', q: null, v: null, digest: 'xor128:0', start: '2026-02-01', effect: '1', g0: 1, d0: null,
      id: ID, value: '1', local_date: '2026-03-05', occurred_at: new Date(0) },
  ];

  it('invoicedPeriodsBefore', async () => {
    expect(await rec.record(() => repo.invoicedPeriodsBefore(subject.scope, CONTRACT, '2026-03-01', rec))).toMatchSnapshot();
  });

  const sources: Array<[string, OutcomeSource]> = [
    ['a draft (open)', { kind: 'open' }],
    ['a finalizing invoice (claim)', { kind: 'claim', invoiceId: ID }],
    ['a finalized invoice (recorded)', { kind: 'recorded', invoiceId: ID, billedBefore: new Date('2026-04-02T00:00:00Z') }],
  ];
  it.each(sources)('pricingInput of %s', async (_name, source) => {
    expect(await rec.record(() => repo.pricingInput(rec, subject, source, earlier))).toMatchSnapshot();
  });

  it('pricingInput of a period split by an amendment (claim): one statement per stretch, each reading its own days', async () => {
    const v2 = { id: CONTRACT, effectiveFrom: '2026-03-15', document: terms };
    const stretches = periodStretches([{ id: ID, effectiveFrom: '2026-01-01', document: terms }, v2], subject.period) as BillingSubject['stretches'];
    const split: BillingSubject = { ...subject, stretches };
    expect(await rec.record(() => repo.pricingInput(rec, split, { kind: 'claim', invoiceId: ID }, []))).toMatchSnapshot();
  });

  it('openPricingInputs of two contracts (one with an invoiced month) and a split period: one aggregate statement for the two, grouped by contract; the late-change check for the chunk; the split one per stretch', async () => {
    const v2 = { id: CONTRACT, effectiveFrom: '2026-03-15', document: terms };
    const stretches = periodStretches([{ id: ID, effectiveFrom: '2026-01-01', document: terms }, v2], subject.period) as BillingSubject['stretches'];
    const other = { ...contract, id: ID, timezone: 'Europe/Berlin' } as unknown as Contract;
    const sent = await rec.record(() =>
      repo.openPricingInputs(rec, [
        { subject, earlier },
        { subject: { ...subject, contract: other }, earlier: [] },
        { subject: { ...subject, stretches }, earlier: [] },
      ]),
    );
    expect(sent).toMatchSnapshot();
  });

  it('pricingInput reading named KPI measurements (reproduction)', async () => {
    expect(await rec.record(() => repo.pricingInput(rec, subject, { kind: 'recorded', invoiceId: ID, billedBefore: new Date(0) }, [], [ID]))).toMatchSnapshot();
  });
});

/** Charge once per case (issue #19 item 2): each statement gains the case charges of its rows. */
describe('BillingInputsRepository SQL with a component charged once per case', () => {
  const parsed = parseTerms({
    components: [{ type: 'per_outcome', outcomeType: 'resolution', unitPrice: '0.99', verification: 'customer', chargeOncePer: 'conversation' }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const terms: Terms = parsed.terms;
  const rec = new SqlRecorder();
  const contracts = { termsVersionsOf: async () => [{ id: ID, effectiveFrom: '2026-01-01', document: terms }] } as unknown as ContractsService;
  const repo = new BillingInputsRepository(new OutcomeBillingReads(rec.asDataSource()), new InvoicesRepository(rec.asDataSource()), contracts);
  const contract = {
    vendorId: VENDOR, id: CONTRACT, customerId: CUSTOMER, currency: 'USD', timezone: 'UTC', taxRate: '0',
    startsOn: '2026-01-01', endsOn: null, billingCycle: 'monthly',
  } as unknown as Contract;
  const subject: BillingSubject = { scope: vendorScope(VENDOR), contract, period: { start: '2026-03-01', end: '2026-04-01' }, terms };
  const earlier: InvoicedPeriod[] = [{ start: '2026-02-01', end: '2026-03-01', termsVersionId: ID, terms }];
  rec.reply = [{ type: 'resolution', n: '1', q: null, v: null, digest: 'xor128:0', start: '2026-02-01', effect: '-1', m0: '1' }];

  it.each<[string, OutcomeSource]>([
    ['a draft (open)', { kind: 'open' }],
    ['a finalizing invoice (claim)', { kind: 'claim', invoiceId: ID }],
    ['a finalized invoice (recorded)', { kind: 'recorded', invoiceId: ID, billedBefore: new Date('2026-04-02T00:00:00Z') }],
  ])('pricingInput of %s', async (_name, source) => {
    const sent = await rec.record(() => repo.pricingInput(rec, subject, source, earlier));
    expect(JSON.stringify(sent)).toContain('row_number() OVER');
    expect(sent).toMatchSnapshot();
  });
});
