import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
import { OutcomesRepository } from './outcomes.repository';
import { envInt } from '../common/config/env-int';

/** Whole months the service keeps created ahead of the current one (besides the current one). */
export const DEFAULT_MONTHS_AHEAD = 3;

/**
 * Creates the monthly partitions of `outcomes` and `outcome_events` ahead of time: on boot and
 * every OUTCOME_PARTITIONS_INTERVAL_SECONDS (default daily; 0 = on boot only), the current UTC month
 * and OUTCOME_PARTITIONS_MONTHS_AHEAD (default 3) after it. Ahead, because creating a partition
 * locks its parent briefly: it happens when a month is still empty, never on the ingestion path.
 * A month not created in time is no failure: its rows go to the DEFAULT partition, and the next
 * pass gives that month its partition and moves them. The database function does the work as the schema owner
 * (migration 1768500000000); it is idempotent and serialized, so every instance may run it.
 */
@Injectable()
export class OutcomePartitions implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutcomePartitions.name);
  private readonly task = new PeriodicTask('outcome partitions', () => this.ensure(), this.logger);

  constructor(private readonly repo: OutcomesRepository) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensure().catch((e) => this.logger.error(`outcome partitions failed: ${e instanceof Error ? e.message : String(e)}`));
    const seconds = envInt('OUTCOME_PARTITIONS_INTERVAL_SECONDS', 86_400);
    if (seconds > 0) this.task.start(seconds * 1000);
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** Creates what is missing of this month and the months ahead; answers how many partitions it created. */
  async ensure(now: Date = new Date()): Promise<number> {
    const ahead = envInt('OUTCOME_PARTITIONS_MONTHS_AHEAD', DEFAULT_MONTHS_AHEAD, { max: 35 });
    const month = `${now.toISOString().slice(0, 7)}-01`;
    const created = await this.repo.createMonthlyPartitions(month, ahead + 1);
    if (created > 0) this.logger.log(`created ${created} monthly partitions of outcomes and outcome_events from ${month}`);
    return created;
  }
}
