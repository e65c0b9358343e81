import type { SeedOutcome, SeedScenario } from '../../src/demo/seed-scenarios';
import { termsOfScenario } from '../../src/demo/seed-scenarios';
import { issueKey } from '../support/fixtures';
import type { KeyedClient } from '../support/test-app';
import { runBilling } from '../support/billing';

export interface ScenarioContract {
  contractId: string;
  customerId: string;
  customer: KeyedClient;
}

/** A customer, its key and an active contract carrying the scenario's terms, through the API. */
export async function scenarioContract(
  as: (key: string) => KeyedClient,
  vendor: KeyedClient,
  s: SeedScenario,
  overrides: Record<string, unknown> = {},
): Promise<ScenarioContract> {
  const customer = await vendor.post('/v1/customers', { name: `Customer of ${s.id}` }).expect(201);
  const contract = await vendor
    .post('/v1/contracts', {
      customerId: customer.body.id,
      name: (s.source ?? s.id).slice(0, 200),
      currency: s.contract.currency,
      timezone: s.contract.timezone,
      taxRate: s.contract.taxRate,
      startsOn: s.contract.startsOn,
      billingCycle: s.contract.billingCycle,
      status: 'active',
      terms: termsOfScenario(s),
      ...overrides,
    })
    .expect(201);
  const key = await issueKey(vendor, { role: 'customer', customerId: customer.body.id });
  return { contractId: contract.body.id, customerId: customer.body.id, customer: as(key) };
}

/**
 * Records outcomes through POST /v1/outcomes/batch, then has the customer verify or reject those
 * that the list says (metered usage verifies itself). Returns the ids by externalId.
 */
export async function recordOutcomes(
  vendor: KeyedClient,
  c: ScenarioContract,
  outcomes: SeedOutcome[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const toVerify: string[] = [];
  const toReject: string[] = [];
  for (let i = 0; i < outcomes.length; i += 1000) {
    const slice = outcomes.slice(i, i + 1000);
    const res = await vendor
      .post('/v1/outcomes/batch', { outcomes: slice.map(({ status: _s, ...o }) => ({ ...o, contractId: c.contractId })) })
      .expect(200);
    for (const r of res.body.results) {
      if (r.status === 'error') throw new Error(`outcome ${slice[r.index].externalId}: ${JSON.stringify(r.error)}`);
      const o = r.outcome;
      ids.set(o.externalId, o.id);
      if (o.status !== 'recorded') continue;
      const want = slice[r.index].status;
      if (want === undefined || want === 'verified') toVerify.push(o.id);
      else if (want === 'rejected') toReject.push(o.id);
    }
  }
  for (let i = 0; i < toVerify.length; i += 10000)
    await c.customer.post('/v1/outcomes/verify', { ids: toVerify.slice(i, i + 10000) }).expect(200);
  for (let i = 0; i < toReject.length; i += 10000)
    await c.customer.post('/v1/outcomes/reject', { ids: toReject.slice(i, i + 10000), reason: 'not accepted' }).expect(200);
  return ids;
}

/** Runs billing for one contract and period and returns its draft invoice. */
export async function bill(vendor: KeyedClient, contractId: string, period: string): Promise<any> {
  const run = await runBilling(vendor, { period, contractIds: [contractId] });
  expect(run.body).toMatchObject({ status: 'completed', contracts: 1, failed: 0 });
  const list = await vendor.get(`/v1/invoices?contractId=${contractId}&period=${period}`).expect(200);
  expect(list.body.data).toHaveLength(1);
  return list.body.data[0];
}
