import { verifyBundle, formatReport } from '../../src/audit/verify-bundle';
import { binary, saveTo, seedVendor, tempDir, type SeededVendor } from '../reports/support';
import { createTestApp, TestApp } from '../support/test-app';

describe('evidence bundles', () => {
  let t: TestApp;
  let seeded: SeededVendor;
  const dir = tempDir('ol-bundle-');

  beforeAll(async () => {
    t = await createTestApp();
    seeded = await seedVendor(t, ['inspection', 'traffic', 'llm-api']);
  });
  afterAll(() => t.close());

  it('exports a contract bundle that the offline verifier passes', async () => {
    const c = seeded.contracts.get('inspection')!;
    const res = await seeded.vendor.get(`/v1/contracts/${c.contractId}/evidence`).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('application/zip');
    const file = saveTo(dir, 'inspection.zip', res.body);
    const report = await verifyBundle(file);
    process.stdout.write(formatReport(report, file));
    expect(report.ok).toBe(true);
  });
});
