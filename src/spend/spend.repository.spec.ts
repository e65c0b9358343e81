import { ANY_ROW, CONTRACT, ID, SqlRecorder, underEveryScope } from '../../test/support/sql-statement-recorder';
import type { Scope } from '../auth/scope';
import { SpendRepository } from './spend.repository';

type Call = [string, (r: SpendRepository, s: Scope) => Promise<unknown>];

// Every statement the spend domain runs, under every kind of caller: a reviewer reads the SQL here.
describe('spend repository SQL (every statement, for every kind of caller)', () => {
  const rec = new SqlRecorder();
  beforeEach(() => (rec.reply = [ANY_ROW]));
  const repo = new SpendRepository(rec.asDataSource());
  const calls: Call[] = [
    ['versions', (r, s) => r.versions(s, CONTRACT)],
    ['current', (r, s) => r.current(s, [CONTRACT])],
    ['inForceAt', (r, s) => r.inForceAt(s, CONTRACT, '2026-04-01', 'Asia/Shanghai')],
    ['inForceAtEach', (r, s) => r.inForceAtEach(s, [{ contractId: CONTRACT, periodEnd: '2026-04-01', timezone: 'Asia/Shanghai' }])],
    ['insert', (r, s) => r.insert(s, { contractId: CONTRACT, budget: '5000', thresholds: [50, 80, 100], hardLimit: true, keyId: ID, role: 'customer' })],
    ['recordCrossings', (r, s) => r.recordCrossings(s, { contractId: CONTRACT, periodStart: '2026-03-01', thresholds: [50, 80], versionId: ID, budget: '5000', amount: '4100' }, rec)],
    ['crossings', (r, s) => r.crossings(s, CONTRACT, '2026-03-01')],
  ];
  it.each(calls)('%s', async (_name, call) => {
    expect(await underEveryScope(rec, (s) => call(repo, s))).toMatchSnapshot();
  });

  it('a customer or an auditor grant is filtered in every read', async () => {
    const all = await underEveryScope(rec, (s) => repo.current(s, [CONTRACT]));
    expect(JSON.stringify(all)).toMatch(/customer_id/);
  });
});
