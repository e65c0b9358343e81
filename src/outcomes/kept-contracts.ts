import { LRUCache } from 'lru-cache';
import type { ContractTermsRow } from '../contracts/outcome.reads';
import type { TypeRules } from './outcome-rules';

/** A contract as recording checks outcomes against it: the row (with its stamp) and each terms version's rules. */
export interface ContractRules {
  contract: ContractTermsRow;
  /** Terms versions newest first, each with its rules. */
  versions: Array<{ effectiveFrom: string; rules: TypeRules }>;
}

/**
 * The contracts recording read last, by vendor and contract, so that the next outcome of a contract
 * skips its read. Never trusted alone: the insert is guarded by the contract's stamp
 * (`contractsUnchangedSql`), and a refusal decided on a kept copy is decided again on a fresh read.
 * So a contract amended or terminated through another process takes effect at its next outcome
 * here, not after a lifetime. Bounded: the least recently used go first.
 */
export class KeptContracts {
  private readonly byKey: LRUCache<string, ContractRules>;

  constructor(max = 2000) {
    this.byKey = new LRUCache({ max });
  }

  get(vendorId: string, contractId: string): ContractRules | undefined {
    return this.byKey.get(`${vendorId}/${contractId}`);
  }

  set(vendorId: string, rules: ContractRules): void {
    this.byKey.set(`${vendorId}/${rules.contract.id}`, rules);
  }

  drop(vendorId: string, contractIds: Iterable<string>): void {
    for (const id of contractIds) this.byKey.delete(`${vendorId}/${id}`);
  }

  get size(): number {
    return this.byKey.size;
  }
}
