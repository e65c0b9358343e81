import type { LoggerService } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpLoggerOptions, QuietStartupLogger, requestLevel } from './logging';

const req = (url: string) => ({ url, method: 'GET', headers: {} }) as unknown as IncomingMessage;
const res = (statusCode: number, problemCode?: string) => ({ statusCode, locals: { problemCode } }) as unknown as ServerResponse;

describe('request log lines', () => {
  const level = requestLevel('info');

  it('logs successes at the configured level, refusals at warn, failures at error', () => {
    expect(level(req('/v1/invoices'), res(200))).toBe('info');
    expect(requestLevel('debug')(req('/v1/invoices'), res(201))).toBe('debug');
    expect(level(req('/v1/invoices/x'), res(404))).toBe('warn');
    expect(level(req('/v1/outcomes/batch'), res(422))).toBe('warn');
    expect(level(req('/v1/invoices'), res(500))).toBe('error');
    expect(level(req('/v1/invoices'), res(200), new Error('socket hang up'))).toBe('error');
  });

  it('keeps health probes out of the info log unless they fail', () => {
    expect(level(req('/health'), res(200))).toBe('debug');
    expect(level(req('/health'), res(503))).toBe('error');
  });

  it('names the refused request’s problem code, and writes JSON unless asked for pretty lines', () => {
    const json = httpLoggerOptions({ LOG_LEVEL: 'info', LOG_FORMAT: 'json', LOG_REQUEST_LEVEL: 'info' });
    expect(json.transport).toBeUndefined();
    const props = json.customProps as (req: IncomingMessage, res: ServerResponse) => Record<string, unknown>;
    expect(props(req('/v1/x'), res(422, 'VALIDATION_FAILED'))).toMatchObject({ code: 'VALIDATION_FAILED' });
    const pretty = httpLoggerOptions({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty', LOG_REQUEST_LEVEL: 'info' });
    expect(pretty.transport).toMatchObject({ target: 'pino-pretty' });
  });
});

describe('Nest start-up lines', () => {
  it('moves the module and route dump to debug and passes everything else through', () => {
    const calls: Array<[string, unknown[]]> = [];
    const record = (level: string) => (...args: unknown[]) => void calls.push([level, args]);
    const inner: LoggerService = { log: record('log'), error: record('error'), warn: record('warn'), debug: record('debug') };
    const logger = new QuietStartupLogger(inner);
    logger.log('Mapped {/v1/invoices, GET} route', 'RouterExplorer');
    logger.log('InvoicesController {/v1/invoices}:', 'RoutesResolver');
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('Nest application successfully started', 'NestApplication');
    logger.warn('careful', 'Billing');
    expect(calls).toEqual([
      ['debug', ['Mapped {/v1/invoices, GET} route', 'RouterExplorer']],
      ['debug', ['InvoicesController {/v1/invoices}:', 'RoutesResolver']],
      ['debug', ['AppModule dependencies initialized', 'InstanceLoader']],
      ['log', ['Nest application successfully started', 'NestApplication']],
      ['warn', ['careful', 'Billing']],
    ]);
  });
});
