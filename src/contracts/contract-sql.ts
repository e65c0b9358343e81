// SQL fragments over `contracts` for other domains' scope filters: the contracts folder owns the
// table, so the subqueries that reach it are written here once and composed by `scopeSql`.
// Pure strings, no imports, so any domain above contracts may use them.

/** The customer of the contract a row refers to (`vendorIdColumn`, `contractIdColumn` of that row). */
export function customerOfContractFragment(vendorIdColumn: string, contractIdColumn: string): string {
  return `(SELECT c.customer_id FROM contracts c WHERE c.vendor_id = ${vendorIdColumn} AND c.id = ${contractIdColumn})`;
}
