import { toBillingRunView } from './billing-runs.service';
import type { BillingRun } from './entities/billing-run.entity';

const run = (over: Partial<BillingRun>): BillingRun => ({
  vendorId: 'v', id: 'r', periodLabel: '2026-03', contractIds: null, status: 'running', contractsTotal: 10, considered: 12,
  finalizeWhenDrafted: false, drafted: 0, refused: 0, alreadyFinalized: 0, failed: 0, errors: [], requestedByKeyId: null,
  startedAt: new Date('2026-04-01T00:00:00Z'), finishedAt: null, ...over,
});

describe('a billing run as its view shows it', () => {
  it('counts progress from the result rows while it runs, leaving out the contracts skipped before pricing', () => {
    // 12 considered, 2 of them skipped up front: 5 rows so far are 3 billable contracts done.
    const v = toBillingRunView(run({}), { results: 5, drafted: 2, refused: 0, alreadyFinalized: 0, failed: 1, errors: [{ contractId: 'c', message: 'm' }] });
    expect(v).toMatchObject({ status: 'running', contracts: 10, processed: 3, drafted: 2, failed: 1, errors: [{ contractId: 'c', message: 'm' }] });
  });

  it('shows a completed run with the counts its completion stored, every billable contract processed', () => {
    const v = toBillingRunView(
      run({ status: 'completed', drafted: 9, failed: 1, finishedAt: new Date('2026-04-01T00:01:00Z') }),
      { results: 0, drafted: 0, refused: 0, alreadyFinalized: 0, failed: 0, errors: [] },
    );
    expect(v).toMatchObject({ status: 'completed', processed: 10, drafted: 9, failed: 1, finishedAt: '2026-04-01T00:01:00.000Z' });
  });
});
