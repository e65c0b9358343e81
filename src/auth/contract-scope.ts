// Retiring: the hand-written copies of the scope rule, kept until invoicing and contracts use
// `scope.ts` (scopeOf / scopeSql / scopeSeesContract) everywhere.
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { Principal } from './principal';

/**
 * Narrows a query over rows that carry `vendor_id` and a contract (or customer) reference to what
 * the caller may see: its vendor always; a customer key only its customer's contracts; an auditor
 * key granted to listed contracts only those. Rows outside the scope simply do not exist (404).
 *
 * @param contractIdColumn  e.g. `c.id` or `o.contract_id`
 * @param customerIdColumn  e.g. `c.customer_id`; when the query has no customer column, pass a
 *                          subquery such as `(SELECT customer_id FROM contracts ...)`.
 */
export function scopeToPrincipal<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  principal: Principal,
  columns: { vendorId: string; contractId?: string; customerId?: string },
): SelectQueryBuilder<T> {
  qb.andWhere(`${columns.vendorId} = :scopeVendorId`, { scopeVendorId: principal.vendorId });
  if (principal.role === 'customer' && columns.customerId)
    qb.andWhere(`${columns.customerId} = :scopeCustomerId`, { scopeCustomerId: principal.customerId });
  if (principal.role === 'auditor' && principal.contractIds && columns.contractId)
    qb.andWhere(`${columns.contractId} = ANY(:scopeContractIds)`, { scopeContractIds: principal.contractIds });
  return qb;
}

/** The same rule for one loaded contract. */
export function principalSeesContract(principal: Principal, contract: { vendorId: string; id: string; customerId: string }): boolean {
  if (contract.vendorId !== principal.vendorId) return false;
  if (principal.role === 'customer') return contract.customerId === principal.customerId;
  if (principal.role === 'auditor' && principal.contractIds) return principal.contractIds.includes(contract.id);
  return true;
}
