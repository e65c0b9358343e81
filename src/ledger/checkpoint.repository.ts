import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql, vendorScope } from '../auth/scope';
import { Params, Queryable } from '../common/sql';
import { CHECKPOINT_FORMAT, LedgerCheckpoint } from './checkpoint';

const SELECT = `SELECT c.vendor_id, c.sequence::text AS sequence, c.hash, c.signed_at, c.key_id, c.public_key_fingerprint, c.signature
                  FROM ledger_checkpoints c`;

interface CheckpointRow {
  vendor_id: string;
  sequence: string;
  hash: string;
  signed_at: Date;
  key_id: string;
  public_key_fingerprint: string;
  signature: string;
}

const toCheckpoint = (r: CheckpointRow): LedgerCheckpoint => ({
  format: CHECKPOINT_FORMAT,
  vendorId: r.vendor_id,
  sequence: r.sequence,
  hash: r.hash,
  signedAt: new Date(r.signed_at).toISOString(),
  keyId: r.key_id,
  publicKeyFingerprint: r.public_key_fingerprint,
  algorithm: 'Ed25519',
  signature: r.signature,
});

/**
 * The only code that speaks SQL to `ledger_checkpoints`. Checkpoints are the vendor's, whatever the
 * scope's contracts (like the chain head they sign): every key of the vendor may read them.
 */
@Injectable()
export class CheckpointRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private where(scope: Scope, ps: Params): string {
    return scopeSql(vendorScope(scope.vendorId), { vendorId: 'c.vendor_id' }, ps.values);
  }

  /** Stores a signed checkpoint unless that key signed that sequence already; answers the one stored (the first signer wins). */
  async insert(scope: Scope, c: LedgerCheckpoint, em: Queryable = this.db.manager): Promise<LedgerCheckpoint> {
    await em.query(
      `INSERT INTO ledger_checkpoints (vendor_id, sequence, hash, signed_at, key_id, public_key_fingerprint, signature)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (vendor_id, sequence, key_id) DO NOTHING`,
      [scope.vendorId, c.sequence, c.hash, c.signedAt, c.keyId, c.publicKeyFingerprint, c.signature],
    );
    return (await this.at(scope, c.sequence, em)).find((x) => x.keyId === c.keyId)!;
  }

  /** Every checkpoint of one sequence (one per key that signed it). */
  async at(scope: Scope, sequence: string, em: Queryable = this.db.manager): Promise<LedgerCheckpoint[]> {
    const ps = new Params();
    const rows = await em.query(`${SELECT} WHERE ${this.where(scope, ps)} AND c.sequence = ${ps.add(sequence)}::bigint ORDER BY c.signed_at`, ps.values);
    return rows.map(toCheckpoint);
  }

  /** Newest first, keyset on the sequence; `limit + 1` rows so the caller knows whether more follow. */
  async list(scope: Scope, q: { before?: { sequence: string; keyId: string }; limit: number }, em: Queryable = this.db.manager): Promise<LedgerCheckpoint[]> {
    const ps = new Params();
    const where = [this.where(scope, ps)];
    if (q.before) where.push(`(c.sequence, c.key_id) < (${ps.add(q.before.sequence)}::bigint, ${ps.add(q.before.keyId)}::uuid)`);
    const rows = await em.query(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY c.sequence DESC, c.key_id DESC LIMIT ${ps.add(q.limit + 1)}`, ps.values);
    return rows.map(toCheckpoint);
  }

  /** Checkpoints with after < sequence ≤ through, in order: what a verify batch holds its entries to. */
  async between(scope: Scope, after: string, through: string, em: Queryable): Promise<LedgerCheckpoint[]> {
    const ps = new Params();
    const rows = await em.query(
      `${SELECT} WHERE ${this.where(scope, ps)} AND c.sequence > ${ps.add(after)}::bigint AND c.sequence <= ${ps.add(through)}::bigint ORDER BY c.sequence, c.signed_at`,
      ps.values,
    );
    return rows.map(toCheckpoint);
  }
}
