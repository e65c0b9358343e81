import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LIVE_API_KEYS } from '../auth/api-key-sql';
import type { Principal } from '../auth/principal';
import type { Role } from '../auth/entities/api-key.entity';

export interface SessionRow {
  vendor_id: string;
  id: string;
  key_id: string;
  role: Role;
  customer_id: string | null;
  contract_ids: string[] | null;
  key_name: string;
  expires_at: Date;
}

export const principalOfSession = (r: SessionRow): Principal => ({
  vendorId: r.vendor_id,
  keyId: r.key_id,
  role: r.role,
  customerId: r.customer_id,
  contractIds: r.contract_ids,
});

/** The only code that touches portal_links and portal_sessions (keys are joined through auth's `LIVE_API_KEYS`). */
@Injectable()
export class PortalSessionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async insertLink(
    em: EntityManager,
    l: { vendorId: string; keyId: string; role: string; tokenSha256: string; issuedByKeyId: string; minutes: number },
  ): Promise<{ expiresAt: Date }> {
    const [row] = await em.query(
      `INSERT INTO portal_links (vendor_id, key_id, role, token_sha256, issued_by_key_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, clock_timestamp() + make_interval(mins => $6)) RETURNING expires_at`,
      [l.vendorId, l.keyId, l.role, l.tokenSha256, l.issuedByKeyId, l.minutes],
    );
    return { expiresAt: row.expires_at };
  }

  /**
   * Marks a live link used and opens its session in one statement: a used, expired or unknown
   * token (or a revoked key) matches nothing, and two concurrent clicks cannot both succeed.
   */
  async consumeLink(tokenSha256: string, sessionSha256: string, absoluteHours: number): Promise<boolean> {
    const rows = await this.db.query(
      `WITH used AS (
         UPDATE portal_links l SET used_at = clock_timestamp()
           FROM ${LIVE_API_KEYS} k
          WHERE l.token_sha256 = $1 AND l.used_at IS NULL AND l.expires_at > clock_timestamp()
            AND k.vendor_id = l.vendor_id AND k.id = l.key_id
         RETURNING l.vendor_id, l.id, l.key_id
       )
       INSERT INTO portal_sessions (vendor_id, key_id, kind, link_id, session_sha256, expires_at)
       SELECT vendor_id, key_id, 'link', id, $2, clock_timestamp() + make_interval(hours => $3) FROM used
       RETURNING id`,
      [tokenSha256, sessionSha256, absoluteHours],
    );
    return rows.length === 1;
  }

  /** A console session for a live vendor admin key, or nothing. */
  async openConsoleSession(keySha256: string, sessionSha256: string, absoluteHours: number): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO portal_sessions (vendor_id, key_id, kind, session_sha256, expires_at)
       SELECT k.vendor_id, k.id, 'console', $2, clock_timestamp() + make_interval(hours => $3)
         FROM ${LIVE_API_KEYS} k WHERE k.key_sha256 = $1 AND k.role = 'vendor_admin'
       RETURNING id`,
      [keySha256, sessionSha256, absoluteHours],
    );
    return rows.length === 1;
  }

  /**
   * The live session of this cookie, touched (idle expiry slides): not ended, within its absolute
   * lifetime, seen within the idle window, and its key not revoked.
   */
  async touch(sessionSha256: string, idleMinutes: number): Promise<SessionRow | null> {
    const rows: SessionRow[] = await this.db.query(
      `WITH touched AS (
         UPDATE portal_sessions s SET last_seen_at = clock_timestamp()
           FROM ${LIVE_API_KEYS} k
          WHERE s.session_sha256 = $1 AND s.ended_at IS NULL AND s.expires_at > clock_timestamp()
            AND s.last_seen_at > clock_timestamp() - make_interval(mins => $2)
            AND k.vendor_id = s.vendor_id AND k.id = s.key_id
         RETURNING s.vendor_id, s.id, s.key_id, k.role, k.customer_id, k.contract_ids, k.name AS key_name, s.expires_at
       )
       SELECT * FROM touched`,
      [sessionSha256, idleMinutes],
    );
    return rows[0] ?? null;
  }

  async end(sessionSha256: string): Promise<void> {
    await this.db.query(`UPDATE portal_sessions SET ended_at = clock_timestamp() WHERE session_sha256 = $1 AND ended_at IS NULL`, [
      sessionSha256,
    ]);
  }
}
