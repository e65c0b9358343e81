// The typed client of the Outcome Ledger API. `schema.d.ts` is generated from the document the
// service serves (`npm run client:generate` at the top of the repository; a test fails when it is
// stale), so every path, parameter, body and answer below is checked by the compiler.
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };
export type OutcomeLedgerClient = Client<paths>;
/** A schema of the document by name: `Schema<'InvoiceView'>`. */
export type Schema<K extends keyof components['schemas']> = components['schemas'][K];

/**
 * A client for one API key (`Authorization: Bearer <apiKey>`). Every call answers
 * `{ data, error, response }`: `error` is the RFC 9457 problem on a 4xx/5xx.
 */
export function createOutcomeLedgerClient(baseUrl: string, apiKey: string, options: Omit<ClientOptions, 'baseUrl'> = {}): OutcomeLedgerClient {
  return createClient<paths>({
    ...options,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...(options.headers as Record<string, string> | undefined), Authorization: `Bearer ${apiKey}` },
  });
}
