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
    const v = await this.repo.inForceAt(scope, contract.id, periodEnd, contract.timezone, em);
    return v && v.hard_limit ? { budget: v.budget, controlsVersionId: v.id } : null;
  }
}
