import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { bodyError } from '../http/json-body';
import { CommonError, CommonErrorCode } from './common.errors';
import { DomainException, FieldError } from './domain-exception';

export const PROBLEM_TYPE_BASE = 'https://outcome-ledger.dev/problems/';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  errors?: FieldError[];
  requestId?: string;
  [extension: string]: unknown;
}

/** The one place where every error becomes RFC 9457 application/problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const domain = this.toDomain(exception);
    if (domain.status >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    const body = toProblem(domain, req.originalUrl, (req as any).id);
    res.locals.problemCode = body.code; // for the request's log line (src/observability/logging.ts)
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(domain.status).type('application/problem+json').send(JSON.stringify(body));
  }

  private toDomain(exception: unknown): DomainException {
    if (exception instanceof DomainException) return exception;
    if (exception instanceof ThrottlerException) return CommonError.create(CommonErrorCode.RATE_LIMITED);
    // http-errors from Express or a body reader (body-parser, raw-body: they carry a `type`) that
    // reached here directly; the JSON body parser maps its own, this is the safety net.
    const http = exception as { status?: unknown; type?: unknown; message?: string };
    if (!(exception instanceof HttpException) && typeof http?.status === 'number' && http.status >= 400 && http.status < 500)
      return typeof http.type === 'string'
        ? bodyError(exception)
        : new DomainException(codeForStatus(http.status), http.status, 'The request is not valid', http.message);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : (response as any)?.message;
      const detail = Array.isArray(message) ? message.join('; ') : message;
      return new DomainException(codeForStatus(status), status, exception.message, detail);
    }
    if (exception instanceof QueryFailedError) {
      // Values that passed validation but that PostgreSQL still refuses (out of range, bad text).
      const pgCode = (exception as any).code as string | undefined;
      if (pgCode && /^(22|23514)/.test(pgCode))
        return CommonError.create(CommonErrorCode.VALIDATION_FAILED, 'A value is out of range for its field');
    }
    return CommonError.create(CommonErrorCode.INTERNAL);
  }
}

const CODE_OF_STATUS: Partial<Record<number, CommonErrorCode>> = {
  [HttpStatus.NOT_FOUND]: CommonErrorCode.NOT_FOUND,
  [HttpStatus.PAYLOAD_TOO_LARGE]: CommonErrorCode.BODY_TOO_LARGE,
  [HttpStatus.UNAUTHORIZED]: CommonErrorCode.UNAUTHENTICATED,
  [HttpStatus.FORBIDDEN]: CommonErrorCode.FORBIDDEN,
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: CommonErrorCode.UNSUPPORTED_MEDIA_TYPE,
  [HttpStatus.TOO_MANY_REQUESTS]: CommonErrorCode.RATE_LIMITED,
};

function codeForStatus(status: number): CommonErrorCode {
  return CODE_OF_STATUS[status] ?? (status >= 500 ? CommonErrorCode.INTERNAL : CommonErrorCode.VALIDATION_FAILED);
}

export function toProblem(e: DomainException, instance?: string, requestId?: string): ProblemDetails {
  return {
    type: PROBLEM_TYPE_BASE + e.code.toLowerCase().replace(/_/g, '-'),
    title: e.title,
    status: e.status,
    ...(e.detail ? { detail: e.detail } : {}),
    ...(instance ? { instance } : {}),
    code: e.code,
    ...(e.errors?.length ? { errors: e.errors } : {}),
    ...(requestId ? { requestId: String(requestId) } : {}),
    ...(e.extensions ?? {}),
  };
}
