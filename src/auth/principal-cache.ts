import type { Principal } from './principal';

/**
 * API keys resolved in the last few seconds, by the SHA-256 of the key (never the key itself):
 * a key used by a busy client costs one lookup per lifetime instead of one per request (issue #16
 * item 4: the lookup was one of four round trips of a single outcome). A key revoked through this
 * process is forgotten at once; revoked through another process (another API worker, the CLI), it
 * stops working within the lifetime (`AUTH_CACHE_TTL_MS`; 0 turns the cache off). Failed lookups
 * are never cached, so a new key works at once.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(keyHash: string): Principal | undefined {
    const e = this.entries.get(keyHash);
    if (!e) return undefined;
    if (e.until > this.now()) return e.principal;
    this.entries.delete(keyHash);
    return undefined;
  }

  set(keyHash: string, principal: Principal): void {
    if (this.ttlMs <= 0) return;
    // Bounded: the oldest entry goes first (a Map iterates in insertion order).
    if (this.entries.size >= this.maxEntries && !this.entries.has(keyHash)) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(keyHash, { principal, until: this.now() + this.ttlMs });
  }

  /** A key revoked here stops working at once in this process. */
  forgetKey(keyId: string): void {
    for (const [hash, e] of this.entries) if (e.principal.keyId === keyId) this.entries.delete(hash);
  }
}
