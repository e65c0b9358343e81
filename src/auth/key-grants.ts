import type { EntityManager } from 'typeorm';
import type { Scope } from './scope';

/**
 * The port through which issuing a key checks what it is bound to: the customer of a customer
 * key, the contracts of an auditor's grant. auth sits below every domain and names none of their
 * tables; the domain that owns contracts provides this (`src/contracts/key-grant.reads.ts`).
 */
export abstract class KeyGrantCheck {
  /** Whether the scope sees this customer. */
  abstract customerExists(scope: Scope, customerId: string, em?: EntityManager): Promise<boolean>;
  /** Whether the scope sees every listed contract. */
  /** Whether the scope sees this verifier. */
  abstract verifierExists(scope: Scope, verifierId: string, em?: EntityManager): Promise<boolean>;
  abstract contractsExist(scope: Scope, contractIds: readonly string[], em?: EntityManager): Promise<boolean>;
}
