import type { Scope } from '../auth/scope';
import type { Queryable } from '../common/sql';
import type { SpendLimit } from '../pricing/types';

/**
 * What billing needs of spend controls without knowing them: the hard limit in force for a
 * contract's period (the latest controls set before the period's end, when their hard limit is on).
 * Spend provides it (src/spend/spend-limits.provider.ts); invoicing depends on this port only, so
 * invoicing never imports spend (which reads billing's drafts).
 */
export interface SpendLimits {
  hardLimitFor(scope: Scope, contract: { id: string; timezone: string }, periodEnd: string, em: Queryable): Promise<SpendLimit | null>;
  /** The same for several contracts' periods in one statement (a billing run's chunk), by contract id. */
  hardLimitsFor(
    scope: Scope,
    periods: ReadonlyArray<{ contract: { id: string; timezone: string }; periodEnd: string }>,
    em: Queryable,
  ): Promise<Map<string, SpendLimit | null>>;
}

export const SPEND_LIMITS = Symbol('SPEND_LIMITS');
