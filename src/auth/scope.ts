import type { Principal } from './principal';

/**
 * What a caller may see, built once from its principal and handed to every repository method.
 * Repositories write the tenant/role filter from it themselves (`scopeSql`); no other code
 * writes that filter. Rows outside the scope do not exist for the caller (404, not 403).
 *
 * - `vendorId`: always; every row of every table carries it.
 * - `customerId`: set for a customer key: only that customer's contracts and what hangs off them.
 * - `contractIds`: set for an auditor granted listed contracts: only those contracts, and the
 *   customers of those contracts.
 */
export interface Scope {
  readonly vendorId: string;
  readonly role: Principal['role'] | 'system';
  readonly customerId: string | null;
  readonly contractIds: readonly string[] | null;
}

export function scopeOf(principal: Principal): Scope {
  return Object.freeze({
    vendorId: principal.vendorId,
    role: principal.role,
    customerId: principal.role === 'customer' ? principal.customerId : null,
    contractIds: principal.role === 'auditor' && principal.contractIds ? Object.freeze([...principal.contractIds]) : null,
  });
}

/** The whole vendor, for the system's own work (billing runs, the CLI, the demo, jobs). */
export function vendorScope(vendorId: string): Scope {
  return Object.freeze({ vendorId, role: 'system' as const, customerId: null, contractIds: null });
}

/** Columns of the query that the scope filters; omit one the query does not have. */
export interface ScopeColumns {
  vendorId: string;
  contractId?: string;
  customerId?: string;
  /**
   * For a row that reaches several contracts (a customer): a predicate that one of them is among
   * `ids` (the granted contracts' parameter, e.g. `$3::uuid[]`). Used when there is no `contractId`.
   */
  anyContractIn?: (ids: string) => string;
}

/**
 * The one place the tenant/role filter is written, as SQL with numbered parameters appended to
 * `params`: `WHERE ${scopeSql(scope, cols, params)}`. A customer scope over a query with no
 * customer column, or an auditor grant over one with no contract column, must name a column
 * that leads there (a subquery), otherwise this throws: a scope is never silently dropped.
 */
export function scopeSql(scope: Scope, cols: ScopeColumns, params: unknown[]): string {
  params.push(scope.vendorId);
  const parts = [`${cols.vendorId} = $${params.length}`];
  if (scope.customerId) {
    if (!cols.customerId) throw new Error('scopeSql: a customer scope needs a customer column');
    params.push(scope.customerId);
    parts.push(`${cols.customerId} = $${params.length}`);
  }
  if (scope.contractIds) {
    if (!cols.contractId && !cols.anyContractIn) throw new Error('scopeSql: a contract grant needs a contract column');
    params.push(scope.contractIds);
    const ids = `$${params.length}::uuid[]`;
    parts.push(cols.contractId ? `${cols.contractId} = ANY(${ids})` : cols.anyContractIn!(ids));
  }
  return parts.join(' AND ');
}

/** The same rule for one loaded contract. */
export function scopeSeesContract(scope: Scope, contract: { vendorId: string; id: string; customerId: string }): boolean {
  if (contract.vendorId !== scope.vendorId) return false;
  if (scope.customerId && contract.customerId !== scope.customerId) return false;
  if (scope.contractIds && !scope.contractIds.includes(contract.id)) return false;
  return true;
}
