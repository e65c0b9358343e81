/**
 * Failed authentications per client address in a fixed one-minute window, in process memory.
 * Checked before the key lookup, so an address over its limit costs no database query per guess.
 * Bounded: at most `MAX_ADDRESSES` windows are kept, the oldest dropped first (an attacker who
 * rotates addresses past that still meets one query per guess, never unbounded memory).
 */
export class AuthFailureLimiter {
  private static readonly MAX_ADDRESSES = 50_000;
  private static readonly WINDOW_MS = 60_000;
  private readonly windows = new Map<string, { failures: number; resetsAt: number }>();

  /** `limit` failures per minute; 0 disables. */
  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `address` may try again, or 0 when it is under its limit. */
  retryAfterSeconds(address: string): number {
    if (this.limit === 0) return 0;
    const w = this.windows.get(address);
    if (!w) return 0;
    const left = w.resetsAt - this.now();
    if (left <= 0) {
      this.windows.delete(address);
      return 0;
    }
    return w.failures >= this.limit ? Math.ceil(left / 1000) : 0;
  }

  recordFailure(address: string): void {
    if (this.limit === 0) return;
    const now = this.now();
    const w = this.windows.get(address);
    if (w && w.resetsAt > now) {
      w.failures += 1;
      return;
    }
    this.windows.delete(address);
    if (this.windows.size >= AuthFailureLimiter.MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(address, { failures: 1, resetsAt: now + AuthFailureLimiter.WINDOW_MS });
  }
}
