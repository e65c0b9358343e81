import type { ScopeColumns } from '../auth/scope';

/**
 * What a scope sees of `customers <alias>`: a customer key only itself; an auditor granted
 * contracts only the customers of those contracts. Both customer reads compose this one filter.
 * It is parties' only SQL over `contracts`: src/contracts imports parties, so the fragment cannot
 * live there without a folder-level import cycle (see src/database/sql-ownership.spec.ts).
 */
export function customerScopeColumns(alias: string): ScopeColumns {
  return {
    vendorId: `${alias}.vendor_id`,
    customerId: `${alias}.id`,
    anyContractIn: (ids) =>
      `EXISTS (SELECT 1 FROM contracts k WHERE k.vendor_id = ${alias}.vendor_id AND k.customer_id = ${alias}.id AND k.id = ANY(${ids}))`,
  };
}
