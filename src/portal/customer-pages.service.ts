import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { ContractsService } from '../contracts/contracts.service';
import type { ContractView, TermsVersionView } from '../contracts/dto/contract.dto';
import type { OutcomeListQuery, OutcomeView } from '../outcomes/dto/outcome.dto';
import { localDate } from '../outcomes/outcome-rules';
import { OutcomesService } from '../outcomes/outcomes.service';
import { versionInForce } from '../pricing/terms-in-force';
import { timeLeft } from './format';

/** The dispute window of the terms in force when an outcome occurred (the outcomes domain's default: 30 days). */
const DEFAULT_DISPUTE_DAYS = 30;

export interface InboxRow extends OutcomeView {
  contractName: string;
  timezone: string;
  disputeDays: number;
  /** For a verified outcome: how long it may still be disputed. */
  disputeLeft: { days: number; hours: number; past: boolean } | null;
}

/** What the customer's pages show, assembled from the domain services under the session's principal. */
@Injectable()
export class CustomerPagesService {
  constructor(
    private readonly contracts: ContractsService,
    private readonly outcomes: OutcomesService,
  ) {}

  /** Every contract the principal sees (a customer has a handful; the page caps at 500). */
  async contractsOf(p: Principal): Promise<ContractView[]> {
    return (await this.contracts.list(p, { limit: 500 })).data;
  }

  async inbox(p: Principal, q: OutcomeListQuery) {
    const [contracts, page, counts] = await Promise.all([this.contractsOf(p), this.outcomes.list(p, q), this.outcomes.countByStatus(p, q)]);
    const byId = new Map(contracts.map((c) => [c.id, c]));
    const terms = new Map<string, TermsVersionView[]>();
    for (const id of new Set(page.data.map((o) => o.contractId))) terms.set(id, await this.contracts.listTerms(p, id));
    const rows: InboxRow[] = page.data.map((o) => {
      const c = byId.get(o.contractId)!;
      return { ...o, contractName: c.name, timezone: c.timezone, ...this.window(o, c, terms.get(o.contractId) ?? []) };
    });
    return { contracts, rows, nextCursor: page.nextCursor, counts };
  }

  async outcome(p: Principal, id: string) {
    const o = await this.outcomes.get(p, id);
    const contracts = await this.contractsOf(p);
    const c = contracts.find((x) => x.id === o.contractId)!;
    return { outcome: o, contract: c, ...this.window(o, c, await this.contracts.listTerms(p, c.id)) };
  }

  private window(o: OutcomeView, c: ContractView, versions: TermsVersionView[]) {
    const v = versionInForce(versions, localDate(new Date(o.occurredAt), c.timezone));
    const disputeDays = v?.terms.disputeWindowDays ?? DEFAULT_DISPUTE_DAYS;
    const disputeLeft =
      o.status === 'verified' && o.verifiedAt ? timeLeft(new Date(new Date(o.verifiedAt).getTime() + disputeDays * 86_400_000)) : null;
    return { disputeDays, disputeLeft };
  }
}
