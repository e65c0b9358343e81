import { ANY_ROW, CONTRACT, CUSTOMER, ID, SqlRecorder, underEveryScope } from '../../test/support/sql-statement-recorder';
import { ContractsRepository, termsInForceSql } from './contracts.repository';

describe('ContractsRepository SQL (every statement, for every kind of caller)', () => {
  const rec = new SqlRecorder();
  const repo = new ContractsRepository(rec.asDataSource());
  beforeEach(() => (rec.reply = [ANY_ROW]));

  it('the terms version in force is one SQL fragment', () => {
    expect(termsInForceSql('o.vendor_id', 'o.contract_id', '(o.occurred_at AT TIME ZONE c.timezone)::date')).toMatchSnapshot();
  });

  const calls: Array<[string, (r: ContractsRepository, s: any) => Promise<unknown>]> = [
    ['find', (r, s) => r.find(s, ID)],
    ['find, locked', (r, s) => r.find(s, ID, { lock: true })],
    ['findMany', (r, s) => r.findMany(s, [CONTRACT])],
    ['findMany, all', (r, s) => r.findMany(s, null)],
    ['list', (r, s) => r.list(s, { customerId: CUSTOMER, status: 'active', before: ID, limit: 50 })],
    ['existing', (r, s) => r.existing(s, [CONTRACT])],
    ['billable', (r, s) => r.billable(s, { billingCycle: 'monthly', start: '2026-03-01', end: '2026-04-01', ids: [CONTRACT] })],
    ['billingCandidates', (r, s) => r.billingCandidates(s, { billingCycle: 'monthly', start: '2026-03-01', end: '2026-04-01', ids: [CONTRACT] })],
    ['billingCandidates of the vendor', (r, s) => r.billingCandidates(s, { billingCycle: 'annual', start: '2026-01-01', end: '2027-01-01', ids: null })],
    ['insert', (r, s) => r.insert(s, { customerId: CUSTOMER, name: 'n', currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0.06', startsOn: '2026-03-01', endsOn: null, billingCycle: 'monthly', status: 'active', poReference: 'PO-1', paymentTermsDays: 30 })],
    ['setBillingTerms', (r, s) => r.setBillingTerms(s, ID, { poReference: 'PO-2', paymentTermsDays: 45 })],
    ['setStatus', (r, s) => r.setStatus(s, ID, 'terminated', '2026-06-30')],
    ['termsVersions', (r, s) => r.termsVersions(s, [CONTRACT])],
    ['termsVersions, latest only', (r, s) => r.termsVersions(s, [CONTRACT], { latestOnly: true })],
    ['termsInForce', (r, s) => r.termsInForce(s, CONTRACT, '2026-03-15')],
    ['termsVersionEffectiveOn', (r, s) => r.termsVersionEffectiveOn(s, CONTRACT, '2026-06-01')],
    ['insertTermsVersion', (r, s) => r.insertTermsVersion(s, { contractId: CONTRACT, version: 2, effectiveFrom: '2026-06-01', document: { components: [] } as any, documentSha256: 'abc' })],
  ];
  it.each(calls)('%s', async (_name, call) => {
    expect(await underEveryScope(rec, (s) => call(repo, s))).toMatchSnapshot();
  });
});
