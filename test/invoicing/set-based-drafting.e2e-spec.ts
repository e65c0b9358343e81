jest.setTimeout(180_000);

import { AsyncLocalStorage } from 'node:async_hooks';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { vendorScope } from '../../src/auth/scope';
import { ContractsService } from '../../src/contracts/contracts.service';
import { BillingInputsRepository } from '../../src/invoicing/billing-inputs.repository';
import { BillingRunsRepository } from '../../src/invoicing/billing-runs.repository';
import { BillingRunsService } from '../../src/invoicing/billing-runs.service';
import { InvoicesService } from '../../src/invoicing/invoices.service';
import { SPEND_LIMITS, type SpendLimits } from '../../src/invoicing/spend-limits.port';
import { periodForCycle } from '../../src/pricing/period';
import { runBilling } from '../support/billing';
import { customerWithContract, GUARANTEE_WITHOUT_KPI_TERMS } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';

/**
 * Set-based drafting (#16 item 2): a billing run drafts a chunk of contracts with a few statements
 * for all of them. Each draft must be what the single-contract path prices (the current-period
 * preview, a chunk of one), and that engine input what the per-contract SQL (`pricingInput`)
 * reads; and the statements a chunk sends must not grow with its contracts.
 */
describe('set-based drafting of a billing run chunk', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { BILLING_CHUNK_SIZE: '100' } });
  });
  afterAll(() => t.close());

  const record = async (vendor: KeyedClient, contractId: string, body: Record<string, unknown>) =>
    (await vendor.post(`/v1/contracts/${contractId}/outcomes`, body).expect(201)).body.id as string;

  it('drafts a mixed chunk exactly as each contract alone is priced', async () => {
    const v = await t.createVendor('Set-based Vendor');
    const admin = t.as(v.adminKey);
    const contracts: Record<string, string> = {};

    // Per query, CNY, Shanghai (the fixture's terms), with a hard spend limit set before April ended.
    contracts.queries = (await customerWithContract(admin)).contractId;
    for (let i = 0; i < 5; i++)
      await record(admin, contracts.queries, { externalId: `q-${i}`, type: 'query', quantity: String(100 * (i + 1)), occurredAt: `2026-04-0${i + 1}T10:00:00+08:00` });
    const [key] = await t.db.query(`SELECT id FROM api_keys WHERE vendor_id = $1 LIMIT 1`, [v.vendorId]);
    await t.db.query(
      `INSERT INTO spend_control_versions (vendor_id, contract_id, budget, thresholds, hard_limit, set_by_key_id, set_by_role, created_at)
       VALUES ($1, $2, 150, '{50,80,100}', true, $3, 'vendor_admin', '2026-03-20T00:00:00Z')`,
      [v.vendorId, contracts.queries, key.id],
    );

    // Per report broken down by hospital, USD, New York: another shape of aggregate, another timezone.
    contracts.reports = (
      await customerWithContract(admin, {
        currency: 'USD',
        timezone: 'America/New_York',
        taxRate: '0',
        terms: { components: [{ type: 'per_outcome', outcomeType: 'report', unitPrice: '12.50', verification: 'auto', breakdownBy: 'hospital' }] },
      })
    ).contractId;
    for (const [i, h] of ['H1', 'H2', 'H1'].entries())
      await record(admin, contracts.reports, { externalId: `r-${i}`, type: 'report', quantity: '1', occurredAt: `2026-04-1${i}T23:30:00-04:00`, dimensions: { hospital: h } });
    // Local midnight: 1 May in New York, not April.
    await record(admin, contracts.reports, { externalId: 'r-may', type: 'report', quantity: '1', occurredAt: '2026-05-01T00:30:00-04:00', dimensions: { hospital: 'H1' } });

    // A flat fee plus usage, UTC: same period, other terms.
    contracts.flat = (
      await customerWithContract(admin, {
        currency: 'EUR',
        timezone: 'UTC',
        taxRate: '0.19',
        terms: { components: [{ type: 'flat_fee', amount: '300.00', per: 'month' }, { type: 'usage', metric: 'query', unitPrice: '0.05', per: '1', verification: 'auto' }] },
      })
    ).contractId;
    await record(admin, contracts.flat, { externalId: 'f-1', type: 'query', quantity: '1000', occurredAt: '2026-04-20T12:00:00Z' });

    // A guarantee on a KPI never measured: the engine refuses the period.
    contracts.refused = (await customerWithContract(admin, { terms: GUARANTEE_WITHOUT_KPI_TERMS })).contractId;

    // An amendment taking effect on 15 April: the period is split (the per-contract path).
    contracts.amended = (await customerWithContract(admin)).contractId;
    await admin
      .post(`/v1/contracts/${contracts.amended}/terms`, {
        effectiveFrom: '2026-04-15',
        terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '0.30', per: '1', verification: 'auto' }] },
      })
      .expect(201);
    await record(admin, contracts.amended, { externalId: 'a-1', type: 'query', quantity: '100', occurredAt: '2026-04-10T10:00:00+08:00' });
    await record(admin, contracts.amended, { externalId: 'a-2', type: 'query', quantity: '100', occurredAt: '2026-04-20T10:00:00+08:00' });

    // March invoiced and finalized, then a March outcome arrives late: April carries an adjustment.
    contracts.late = (await customerWithContract(admin)).contractId;
    await record(admin, contracts.late, { externalId: 'l-1', type: 'query', quantity: '10', occurredAt: '2026-03-10T10:00:00+08:00' });
    await runBilling(admin, { period: '2026-03', contractIds: [contracts.late] });
    const [march] = (await admin.get(`/v1/invoices?contractId=${contracts.late}&period=2026-03`).expect(200)).body.data;
    await admin.post(`/v1/invoices/${march.id}/finalize`).expect(200);
    await record(admin, contracts.late, { externalId: 'l-2', type: 'query', quantity: '40', occurredAt: '2026-03-12T10:00:00+08:00' });
    await record(admin, contracts.late, { externalId: 'l-3', type: 'query', quantity: '5', occurredAt: '2026-04-12T10:00:00+08:00' });

    // March invoiced and finalized, nothing late since: April has no adjustment (told apart for the chunk).
    contracts.invoiced = (await customerWithContract(admin)).contractId;
    await record(admin, contracts.invoiced, { externalId: 'i-1', type: 'query', quantity: '7', occurredAt: '2026-03-10T10:00:00+08:00' });
    await runBilling(admin, { period: '2026-03', contractIds: [contracts.invoiced] });
    const [marchToo] = (await admin.get(`/v1/invoices?contractId=${contracts.invoiced}&period=2026-03`).expect(200)).body.data;
    await admin.post(`/v1/invoices/${marchToo.id}/finalize`).expect(200);
    await record(admin, contracts.invoiced, { externalId: 'i-2', type: 'query', quantity: '9', occurredAt: '2026-04-10T10:00:00+08:00' });

    // A contract with nothing in April: a draft of its fixed part only.
    contracts.empty = (await customerWithContract(admin)).contractId;

    const run = (await runBilling(admin, { period: '2026-04' })).body;
    const resultOf = (id: string) => run.results.find((r: any) => r.contractId === id);
    expect(run).toMatchObject({ status: 'completed', contracts: 8, drafted: 7, refused: 1, failed: 0 });
    expect(resultOf(contracts.refused)).toMatchObject({ result: 'skipped', reasonCode: 'TERMS_REFUSED', termsCode: 'KPI_MEASUREMENT_MISSING' });

    const invoices = t.app.get(InvoicesService);
    const inputs = t.app.get(BillingInputsRepository);
    const spendLimits = t.app.get<SpendLimits>(SPEND_LIMITS);
    const scope = vendorScope(v.vendorId);
    for (const [name, id] of Object.entries(contracts)) {
      const [draft] = await t.db.query(
        `SELECT id, status, total::text AS total, trace_digest, refusal, spend_limit, terms_version_id FROM invoices WHERE contract_id = $1 AND period_label = '2026-04'`,
        [id],
      );
      expect([name, draft.status]).toEqual([name, 'draft']);
      expect(resultOf(id).invoiceId).toBe(draft.id);
      const contract = await t.app.get(ContractsService).findInScope(scope, id);

      // The single-contract path: what the current-period view and the spend checks price.
      const alone = (await invoices.priceOpenPeriod(v.vendorId, contract, '2026-04'))!;
      expect([name, alone.termsVersionId]).toEqual([name, draft.terms_version_id]);
      if (alone.result.ok) {
        expect([name, alone.result.traceDigest, alone.result.total]).toEqual([name, draft.trace_digest, draft.total === null ? null : alone.result.total]);
        expect(Number(draft.total)).toBe(Number(alone.result.total));
      } else expect([name, alone.result.code]).toEqual([name, draft.refusal.code]);
      expect([name, alone.input.spendLimit ?? null]).toEqual([name, draft.spend_limit]);

      // …and its input is what the per-contract statements read.
      const period = periodForCycle(contract, '2026-04');
      const terms = (await inputs.termsOfPeriod(scope, id, period, t.appDb.manager))!;
      const earlier = await inputs.invoicedPeriodsBefore(scope, id, period.start, t.appDb.manager, terms.versions);
      const subject = { scope, contract, period, terms: terms.version.document, stretches: terms.stretches };
      const perContract = await inputs.pricingInput(t.appDb.manager, subject, { kind: 'open' }, earlier);
      const limit = await spendLimits.hardLimitFor(scope, contract, period.end, t.appDb.manager);
      expect([name, alone.input]).toEqual([name, limit ? { ...perContract, spendLimit: limit } : perContract]);
    }

    // What the cases above were there for.
    const [late] = await t.db.query(`SELECT lines FROM invoices WHERE contract_id = $1 AND period_label = '2026-04'`, [contracts.late]);
    expect(late.lines.some((l: any) => l.adjustment?.kind === 'late_verified')).toBe(true);
    const [invoiced] = await t.db.query(`SELECT lines, total::text AS total FROM invoices WHERE contract_id = $1 AND period_label = '2026-04'`, [contracts.invoiced]);
    expect(invoiced.lines.some((l: any) => l.adjustment)).toBe(false);
    expect(Number(invoiced.total)).toBeCloseTo(9 * 0.2 * 1.06, 2);
    const [limited] = await t.db.query(`SELECT lines, spend_limit FROM invoices WHERE contract_id = $1 AND period_label = '2026-04'`, [contracts.queries]);
    expect(limited.spend_limit).toMatchObject({ budget: '150' });
    expect(limited.lines.map((l: any) => l.key)).toContain('invoice:hard_limit');
    const [amended] = await t.db.query(`SELECT trace FROM invoices WHERE contract_id = $1 AND period_label = '2026-04'`, [contracts.amended]);
    expect(JSON.stringify(amended.trace)).toContain('2026-04-15');

    // A second run recomputes the same drafts (same ids, same digests), and leaves a finalized one alone.
    await admin.post(`/v1/invoices/${resultOf(contracts.flat).invoiceId}/finalize`).expect(200);
    const again = (await runBilling(admin, { period: '2026-04' })).body;
    expect(again).toMatchObject({ status: 'completed', contracts: 8, drafted: 6, refused: 1, alreadyFinalized: 1, failed: 0 });
    for (const r of again.results) expect(r.invoiceId).toBe(resultOf(r.contractId).invoiceId);
  });

  it('fails only the contract whose data breaks the chunk\'s reads, drafting the others one by one', async () => {
    const v = await t.createVendor('Broken Zone Vendor');
    const admin = t.as(v.adminKey);
    const good: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { contractId } = await customerWithContract(admin);
      await record(admin, contractId, { externalId: `g-${i}`, type: 'query', quantity: '10', occurredAt: '2026-03-05T10:00:00+08:00' });
      good.push(contractId);
    }
    // Terms stored without components (a row written around the API): reading the chunk's inputs
    // throws over it, for all four contracts at once.
    const [{ id: broken }] = await t.db.query(
      `INSERT INTO contracts (vendor_id, customer_id, name, currency, timezone, tax_rate, starts_on, billing_cycle, status)
       SELECT vendor_id, customer_id, 'broken terms', 'CNY', 'Asia/Shanghai', 0.06, '2026-03-01', 'monthly', 'active' FROM contracts WHERE id = $1 RETURNING id`,
      [good[0]],
    );
    await t.db.query(
      `INSERT INTO terms_versions (vendor_id, contract_id, version, effective_from, document, document_sha256)
       SELECT vendor_id, $2, 1, '2026-03-01', '{}'::jsonb, document_sha256 FROM terms_versions WHERE contract_id = $1`,
      [good[0], broken],
    );
    const run = (await runBilling(admin, { period: '2026-03' })).body;
    expect(run).toMatchObject({ status: 'completed', contracts: 4, drafted: 3, failed: 1 });
    expect(run.results.find((r: any) => r.contractId === broken)).toMatchObject({ result: 'failed', reasonCode: 'INTERNAL_ERROR' });
    for (const id of good) expect(run.results.find((r: any) => r.contractId === id)).toMatchObject({ result: 'drafted', total: expect.any(String) });
  });

  it('sends as many statements for a chunk of 12 contracts as for one of 3', async () => {
    const statements = new AsyncLocalStorage<string[]>();
    const send = PostgresQueryRunner.prototype.query;
    PostgresQueryRunner.prototype.query = function (this: PostgresQueryRunner, q: string, ...rest: any[]) {
      statements.getStore()?.push(q);
      return (send as any).call(this, q, ...rest);
    } as typeof send;
    try {
      const chunkOf = async (n: number) => {
        const v = await t.createVendor(`Counted Vendor ${n}`);
        const admin = t.as(v.adminKey);
        const ids: string[] = [];
        for (let i = 0; i < n; i++) {
          const { contractId } = await customerWithContract(admin, i % 2 ? { timezone: 'Europe/Berlin', currency: 'EUR' } : {});
          await record(admin, contractId, { externalId: `c-${i}`, type: 'query', quantity: '10', occurredAt: '2026-03-05T10:00:00Z' });
          ids.push(contractId);
        }
        // The run recorded without queueing its chunk, which is worked here, as a worker would.
        const runId = await t.app.get(BillingRunsRepository).start(vendorScope(v.vendorId), {
          periodLabel: '2026-03', contractIds: ids, contractsTotal: n, considered: n, finalizeWhenDrafted: false, requestedByKeyId: null,
        });
        const sent: string[] = [];
        await statements.run(sent, () => t.app.get(BillingRunsService).workChunk({ vendorId: v.vendorId, runId, contractIds: ids }));
        const [run] = await t.db.query(`SELECT status, drafted FROM billing_runs WHERE id = $1`, [runId]);
        expect(run).toEqual({ status: 'completed', drafted: n });
        return sent;
      };
      const three = await chunkOf(3);
      const twelve = await chunkOf(12);
      expect(twelve.length).toBe(three.length);
      expect(three.length).toBeLessThanOrEqual(20);
    } finally {
      PostgresQueryRunner.prototype.query = send;
    }
  });
});
