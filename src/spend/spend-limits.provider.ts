import { Injectable } from '@nestjs/common';
import type { Scope } from '../auth/scope';
import type { Queryable } from '../common/sql';
import type { SpendLimits } from '../invoicing/spend-limits.port';
import type { SpendLimit } from '../pricing/types';
import { SpendRepository } from './spend.repository';

/** Spend's answer to billing's SPEND_LIMITS port: the hard limit of the controls in force for a period. */
@Injectable()
export class SpendLimitsProvider implements SpendLimits {
  constructor(private readonly repo: SpendRepository) {}

  async hardLimitFor(scope: Scope, contract: { id: string; timezone: string }, periodEnd: string, em: Queryable): Promise<SpendLimit | null> {
    return (await this.hardLimitsFor(scope, [{ contract, periodEnd }], em)).get(contract.id) ?? null;
  }

  async hardLimitsFor(
    scope: Scope,
    periods: ReadonlyArray<{ contract: { id: string; timezone: string }; periodEnd: string }>,
    em: Queryable,
  ): Promise<Map<string, SpendLimit | null>> {
    const rows = await this.repo.inForceAtEach(scope, periods.map((p) => ({ contractId: p.contract.id, periodEnd: p.periodEnd, timezone: p.contract.timezone })), em);
    const out = new Map<string, SpendLimit | null>(periods.map((p) => [p.contract.id, null]));
    for (const v of rows) if (v.hard_limit) out.set(v.contract_id, { budget: v.budget, controlsVersionId: v.id });
    return out;
  }

}
