import type { Logger } from '@nestjs/common';

/**
 * A background pass run every `intervalMs`, one at a time (a tick while a pass runs is skipped),
 * its failure logged, never thrown; `stop()` waits for the pass under way so shutdown is clean.
 * The timer is unref'd: it never keeps the process alive on its own.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly what: string,
    private readonly pass: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.pass()
      .catch((e) => this.logger.error(`${this.what} failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => (this.running = null));
  }
}
