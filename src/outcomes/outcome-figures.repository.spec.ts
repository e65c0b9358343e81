import { FIXED, sqlPerScope, sqlRecorder } from '../../test/support/sql-recorder';
import { OutcomeFiguresRepository, type StatementOutcomes } from './outcome-figures.repository';

const month: StatementOutcomes = {
  contractId: FIXED.contractIds[0], types: ['savings', 'report'], perUnit: { savings: null, report: '120' }, start: '2026-03-01', end: '2026-04-01',
  timezone: 'Asia/Shanghai',
};

describe('the SQL of OutcomeFiguresRepository (the reports’ read model)', () => {
  const rec = sqlRecorder();
  const repo = new OutcomeFiguresRepository(rec.db);

  it('sums verified value per contract and month in SQL', async () => {
    const slot = { contract_id: FIXED.contractIds[0], month: '2026-03', start: '2026-03-01', end: '2026-04-01', tz: 'Asia/Shanghai', type: 'savings', per_unit: null };
    expect(await sqlPerScope(rec, (s) => repo.monthlyValue(s, [slot]))).toMatchSnapshot();
  });

  it('values each month by its basis in SQL: measured, per unit, per KPI point', async () => {
    const base = { contract_id: FIXED.contractIds[0], month: '2026-03', start: '2026-03-01', end: '2026-04-01', tz: 'Asia/Shanghai' };
    const slots = [
      { ...base, type: 'savings', method: 'measured' as const, unit_value: null, baseline: null, estimated: false, fixed_value: null },
      { ...base, type: 'congestion_reduction_pct', method: 'per_kpi_point' as const, unit_value: '100000', baseline: '0', estimated: true, fixed_value: null },
    ];
    expect(await sqlPerScope(rec, (s) => repo.basisValue(s, slots))).toMatchSnapshot();
  });

  it('lists a statement’s outcomes and sums what is pending', async () => {
    expect(await sqlPerScope(rec, (s) => repo.statementLines(s, month, ['verified'], 1000), ['customer'])).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => repo.pendingByStatus(s, month), ['customer'])).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => repo.valueByStatus(s, month, ['verified', 'disputed']), ['customer'])).toMatchSnapshot();
  });

  it('counts verified and rejected outcomes per type in each contract’s timezone', async () => {
    expect(await sqlPerScope(rec, (s) => repo.judgedByType(s, FIXED.contractIds, '2026-01-01', '2026-04-01', ['report']))).toMatchSnapshot();
  });
});
