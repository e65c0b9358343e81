import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { BillingRunView } from '../invoicing/dto/invoice.dto';

interface Tracked {
  vendorId: string;
  done: number;
  total: number | null;
  run: BillingRunView | null;
  error: string | null;
  startedAt: number;
}

/**
 * Billing runs started from the console, followed while they work: the run itself is the
 * invoicing service's, which reports after each contract; this keeps those counts in memory for
 * the page that watches (a run outlives its request). Kept an hour, then forgotten: the run's own
 * record stays in billing_runs.
 */
@Injectable()
export class BillingProgress {
  private readonly logger = new Logger(BillingProgress.name);
  private readonly runs = new Map<string, Tracked>();

  start(vendorId: string, work: (progress: (done: number, total: number) => void) => Promise<BillingRunView>): string {
    this.forgetOld();
    const token = randomBytes(12).toString('base64url');
    const t: Tracked = { vendorId, done: 0, total: null, run: null, error: null, startedAt: Date.now() };
    this.runs.set(token, t);
    work((done, total) => {
      t.done = done;
      t.total = total;
    }).then(
      (run) => (t.run = run),
      (e: unknown) => {
        t.error = e instanceof Error ? e.message : String(e);
        this.logger.warn(`billing run from the console failed: ${t.error}`);
      },
    );
    return token;
  }

  /** Only the vendor that started it sees a run's progress. */
  get(vendorId: string, token: string): Tracked | null {
    const t = this.runs.get(token);
    return t && t.vendorId === vendorId ? t : null;
  }

  private forgetOld(): void {
    const cutoff = Date.now() - 3_600_000;
    for (const [k, t] of this.runs) if (t.startedAt < cutoff) this.runs.delete(k);
  }
}
