import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { vendorScope } from '../auth/scope';
import { PeriodicTask } from '../common/periodic-task';
import { OUTCOMES_CHANGED, type OutcomesChanged } from './outcomes-changed.port';
import { OutcomesRepository } from './outcomes.repository';
import { envInt } from '../common/config/env-int';

/** One advisory lock for every app instance: a second sweeper skips the tick instead of waiting. */
const SWEEP_LOCK = 'outcome-ledger:deeming-sweep';
const BATCH = 1000;

/**
 * Deemed acceptance, made visible: every OUTCOME_DEEMING_INTERVAL_SECONDS (0 = never; the test
 * config sets 0) it moves recorded claims whose objection window lapsed to `verified` with their
 * `deemed` event. Billing does not wait for it (its SQL counts a lapsed claim as verified), so a
 * sweep that is late or was down only delays the events; after a restart it catches up from the
 * deadlines stored on the rows. Idempotent: it moves only `recorded` rows, under one advisory lock.
 * After each pass commits, the contracts whose claims were deemed are told to the outcomes-changed
 * port, so a spend threshold reached by deemed outcomes is announced without waiting for the next
 * ingestion.
 */
@Injectable()
export class DeemingSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeemingSweep.name);
  private readonly task = new PeriodicTask('deeming sweep', () => this.sweep(), this.logger);

  constructor(
    private readonly repo: OutcomesRepository,
    @Optional() @Inject(OUTCOMES_CHANGED) private readonly changed?: OutcomesChanged,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = envInt('OUTCOME_DEEMING_INTERVAL_SECONDS', 60);
    if (seconds === 0) return;
    this.task.start(seconds * 1000);
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** One pass over every vendor with lapsed claims; answers how many were deemed (null: another sweep holds the lock). */
  async sweep(): Promise<number | null> {
    const deemedIn = new Map<string, Set<string>>(); // vendor → contracts
    const total = await this.repo.transaction(async (em) => {
      const [{ locked }] = await em.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [SWEEP_LOCK]);
      if (!locked) return null;
      let n = 0;
      for (const vendorId of await this.repo.vendorsWithLapsedClaims(em)) {
        for (;;) {
          const moved = await this.repo.deemLapsed(vendorScope(vendorId), BATCH, em);
          n += moved.length;
          if (moved.length) {
            const contracts = deemedIn.get(vendorId) ?? new Set<string>();
            for (const m of moved) contracts.add(m.contractId);
            deemedIn.set(vendorId, contracts);
          }
          if (moved.length < BATCH) break;
        }
      }
      return n;
    });
    // After the commit, so the checks read the deemed outcomes as verified. The port logs its own failures.
    if (this.changed) for (const [vendorId, contracts] of deemedIn) await this.changed.verifiedOutcomesChanged(vendorId, [...contracts]);
    return total;
  }
}
