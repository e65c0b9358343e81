import { FIXED, sqlPerScope, sqlRecorder } from '../../test/support/sql-recorder';
import { encodeCursor } from '../common/http/pagination';
import { NewOutcome, OutcomeRow, OutcomesRepository } from './outcomes.repository';

const actor = { keyId: FIXED.keyId, role: 'vendor_admin' };
const outcome: NewOutcome = {
  contractId: FIXED.contractIds[0], externalId: 'rep-1', type: 'report', quantity: '1', value: null, occurredAt: '2026-03-02T01:00:00.000Z',
  dimensions: { hospital: 'H3' }, evidence: null, evidenceJson: null, evidenceUri: null, evidenceSha256: null, status: 'recorded',
  contentSha256: 'a'.repeat(64), correctsOutcomeId: null, objectionWindow: 'PT24H', timezone: 'Asia/Shanghai',
};
const row = { vendor_id: FIXED.vendorId, id: FIXED.id, status: 'verified', occurred_at: new Date('2026-03-02T01:00:00Z') } as OutcomeRow;

describe('the SQL of OutcomesRepository', () => {
  const rec = sqlRecorder();
  const repo = new OutcomesRepository(rec.db);

  it('inserts new outcomes and their first events in one statement', async () => {
    expect(await sqlPerScope(rec, (s) => repo.insertNew(s, actor, [outcome]), ['vendor admin'])).toMatchSnapshot();
  });

  it('inserts only while the guarded contracts are unchanged and in the scope (a kept copy of a contract)', async () => {
    const guard = [{ id: FIXED.contractIds[0], stamp: 'stamp-1' }];
    expect(await sqlPerScope(rec, (s) => repo.insertNew(s, actor, [outcome], undefined, guard), ['vendor admin', 'customer'])).toMatchSnapshot();
  });

  it('finds stored outcomes by (contract, externalId) within the scope', async () => {
    expect(await sqlPerScope(rec, (s) => repo.findByExternalIds(s, [{ contractId: FIXED.contractIds[0], externalId: 'rep-1' }]))).toMatchSnapshot();
  });

  it('reads one outcome within the scope, locked for a transition', async () => {
    expect(await sqlPerScope(rec, (s) => repo.findOne(s, FIXED.id, { forUpdate: true }))).toMatchSnapshot();
  });

  it('moves one outcome and appends its event', async () => {
    expect(await sqlPerScope(rec, (s) => repo.transition(s, rec.em, row, 'disputed', actor, 'wrong line'), ['customer'])).toMatchSnapshot();
  });

  it('decides many recorded outcomes of the customer in one statement, and reads the statuses of the rest', async () => {
    expect(await sqlPerScope(rec, (s) => repo.bulkDecide(s, [FIXED.id], 'verified', actor, null), ['customer'])).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => repo.statusesOf(s, [FIXED.id]), ['customer'])).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => repo.decisionSubjects(s, [FIXED.id]), ['customer'])).toMatchSnapshot();
  });

  it('reads whether the dispute window is open and the outcome was disputed before', async () => {
    expect(await sqlPerScope(rec, (s) => repo.disputeState(s, rec.em, FIXED.id, 30), ['customer'])).toMatchSnapshot();
  });

  it('reads an outcome’s events', async () => {
    expect(await sqlPerScope(rec, (s) => repo.detail(s, { ...row, occurred_at: new Date(0), created_at: new Date(0), verified_at: null } as OutcomeRow))).toMatchSnapshot();
  });

  it('deems lapsed claims of a vendor accepted, each with its event, and finds the vendors that have any', async () => {
    expect(await sqlPerScope(rec, (s) => repo.deemLapsed(s, 1000, rec.em), ['vendor admin'])).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => repo.objectionLapsed(s, rec.em, FIXED.id), ['customer'])).toMatchSnapshot();
  });

  it('pages outcomes with every list filter', async () => {
    const filter = {
      contractId: FIXED.contractIds[0], type: 'report', status: 'verified' as const, period: { start: '2026-03-01', end: '2026-04-01' },
      occurredFrom: '2026-03-01T00:00:00Z', occurredTo: '2026-04-01T00:00:00Z', dimensions: { hospital: 'H3' }, cursor: encodeCursor(FIXED.id),
    };
    expect(await sqlPerScope(rec, (s) => repo.page(s, filter, 50))).toMatchSnapshot();
  });

  it('counts and sums one contract’s month per type and status', async () => {
    expect(await sqlPerScope(rec, (s) => repo.stats(s, FIXED.contractIds[0], { start: '2026-03-01', end: '2026-04-01', timezone: 'Asia/Shanghai' }))).toMatchSnapshot();
  });
});
