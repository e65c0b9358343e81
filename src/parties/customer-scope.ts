import type { ScopeColumns } from '../auth/scope';

/**
 * The port through which parties asks contracts which customers a contract grant reaches: a SQL
 * predicate over `customers <alias>` true when one of the customer's contracts is among `ids`.
 * Contracts owns that SQL (src/contracts/contracted-customers.ts); parties only composes it, since
 * src/contracts imports parties and the fragment cannot be imported the other way.
 */
export interface ContractedCustomers {
  anyContractIn(customerAlias: string, ids: string): string;
}
export const CONTRACTED_CUSTOMERS = Symbol('CONTRACTED_CUSTOMERS');

/**
 * What a scope sees of `customers <alias>`: a customer key only itself; an auditor granted
 * contracts only the customers of those contracts. Both customer reads compose this one filter.
 */
export function customerScopeColumns(alias: string, contracted: ContractedCustomers): ScopeColumns {
  return {
    vendorId: `${alias}.vendor_id`,
    customerId: `${alias}.id`,
    anyContractIn: (ids) => contracted.anyContractIn(alias, ids),
  };
}
