jest.setTimeout(120_000);

import { execFileSync } from 'node:child_process';
import { DeemingSweep } from '../../src/outcomes/deeming-sweep';
import { portalLink } from '../portal/support';
import { issueKey } from '../support/fixtures';
import { createTestApp, type KeyedClient, type TestApp } from '../support/test-app';
import { binary, saveTo, tempDir } from './support';
import { runBilling } from '../support/billing';

// #19 item 1: confirmed and deemed outcomes are counted apart in statements, ROI and the portal.
// Reports are accepted by the radiologist, or deemed accepted when nobody objects within 24 hours;
// each accepted report is valued at 40.00 (valuePerUnit), so the statement lists them.
const TERMS = {
  disputeWindowDays: 3650,
  components: [{ type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer', objectionWindow: 'PT24H' }],
  outcomeTypes: { report: { verification: 'customer', valuePerUnit: '40.00' } },
};

describe('confirmed and deemed outcomes counted apart', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let customer: KeyedClient;
  let contractId: string;
  let customerId: string;

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('Deemed counts vendor')).adminKey);
    customerId = (await vendor.post('/v1/customers', { name: 'Hospital network' }).expect(201)).body.id;
    contractId = (
      await vendor
        .post('/v1/contracts', { customerId, name: 'Reports', currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0', startsOn: '2026-03-01', status: 'active', terms: TERMS })
        .expect(201)
    ).body.id;
    customer = t.as(await issueKey(vendor, { role: 'customer', customerId }));
    const ids: string[] = [];
    for (const [i, day] of ['05', '06', '08', '09'].entries()) {
      const res = await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: `r-${i}`, type: 'report', quantity: '1', occurredAt: `2026-03-${day}T10:00:00+08:00` }).expect(201);
      ids.push(res.body.id);
    }
    // The radiologist accepts two (a person, though their windows lapsed long ago); nobody objects to
    // the other two, which the sweep then deems accepted.
    await customer.post(`/v1/outcomes/${ids[0]}/verify`, {}).expect(200);
    await customer.post(`/v1/outcomes/${ids[1]}/verify`, {}).expect(200);
    expect(await t.app.get(DeemingSweep).sweep()).toBe(2);
    await runBilling(vendor, { period: '2026-03', contractIds: [contractId] });
    const inv = (await vendor.get(`/v1/invoices?contractId=${contractId}&period=2026-03`).expect(200)).body.data[0];
    await vendor.post(`/v1/invoices/${inv.id}/finalize`).expect(200);
  });
  afterAll(() => t.close());

  it('gives the statement’s verified outcomes as confirmed and deemed, in JSON, CSV and PDF', async () => {
    const s = (await customer.get(`/v1/contracts/${contractId}/statements/2026-03`).expect(200)).body;
    expect(s.verifiedOutcomeCount).toBe(4);
    expect(s.verifiedBy).toEqual({ confirmed: 2, deemed: 2 });
    expect(s.verifiedOutcomes.map((o: any) => [o.externalId, o.verifiedBy, o.deemedAt !== null])).toEqual([
      ['r-0', 'customer', false],
      ['r-1', 'customer', false],
      ['r-2', 'system', true],
      ['r-3', 'system', true],
    ]);
    expect(s.verifiedValue).toBe('160.00');
    const csv = (await customer.get(`/v1/contracts/${contractId}/statements/2026-03.csv`).expect(200)).text;
    expect(csv).toContain('summary,verified_confirmed,,2,');
    expect(csv).toContain('summary,verified_deemed,,2,');
    expect(csv.split('\n').filter((l) => l.includes(',deemed,')).length).toBe(2);
    const pdf = await customer.get(`/v1/contracts/${contractId}/statements/2026-03.pdf`).buffer(true).parse(binary).expect(200);
    const file = saveTo(tempDir('ol-deemed-'), 'statement.pdf', pdf.body);
    expect(execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' })).toContain('Verified outcomes (4: 2 confirmed, 2 deemed accepted)');
  });

  it('gives ROI acceptance with the deemed among the verified', async () => {
    const r = (await vendor.get(`/v1/contracts/${contractId}/roi?from=2026-03&to=2026-03`).expect(200)).body;
    expect(r.acceptance).toEqual([{ outcomeType: 'report', verified: 4, confirmed: 2, deemed: 2, rejected: 0, rate: '1' }]);
  });

  it('shows the customer in the portal which outcomes were deemed accepted', async () => {
    const url = new URL(await portalLink(vendor, { role: 'customer', customerId }));
    const login = await t.http().get(url.pathname + url.search).expect(303);
    const cookie = (login.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('ol_portal='))!.split(';')[0];
    const page = await t.http().get(`/portal/customer/statements/${contractId}/2026-03`).set('Cookie', cookie).expect(200);
    // The portal speaks the customer's language (zh-CN by default).
    expect(page.text).toContain('2 项经确认，2 项视为接受');
    expect(page.text.match(/<td>视为接受<\/td>/g)).toHaveLength(2);
    expect(page.text.match(/<td>已确认<\/td>/g)).toHaveLength(2);
    const roi = await t.http().get('/portal/customer/roi?from=2026-03&to=2026-03').set('Cookie', cookie).expect(200);
    expect(roi.text).toContain('其中 2 项视为接受');
  });
});
