import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { DataSource, QueryFailedError } from 'typeorm';
import { runInAmbientTransaction } from '../database/transaction-context';
import { canonicalJson, sha256Hex } from '../kernel/canonical-json';
import type { AppConfig } from '../common/config/app-config';
import { CommonError, CommonErrorCode } from '../common/errors/common.errors';
import { IdempotencyRepository, IdempotentRequest } from './idempotency.repository';
import { RETURNS_SECRET } from '../common/http/returns-secret.decorator';

/** How long a retry waits for a first request still running with the same key before it gets 409. */
const WAIT_FOR_FIRST = '10s';
const PURGE_EVERY_MS = 60 * 60 * 1000;

/**
 * `Idempotency-Key` on POST, in one transaction with its effect (see README.md here):
 * claim the key → run the handler on the same transaction → store the answer → COMMIT → send.
 * Records belong to the calling API key and route; a replay answers the same caller only, after
 * the guards authorized it again, with the original status and `Idempotent-Replayed: true`.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyInterceptor.name);
  private readonly records: IdempotencyRepository;
  private readonly ttlHours: number;
  private purgeTimer: NodeJS.Timeout | null = null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly reflector: Reflector,
    config: ConfigService<AppConfig, true>,
  ) {
    this.records = new IdempotencyRepository(db);
    this.ttlHours = config.get('IDEMPOTENCY_TTL_HOURS', { infer: true }) ?? 24;
  }

  onApplicationBootstrap(): void {
    this.purgeTimer = setInterval(() => {
      this.records.purgeExpired().catch((e) => this.logger.warn(`idempotency purge failed: ${e instanceof Error ? e.message : e}`));
    }, PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // Only the caller's vendor matters here; common names no type of auth (auth sits on common).
    const req = context.switchToHttp().getRequest<Request & { principal?: { vendorId: string; keyId: string } }>();
    const key = req.headers['idempotency-key'];
    if (req.method !== 'POST' || typeof key !== 'string' || !req.principal) return next.handle();
    if (key.length < 1 || key.length > 255)
      throw CommonError.create(CommonErrorCode.VALIDATION_FAILED, 'Idempotency-Key must be 1 to 255 characters', [
        { field: 'Idempotency-Key', message: 'must be 1 to 255 characters' },
      ]);
    const { vendorId, keyId } = req.principal;
    const path = req.originalUrl.split('?')[0];
    const request: IdempotentRequest = {
      vendorId,
      keyId,
      method: req.method,
      route: typeof req.route?.path === 'string' ? req.route.path : path,
      key,
      path,
      requestSha256: sha256Hex(canonicalJson({ keyId, method: req.method, path, query: req.query ?? {}, body: req.body ?? null })),
    };
    const returnsSecret = this.reflector.getAllAndOverride<boolean>(RETURNS_SECRET, [context.getHandler(), context.getClass()]) ?? false;
    const res = context.switchToHttp().getResponse<Response>();
    return from(this.execute(request, returnsSecret, res, () => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }

  private async execute(r: IdempotentRequest, returnsSecret: boolean, res: Response, handle: () => Promise<unknown>): Promise<unknown> {
    const outcome = await runInAmbientTransaction(this.db, async (runner) => {
      // Phase 1: claim (or find the committed answer), waiting a bounded time for a first request in flight.
      await runner.query(`SET LOCAL lock_timeout = '${WAIT_FOR_FIRST}'`);
      const stored = await this.records.claim(runner, r, this.ttlHours).catch((e) => {
        if (e instanceof QueryFailedError && (e as any).code === '55P03') throw CommonError.create(CommonErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS);
        throw e;
      });
      await runner.query(`SET LOCAL lock_timeout = DEFAULT`);
      if (stored) return { replayed: true as const, stored };
      // Phase 2: the effect, on this same transaction; phase 3: its answer, still inside.
      const body = await handle();
      await this.records.complete(runner, r, res.statusCode, body, returnsSecret || carriesSecret(body));
      testCrash('OL_TEST_CRASH_BEFORE_COMMIT');
      return { replayed: false as const, body };
    });
    if (!outcome.replayed) {
      testCrash('OL_TEST_CRASH_AFTER_COMMIT');
      return outcome.body;
    }
    const { stored } = outcome;
    if (stored.requestSha256 !== r.requestSha256)
      throw CommonError.create(CommonErrorCode.IDEMPOTENCY_KEY_REUSED, `Idempotency-Key "${r.key}" was first used for a different request`);
    if (stored.secretWithheld)
      throw CommonError.create(
        CommonErrorCode.IDEMPOTENT_SECRET_NOT_REPLAYABLE,
        `the request with Idempotency-Key "${r.key}" succeeded (status ${stored.statusCode}); its answer carried a secret, which is not kept`,
      );
    res.status(stored.statusCode);
    res.setHeader('Idempotent-Replayed', 'true');
    return stored.body;
  }
}

/**
 * Belt and braces for a secret-bearing route that lacks `@ReturnsSecret()`: an answer with a
 * top-level `secret` field is never stored either.
 */
export function carriesSecret(body: unknown): boolean {
  return typeof body === 'object' && body !== null && Object.prototype.hasOwnProperty.call(body, 'secret');
}

/**
 * Test hook for the crash e2e: SIGKILL this process at a phase boundary. Honoured only when
 * NODE_ENV=test, so a production process never reads it.
 */
function testCrash(variable: 'OL_TEST_CRASH_BEFORE_COMMIT' | 'OL_TEST_CRASH_AFTER_COMMIT'): void {
  if (process.env.NODE_ENV === 'test' && process.env[variable] === '1') process.kill(process.pid, 'SIGKILL');
}
