import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { catchError, from, mergeMap, Observable, of } from 'rxjs';
import { DataSource } from 'typeorm';
import { canonicalJson, sha256Hex } from '../../pricing/canonical-json';
import { CommonError, CommonErrorCode } from '../errors/common.errors';

/** A key whose first request died mid-flight may be taken over after this long. */
const ABANDONED_AFTER = '5 minutes';

/**
 * `Idempotency-Key` on POST: the first answer is stored per vendor and key and replayed to every
 * retry with the same request; the same key with a different request is refused (422), and a
 * retry that races the first request gets 409 until the first completes. A request that fails
 * releases its key, so a rejected request leaves nothing behind.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // Only the caller's vendor matters here; common names no type of auth (auth sits on common).
    const req = context.switchToHttp().getRequest<Request & { principal?: { vendorId: string } }>();
    const key = req.headers['idempotency-key'];
    if (req.method !== 'POST' || typeof key !== 'string' || !req.principal) return next.handle();
    if (key.length < 1 || key.length > 255)
      throw CommonError.create(CommonErrorCode.VALIDATION_FAILED, 'Idempotency-Key must be 1 to 255 characters', [
        { field: 'Idempotency-Key', message: 'must be 1 to 255 characters' },
      ]);
    const vendorId = req.principal.vendorId;
    const path = req.originalUrl.split('?')[0];
    const requestSha256 = sha256Hex(canonicalJson({ method: req.method, path, query: req.query ?? {}, body: req.body ?? null }));
    const status: number = this.reflector.get(HTTP_CODE_METADATA, context.getHandler()) ?? 201;

    return from(this.claim(vendorId, key, req.method, path, requestSha256)).pipe(
      mergeMap((replay) => {
        if (replay) {
          context.switchToHttp().getResponse<Response>().setHeader('Idempotent-Replayed', 'true');
          return of(replay.body);
        }
        return next.handle().pipe(
          mergeMap(async (body) => {
            await this.db.query(
              `UPDATE idempotency_keys SET status_code = $3, response_body = $4::jsonb, completed_at = now()
                WHERE vendor_id = $1 AND key = $2`,
              [vendorId, key, status, JSON.stringify(body ?? null)],
            );
            return body;
          }),
          catchError(async (err) => {
            await this.db.query(`DELETE FROM idempotency_keys WHERE vendor_id = $1 AND key = $2 AND completed_at IS NULL`, [
              vendorId,
              key,
            ]);
            throw err;
          }),
        );
      }),
    );
  }

  /** Claims the key for this request, or returns the stored answer to replay. */
  private async claim(
    vendorId: string,
    key: string,
    method: string,
    path: string,
    requestSha256: string,
  ): Promise<{ status: number; body: unknown } | null> {
    const inserted = await this.db.query(
      `INSERT INTO idempotency_keys (vendor_id, key, method, path, request_sha256)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (vendor_id, key) DO NOTHING RETURNING key`,
      [vendorId, key, method, path, requestSha256],
    );
    if (inserted.length === 1) return null;
    const [row] = await this.db.query(
      `SELECT request_sha256, status_code, response_body, completed_at,
              created_at < now() - interval '${ABANDONED_AFTER}' AS abandoned
         FROM idempotency_keys WHERE vendor_id = $1 AND key = $2`,
      [vendorId, key],
    );
    if (!row) return this.claim(vendorId, key, method, path, requestSha256); // released meanwhile
    if (row.request_sha256 !== requestSha256)
      throw CommonError.create(
        CommonErrorCode.IDEMPOTENCY_KEY_REUSED,
        `Idempotency-Key "${key}" was first used for a different request`,
      );
    if (row.completed_at) return { status: row.status_code as number, body: row.response_body as unknown };
    if (row.abandoned) {
      const taken = await this.db.query(
        `UPDATE idempotency_keys SET created_at = now() WHERE vendor_id = $1 AND key = $2 AND completed_at IS NULL
           AND created_at < now() - interval '${ABANDONED_AFTER}' RETURNING key`,
        [vendorId, key],
      );
      if (taken.length === 1) return null;
    }
    throw CommonError.create(CommonErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS);
  }
}
