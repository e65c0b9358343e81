import { customerWithContract } from '../support/fixtures';
import { createTestApp, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

const TERMS = { components: [{ type: 'usage', metric: 'query', unitPrice: '0.30', per: '1', verification: 'auto' }] };

/** Contracts asks invoicing, through its TERMS_USAGE port, how far a contract is invoiced. */
describe('an amendment may not reach into an invoiced period', () => {
  let t: TestApp;
  afterAll(() => t.close());

  it('refuses terms taking effect before the end of the last finalized period, and accepts them from that day on', async () => {
    t = await createTestApp();
    const vendor = t.as((await t.createVendor()).adminKey);
    const { contractId } = await customerWithContract(vendor, { startsOn: '2026-01-01' });
    // A draft freezes nothing.
    await runBilling(vendor, { period: '2026-03', contractIds: [contractId] });
    await vendor.post(`/v1/contracts/${contractId}/terms`, { effectiveFrom: '2026-03-01', terms: TERMS }).expect(201);
    const draft = (await vendor.get(`/v1/invoices?contractId=${contractId}&period=2026-03`).expect(200)).body.data[0];
    await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200);

    // February was never invoiced, but March was: nothing may take effect before 1 April any more.
    const refused = await vendor.post(`/v1/contracts/${contractId}/terms`, { effectiveFrom: '2026-02-01', terms: TERMS }).expect(409);
    expect(refused.body.code).toBe('TERMS_VERSION_IN_INVOICED_PERIOD');
    expect(JSON.stringify(refused.body)).toContain('must be on or after 2026-04-01');
    expect((await vendor.get(`/v1/contracts/${contractId}/terms`).expect(200)).body).toHaveLength(2);

    await vendor.post(`/v1/contracts/${contractId}/terms`, { effectiveFrom: '2026-04-01', terms: TERMS }).expect(201);
  });
});
