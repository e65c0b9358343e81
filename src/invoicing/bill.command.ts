import { SingleBar, Presets } from 'cli-progress';
import { Command, CommandRunner, Option } from 'nest-commander';
import { jsonOption, printResult } from '../common/cli-output';
import { vendorScope } from '../auth/scope';
import { BillingQueue } from './billing-queue';
import { BillingRunsService } from './billing-runs.service';

interface Opts {
  vendor?: string;
  period?: string;
  contract?: string[];
  finalize?: boolean;
  queueOnly?: boolean;
  json?: boolean;
}

/**
 * `npm run cli -- bill --vendor <id> --period 2026-03 [--contract <id>…] [--finalize] [--queue-only] [--json]`:
 * a billing run from the command line. The run is queued like the API's; this process works the
 * queue too (beside any service or `worker` processes) and follows the run to its end with a
 * progress bar, unless --queue-only, which prints the queued run and leaves it to the workers.
 */
@Command({ name: 'bill', description: 'run billing for a period: create or recompute the draft invoice of every billable contract' })
export class BillCommand extends CommandRunner {
  constructor(
    private readonly runs: BillingRunsService,
    private readonly queue: BillingQueue,
  ) {
    super();
  }

  async run(_: string[], o: Opts): Promise<void> {
    BillingRunsService.checkPeriod(o.period!);
    const dto = { period: o.period!, ...(o.contract?.length ? { contractIds: o.contract } : {}), ...(o.finalize ? { finalizeWhenDrafted: true } : {}) };
    if (o.queueOnly) {
      const queued = await this.runs.start(o.vendor!, dto, null);
      printResult(o.json, queued, () => [`billing run ${queued.id} for ${queued.period}: ${queued.contracts} contracts ${queued.status}`]);
      return;
    }
    await this.queue.work();
    // A bar only for a person at a terminal; scripts and pipes get clean output.
    const bar = process.stdout.isTTY && !o.json ? new SingleBar({ format: 'billing {bar} {value}/{total} contracts  {eta_formatted} left' }, Presets.shades_classic) : null;
    let started = false;
    const queued = await this.runs.start(o.vendor!, dto, null);
    const run = await this.runs.waitFor(vendorScope(o.vendor!), queued.id, (done, total) => {
      if (!bar) return;
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    });
    if (started) bar?.stop();
    printResult(o.json, run, () => [
      `billing run ${run.id} for ${run.period}: ${run.contracts} contracts`,
      `  drafted ${run.drafted}, refused by the engine ${run.refused}, already finalized ${run.alreadyFinalized}, failed ${run.failed}`,
      ...run.errors.map((e) => `  ${e.contractId}: ${e.message}`),
      ...run.results.filter((r) => r.result === 'skipped').map((r) => `  ${r.contractId}: skipped, ${r.reasonCode}${r.reason ? ` (${r.reason})` : ''}`),
      ...(run.resultsNextCursor ? [`  (the first ${run.results.length} contracts' results; every one: GET /v1/billing-runs/${run.id}/results)`] : []),
    ]);
    if (run.failed > 0) process.exitCode = 1;
  }

  @Option({ flags: '--vendor <id>', description: 'vendor id', required: true })
  parseVendor(v: string): string {
    return v;
  }

  @Option({ flags: '--period <label>', description: 'YYYY-MM (monthly contracts) or YYYY (annual contracts)', required: true })
  parsePeriod(v: string): string {
    return v;
  }

  @Option({ flags: '--contract <id>', description: 'bill only this contract (repeatable)' })
  parseContract(v: string, previous: string[] = []): string[] {
    return [...previous, v];
  }

  @Option({ flags: '--finalize', description: 'finalize each invoice as soon as it is drafted' })
  parseFinalize(): boolean {
    return true;
  }

  @Option({ flags: '--queue-only', description: 'queue the run and exit; the service or `worker` processes work it' })
  parseQueueOnly(): boolean {
    return true;
  }

  @Option(jsonOption)
  parseJson(): boolean {
    return true;
  }
}
