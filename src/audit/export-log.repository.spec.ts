import { ANY_ROW, CONTRACT, CUSTOMER, ID, SqlRecorder, underEveryScope } from '../../test/support/sql-statement-recorder';
import type { Scope } from '../auth/scope';
import { ExportLogRepository } from './export-log.repository';

describe('ExportLogRepository SQL (every statement, for every kind of caller)', () => {
  const rec = new SqlRecorder();
  const repo = new ExportLogRepository(rec.asDataSource());
  beforeEach(() => (rec.reply = [ANY_ROW]));
  const calls: Array<[string, (s: Scope) => Promise<unknown>]> = [
    ['insert', (s) => repo.insert(s, { keyId: ID, role: 'auditor', kind: 'evidence_bundle', format: 'zip', contractId: CONTRACT, customerId: CUSTOMER, params: {} })],
    ['complete', (s) => repo.complete(s, ID, 'abc')],
    ['list', (s) => repo.list(s, { contractId: CONTRACT, kind: 'evidence_bundle', before: ID, limit: 50 })],
  ];
  it.each(calls)('%s', async (_name, call) => {
    expect(await underEveryScope(rec, call)).toMatchSnapshot();
  });
});
