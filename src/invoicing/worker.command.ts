import { Command, CommandRunner } from 'nest-commander';
import { BillingQueue } from './billing-queue';

/**
 * `npm run cli -- worker`: a process that only works billing-run jobs, beside or instead of the API
 * processes' own workers (BILLING_WORKER=false there), until SIGINT or SIGTERM; then it stops
 * taking jobs, hands back the one in hand, and exits. Any number of them may share one database.
 */
@Command({ name: 'worker', description: 'work billing-run jobs until stopped (SIGINT/SIGTERM); any number may run' })
export class WorkerCommand extends CommandRunner {
  constructor(private readonly queue: BillingQueue) {
    super();
  }

  async run(): Promise<void> {
    const stopped = new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    await this.queue.work();
    process.stdout.write(`billing worker ${process.pid}: working billing-run jobs\n`);
    const signal = await stopped;
    process.stdout.write(`billing worker ${process.pid}: ${signal}, stopping\n`);
    // Returning closes the app: the queue stops before the database (BillingQueue.beforeApplicationShutdown).
  }
}
