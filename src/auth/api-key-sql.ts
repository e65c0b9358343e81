// The auth folder owns `api_keys`. Other domains' statements that must join a key in the same
// statement (the portal consumes a link and opens a session atomically) use this row source
// rather than naming the table, so "live" (not revoked) is decided here once.

/** The live keys as a row source: `FROM ${LIVE_API_KEYS} k`. Columns: vendor_id, id, name, role, customer_id, contract_ids, key_sha256. */
export const LIVE_API_KEYS = `(SELECT vendor_id, id, name, role, customer_id, contract_ids, key_sha256 FROM api_keys WHERE revoked_at IS NULL)`;
