import { CONTRACT, ID, SqlRecorder, underEveryScope } from '../../test/support/sql-statement-recorder';
import { Params } from '../common/sql';
import { OutcomeBillingReads } from './billing.reads';
import { OutcomeEvidenceReads } from './evidence.reads';

/** The statements billing and the evidence bundle send to outcomes (their *.reads.ts read models). */
describe('outcome read models for billing and audit: SQL for every kind of caller', () => {
  const rec = new SqlRecorder();
  beforeEach(() => (rec.reply = []));

  describe('OutcomeBillingReads', () => {
    const reads = new OutcomeBillingReads(rec.asDataSource());
    it('latestMeasurements', async () => {
      const q = { contractId: CONTRACT, timezone: 'Asia/Shanghai', periods: [{ start: '2026-03-01', end: '2026-04-01', types: ['accuracy'] }] };
      expect(await underEveryScope(rec, (s) => reads.latestMeasurements(s, q))).toMatchSnapshot();
    });
    it('measurementsById', async () => {
      expect(await underEveryScope(rec, (s) => reads.measurementsById(s, { contractId: CONTRACT, timezone: 'Asia/Shanghai', ids: [ID] }))).toMatchSnapshot();
    });
  });

  describe('OutcomeEvidenceReads', () => {
    const reads = new OutcomeEvidenceReads(rec.asDataSource());
    const contracts = [{ id: CONTRACT, timezone: 'Asia/Shanghai' }];
    const billed = (ps: Params) => `EXISTS (SELECT 1 /* invoicing's predicate */ WHERE ${ps.add('x')} IS NOT NULL)`;
    const whole = { contracts, fromDate: null, toEnd: null, measurementIds: [], alsoBilled: billed };
    const ranged = { contracts, fromDate: '2026-03-01', toEnd: '2026-05-01', measurementIds: [ID], alsoBilled: billed };
    it.each([
      ['outcomeBatch, whole contracts', (s: any) => reads.outcomeBatch(s, whole, ID, 2000)],
      ['outcomeBatch, a range of periods', (s: any) => reads.outcomeBatch(s, ranged, ID, 2000)],
      ['outcomeIdBatch, a range of periods', (s: any) => reads.outcomeIdBatch(s, ranged, ID, 2000)],
      ['events', (s: any) => reads.events(s, [ID])],
    ])('%s', async (_name, call) => {
      expect(await underEveryScope(rec, call)).toMatchSnapshot();
    });
  });
});
