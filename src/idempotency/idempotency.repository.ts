import { DataSource, QueryRunner } from 'typeorm';

/** What identifies an idempotent request: the record's key, and the fingerprint of what was asked. */
export interface IdempotentRequest {
  vendorId: string;
  keyId: string;
  method: string;
  /** The route template (`/v1/invoices/:id/payments`), so one key string serves each route once. */
  route: string;
  key: string;
  path: string;
  requestSha256: string;
}

export interface StoredAnswer {
  requestSha256: string;
  statusCode: number;
  body: unknown;
  secretWithheld: boolean;
}

const RECORD_KEY = 'vendor_id = $1 AND key_id = $2 AND method = $3 AND route = $4 AND key = $5';
const recordKey = (r: IdempotentRequest) => [r.vendorId, r.keyId, r.method, r.route, r.key];

/**
 * The only SQL over `idempotency_keys`; claim and complete run on the request's own transaction.
 * Built by the interceptor (a plain class, so the app module registers nothing more).
 */
export class IdempotencyRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Claims the key inside `runner`'s transaction, or returns the live answer stored for it. A
   * concurrent first request holding the key makes this wait (unique index) until it commits —
   * then its answer is returned — or rolls back — then the key is claimed here. An expired
   * record is taken over as if it did not exist.
   */
  async claim(runner: QueryRunner, r: IdempotentRequest, ttlHours: number): Promise<StoredAnswer | null> {
    const claimed = await runner.query(
      `INSERT INTO idempotency_keys (vendor_id, key_id, method, route, key, path, request_sha256, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(hours => $8))
       ON CONFLICT (vendor_id, key_id, method, route, key) DO UPDATE
         SET path = EXCLUDED.path, request_sha256 = EXCLUDED.request_sha256, status_code = NULL, response_body = NULL,
             secret_withheld = false, created_at = now(), completed_at = NULL, expires_at = EXCLUDED.expires_at
         WHERE idempotency_keys.expires_at <= now()
       RETURNING key`,
      [...recordKey(r), r.path, r.requestSha256, ttlHours],
    );
    if (claimed.length === 1) return null;
    const [row] = await runner.query(
      `SELECT request_sha256, status_code, response_body, secret_withheld FROM idempotency_keys WHERE ${RECORD_KEY}`,
      recordKey(r),
    );
    return { requestSha256: row.request_sha256, statusCode: row.status_code, body: row.response_body, secretWithheld: row.secret_withheld };
  }

  /** Stores the answer in the claiming transaction; a secret-bearing answer is stored as a marker only. */
  async complete(runner: QueryRunner, r: IdempotentRequest, statusCode: number, body: unknown, secretWithheld: boolean): Promise<void> {
    await runner.query(
      `UPDATE idempotency_keys SET status_code = $6, response_body = $7::json, secret_withheld = $8, completed_at = now()
        WHERE ${RECORD_KEY}`,
      [...recordKey(r), statusCode, secretWithheld ? null : JSON.stringify(body ?? null), secretWithheld],
    );
  }

  /** Deletes expired records; answers how many. */
  async purgeExpired(): Promise<number> {
    const [, count] = await this.db.query(`DELETE FROM idempotency_keys WHERE expires_at <= now()`);
    return count as number;
  }
}
