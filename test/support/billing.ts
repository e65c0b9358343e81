import type { Response } from 'supertest';
import type { KeyedClient } from './test-app';

/**
 * A billing run as the synchronous API used to answer it: POST /v1/billing-runs (202), then GET
 * /v1/billing-runs/:id until the run is completed (or failed). Returns that last GET, whose body
 * is the run's final view with every contract's result. The test app works the queue itself
 * (BILLING_WORKER is on by default).
 */
export async function runBilling(
  vendor: KeyedClient,
  body: Record<string, unknown>,
  headers?: Record<string, string>,
  opts: { timeoutMs?: number } = {},
): Promise<Response> {
  const queued = await vendor.post('/v1/billing-runs', body, headers).expect(202);
  return awaitRun(vendor, queued.body.id, opts);
}

/** Polls GET /v1/billing-runs/:id until the run is completed or failed; that answer. */
export async function awaitRun(vendor: KeyedClient, id: string, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<Response> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const res = await vendor.get(`/v1/billing-runs/${id}`).expect(200);
    if (res.body.status === 'completed' || res.body.status === 'failed') return res;
    if (Date.now() > deadline) throw new Error(`billing run ${id} still ${res.body.status} (${res.body.processed}/${res.body.contracts}) after ${opts.timeoutMs ?? 60_000} ms`);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 25));
  }
}
