import { canonicalJson, sha256Hex } from '../../src/kernel/canonical-json';
import { customerWithContract, issueKey } from '../support/fixtures';
import { createTestApp, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

/**
 * Two components of the same kind reading the same outcome type would bill each outcome twice:
 * refused with a 422 naming both components, on contract creation and on amendments, writing nothing.
 */
describe('terms that price the same outcomes twice', () => {
  let t: TestApp;
  let vendor: ReturnType<TestApp['as']>;
  const TABLES = ['customers', 'contracts', 'terms_versions', 'idempotency_keys'];

  const share = { type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer' };
  const doubled = {
    components: [
      share,
      { type: 'flat_fee', amount: '5000.00', per: 'month' },
      { ...share, key: 'savings-bonus', rate: '0.05' },
    ],
  };

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor()).adminKey);
  });
  afterAll(() => t.close());

  function expectDoublePricing(res: { headers: Record<string, string>; body: any }) {
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 422, code: 'TERMS_INVALID' });
    const errors = res.body.errors.filter((e: any) => /double pricing/.test(e.message));
    expect(errors.map((e: any) => e.field)).toEqual(['terms.components[0]', 'terms.components[2]']);
    expect(errors[0].message).toContain('value_share (key "value_share") reads outcome type "savings"');
    expect(errors[0].message).toContain('components[2] (key "savings-bonus")');
    expect(errors[1].message).toContain('value_share (key "savings-bonus") reads');
    expect(errors[1].message).toContain('components[0] (key "value_share")');
    expect(res.body.detail).toContain('terms.components[0]: double pricing');
    expect(res.body.detail).toContain('terms.components[2]: double pricing');
  }

  it('refuses a new contract whose terms bill savings twice, writing nothing', async () => {
    const customer = await vendor.post('/v1/customers', { name: 'Shanghai Steel' }).expect(201);
    const before = await t.counts(TABLES);
    const res = await vendor
      .post('/v1/contracts', {
        customerId: customer.body.id,
        name: 'Energy savings',
        currency: 'CNY',
        taxRate: '0.06',
        startsOn: '2026-01-01',
        terms: doubled,
      })
      .expect(422);
    expectDoublePricing(res);
    expect(await t.counts(TABLES)).toEqual(before);
  });

  it('refuses an amendment that bills savings twice, writing nothing and keeping the current terms', async () => {
    const { contractId } = await customerWithContract(vendor, {
      terms: { components: [share] },
    });
    const before = await t.counts(TABLES);
    const res = await vendor.post(`/v1/contracts/${contractId}/terms`, { effectiveFrom: '2026-05-01', terms: doubled }).expect(422);
    expectDoublePricing(res);
    expect(await t.counts(TABLES)).toEqual(before);
    const list = await vendor.get(`/v1/contracts/${contractId}/terms`).expect(200);
    expect(list.body.map((v: any) => v.version)).toEqual([1]);
  });

  it('refuses two usage components on one metric with different keys, and accepts a share plus a per-outcome fee on one type', async () => {
    const { contractId } = await customerWithContract(vendor);
    const usage = { type: 'usage', metric: 'query', unitPrice: '0.20', verification: 'auto' };
    const twice = await vendor
      .post(`/v1/contracts/${contractId}/terms`, {
        effectiveFrom: '2026-05-01',
        terms: { components: [{ ...usage, key: 'queries' }, { ...usage, key: 'queries-over', freeUnits: '1000' }] },
      })
      .expect(422);
    expect(twice.body.errors.map((e: any) => e.field)).toEqual(['terms.components[0]', 'terms.components[1]']);
    expect(twice.body.errors[0].message).toContain('reads metric "query"');

    const paired = await vendor
      .post(`/v1/contracts/${contractId}/terms`, {
        effectiveFrom: '2026-05-01',
        terms: { components: [share, { type: 'per_outcome', unitPrice: '200.00', outcomeType: 'savings', verification: 'customer' }] },
      })
      .expect(201);
    expect(paired.body.version).toBe(2);
  });

  it('still bills and verifies a doubled terms version stored before the rule, as it was priced then', async () => {
    const { contractId, customerId } = await customerWithContract(vendor, { terms: { components: [share] } });
    // A version stored before the rule existed: written straight to the table, as old data is.
    const [{ vendor_id: vendorId }] = await t.db.query(`SELECT vendor_id FROM contracts WHERE id = $1`, [contractId]);
    await t.db.query(
      `INSERT INTO terms_versions (vendor_id, contract_id, version, effective_from, document, document_sha256)
       VALUES ($1, $2, 2, '2026-04-01', $3::jsonb, $4)`,
      [vendorId, contractId, canonicalJson(doubled), sha256Hex(canonicalJson(doubled))],
    );
    const customer = t.as(await issueKey(vendor, { role: 'customer', customerId }));
    const outcome = await vendor
      .post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'sav-1', type: 'savings', value: '1000.00', occurredAt: '2026-04-10T12:00:00+08:00' })
      .expect(201);
    await customer.post(`/v1/outcomes/${outcome.body.id}/verify`, {}).expect(200);

    await runBilling(vendor, { period: '2026-04', contractIds: [contractId] });
    const list = await vendor.get(`/v1/invoices?contractId=${contractId}&period=2026-04`).expect(200);
    expect(list.body.data).toHaveLength(1);
    const invoice = await vendor.post(`/v1/invoices/${list.body.data[0].id}/finalize`).expect(200);
    expect(invoice.body.lines.map((l: any) => [l.key, l.component, l.amount])).toEqual([
      ['value_share', 'value_share', '100.00'],
      ['flat_fee', 'flat_fee', '5000.00'],
      ['savings-bonus', 'value_share', '50.00'],
    ]);
    const verify = await vendor.get(`/v1/invoices/${invoice.body.id}/verify`).expect(200);
    expect(verify.body.matches).toBe(true);
  });
});
