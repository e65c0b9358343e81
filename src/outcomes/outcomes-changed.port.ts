/**
 * What outcomes tells the rest of the ledger after outcomes became verified (recorded as metered
 * usage, verified, upheld, deemed): the contracts whose open period may have grown. Spend controls
 * provide it (src/spend/spend.module.ts) to check their thresholds; outcomes depends on this port
 * only, so outcomes never imports spend (which reads billing, which reads outcomes).
 */
export interface OutcomesChanged {
  /** Called once per request or batch, after its outcomes committed (or inside the request's transaction). */
  verifiedOutcomesChanged(vendorId: string, contractIds: readonly string[]): Promise<void>;
}

export const OUTCOMES_CHANGED = Symbol('OUTCOMES_CHANGED');
