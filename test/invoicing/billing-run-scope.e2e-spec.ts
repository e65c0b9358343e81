import { customerWithContract, issueKey } from '../support/fixtures';
import { createTestApp, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

/**
 * A billing run is the vendor's own operation over many contracts: its contract ids, counts and
 * errors are about all of them. Only the vendor's admins and its unrestricted auditors read runs;
 * an auditor granted some contracts, a customer and another vendor find none — they read what a
 * run produced on the invoices they may see.
 */
describe('billing runs are visible only to callers who see the whole vendor', () => {
  let t: TestApp;
  afterAll(() => t.close());

  it('hides every run, with its contract ids and counts, from an auditor granted some contracts, a customer and another vendor', async () => {
    t = await createTestApp();
    const a = await t.createVendor('Vendor A');
    const b = await t.createVendor('Vendor B');
    const admin = t.as(a.adminKey);
    const c1 = await customerWithContract(admin);
    const c2 = await customerWithContract(admin);
    const grantedAuditor = t.as(await issueKey(admin, { role: 'auditor', contractIds: [c2.contractId] }));
    const auditor = t.as(await issueKey(admin, { role: 'auditor' }));
    const customer = t.as(await issueKey(admin, { role: 'customer', customerId: c2.customerId }));
    const foreignAdmin = t.as(b.adminKey);

    const wholeVendor = await runBilling(admin, { period: '2026-03' });
    expect(wholeVendor.body).toMatchObject({ status: 'completed', contracts: 2, drafted: 2 });
    // Even a run limited to the auditor's own contract: its record is the vendor's operation.
    const ownContract = await runBilling(admin, { period: '2026-03', contractIds: [c2.contractId] });

    for (const run of [wholeVendor.body, ownContract.body]) {
      const seen = await admin.get(`/v1/billing-runs/${run.id}`).expect(200);
      expect(seen.body.contractIds).toEqual(run.contractIds);
      const audited = await auditor.get(`/v1/billing-runs/${run.id}`).expect(200);
      expect(audited.body.results).toEqual(run.results);
      expect(audited.body.results.length).toBeGreaterThan(0);

      const hidden = await grantedAuditor.get(`/v1/billing-runs/${run.id}`).expect(404);
      expect(JSON.stringify(hidden.body)).not.toContain(c1.contractId);
      expect(hidden.body).not.toHaveProperty('contracts');
      await foreignAdmin.get(`/v1/billing-runs/${run.id}`).expect(404);
      const refused = await customer.get(`/v1/billing-runs/${run.id}`);
      expect([403, 404]).toContain(refused.status);
      expect(JSON.stringify(refused.body)).not.toContain(c1.contractId);
    }

    // The list the same way: the whole vendor's callers see both runs, the others none.
    const ids = [ownContract.body.id, wholeVendor.body.id];
    expect((await admin.get('/v1/billing-runs').expect(200)).body.data.map((r: any) => r.id)).toEqual(ids);
    expect((await auditor.get('/v1/billing-runs').expect(200)).body.data.map((r: any) => r.id)).toEqual(ids);
    expect((await grantedAuditor.get('/v1/billing-runs').expect(200)).body.data).toEqual([]);
    expect((await foreignAdmin.get('/v1/billing-runs').expect(200)).body.data).toEqual([]);
    const listed = await customer.get('/v1/billing-runs');
    expect([403, 404]).toContain(listed.status);

    // What the run produced for the granted contract stays readable on its invoices, and only that.
    const invoices = await grantedAuditor.get('/v1/invoices?period=2026-03').expect(200);
    expect(invoices.body.data.map((i: any) => i.contractId)).toEqual([c2.contractId]);
  });
});
