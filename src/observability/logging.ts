import type { LoggerService } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Options } from 'pino-http';

export interface LoggingConfig {
  LOG_LEVEL: string;
  LOG_FORMAT: 'json' | 'pretty';
  LOG_REQUEST_LEVEL: string;
}

/** Where ProblemDetailsFilter leaves the problem's `code`, for the request's log line. */
export function problemCodeOf(res: ServerResponse): string | undefined {
  return (res as { locals?: { problemCode?: string } }).locals?.problemCode;
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * One line per answered request. Successful ones at LOG_REQUEST_LEVEL (info; `debug` hides them),
 * health probes at debug (a container probe every few seconds would drown the rest), refused
 * ones (4xx) at warn with their problem `code`, failures (5xx) at error — the filter logs the stack.
 */
export function requestLevel(successLevel: string) {
  return (req: IncomingMessage, res: ServerResponse, err?: Error): Level => {
    if (err || res.statusCode >= 500) return 'error';
    if (res.statusCode >= 400) return 'warn';
    if (req.url === '/health') return 'debug';
    return successLevel as Level;
  };
}

/** pino-http options: JSON lines in production, pino-pretty for people (LOG_FORMAT=pretty, the development default). */
export function httpLoggerOptions(config: LoggingConfig): Options {
  return {
    level: config.LOG_LEVEL,
    ...(config.LOG_FORMAT === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,req,res' } } }
      : {}),
    // Honour the caller's request id, or make one; echoed in X-Request-Id and in problem+json.
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    customLogLevel: requestLevel(config.LOG_REQUEST_LEVEL),
    customSuccessMessage: (req, res, ms) => `${req.method} ${(req as { originalUrl?: string }).originalUrl ?? req.url} ${res.statusCode} ${Math.round(ms)} ms`,
    customErrorMessage: (req, res) => `${req.method} ${(req as { originalUrl?: string }).originalUrl ?? req.url} ${res.statusCode}`,
    customProps: (req: any, res) => ({ vendorId: req.principal?.vendorId, keyId: req.principal?.keyId, code: problemCodeOf(res) }),
  };
}

/** Nest's start-up chatter: one line per module and per route, useful when debugging only. */
const START_UP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** Nest's logger with the start-up lines moved from info to debug. */
export class QuietStartupLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    if (typeof context === 'string' && START_UP_CONTEXTS.has(context)) this.inner.debug?.(message, ...params);
    else this.inner.log(message, ...params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.inner.error(message, ...params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.inner.warn(message, ...params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.inner.debug?.(message, ...params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.inner.verbose?.(message, ...params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.inner.fatal?.(message, ...params);
  }
}
