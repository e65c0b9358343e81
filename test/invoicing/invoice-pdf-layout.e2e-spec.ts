jest.setTimeout(300_000);

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

const binary = (res: any, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/** Rendered pages are kept for people to look at (git-ignored). */
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const CJK = /[\u3400-\u9fff]/;
const pageCount = (file: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);

// The invoice for an English-speaking customer, and an invoice long enough to need several pages.
describe('invoice PDF layout: English labels, and a line table that breaks across pages', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  const dir = mkdtempSync(join(tmpdir(), 'invoice-layout-'));

  async function invoicePdf(contractId: string, period: string, name: string): Promise<{ invoice: any; file: string; pages: string[] }> {
    await runBilling(vendor, { period, contractIds: [contractId] });
    const draft = (await vendor.get(`/v1/invoices?contractId=${contractId}&period=${period}`).expect(200)).body.data[0];
    const invoice = (await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200)).body;
    const res = await vendor.get(`/v1/invoices/${invoice.id}/pdf`).buffer(true).parse(binary).expect(200);
    const file = join(dir, `${name}.pdf`);
    writeFileSync(file, res.body);
    const pages = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).split('\f').filter((p) => p.trim());
    return { invoice, file, pages };
  }

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('Layout vendor')).adminKey);
    await vendor
      .patch('/v1/vendor', { legalName: 'Acme Inference Ltd.', address: '1 Market Street, San Francisco', taxCountry: 'US', taxId: 'US-94-1234567', bankAccount: 'First Bank 000123' })
      .expect(200);
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(() => t.close());

  it('lays an English customer’s USD invoice out in English only: labels, columns on one line, no capital numerals', async () => {
    const customer = await vendor.post('/v1/customers', { name: 'Northwind', legalName: 'Northwind Studio LLC', address: '5 Pine Road, Seattle', taxCountry: 'US', taxId: 'US-91-7654321', locale: 'en' }).expect(201);
    const contract = await vendor
      .post('/v1/contracts', {
        customerId: customer.body.id,
        name: 'Seats',
        currency: 'USD',
        timezone: 'UTC',
        taxRate: '0',
        startsOn: '2026-03-01',
        status: 'active',
        paymentTermsDays: 15,
        poReference: 'PO-7781',
        terms: { components: [{ type: 'flat_fee', amount: '1234.50', per: 'month', quantity: '25', unit: 'seat' }] },
      })
      .expect(201);
    const { invoice, file, pages } = await invoicePdf(contract.body.id, '2026-03', 'invoice-en');
    const [first] = pages;
    expect(first).toContain('COMMERCIAL INVOICE');
    expect(first).toContain('This is a commercial invoice, not an official tax invoice (fapiao)');
    expect(first).not.toMatch(CJK);
    expect(first).toMatch(/Description\s+Quantity\s+Unit price\s+Amount \(USD\)/);
    expect(first).toMatch(/25 × seat.*\s+25\s+1,234\.50\s+30,862\.50/);
    expect(first).toMatch(/Total USD\s+30,862\.50/);
    expect(first).toContain(`Due date: ${invoice.dueDate}`);
    expect(first).toContain('Payment terms: Net 15 days');
    expect(first).toContain('PO / reference: PO-7781');
    expect(first).toContain('Tax id: US-94-1234567');
    expect(first).toContain('Tax id: US-91-7654321');
    expect(first).not.toContain('Amount in words'); // capital numerals are for CNY invoices
    expect(first).toContain(`Page 1 of ${pageCount(file)}`);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, join(ARTIFACTS, 'invoice-en-page1')]);
    expect(readFileSync(join(ARTIFACTS, 'invoice-en-page1.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('breaks a 90-line invoice across pages, repeating the column header and numbering every page', async () => {
    const customer = await vendor.post('/v1/customers', { name: '瑞金放射网络', legalName: '上海瑞金放射诊断网络有限公司', locale: 'zh-CN' }).expect(201);
    const contract = await vendor
      .post('/v1/contracts', {
        customerId: customer.body.id,
        name: 'Radiology per hospital',
        currency: 'CNY',
        timezone: 'Asia/Shanghai',
        taxRate: '0.06',
        startsOn: '2026-03-01',
        status: 'active',
        terms: { components: [{ type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer', breakdownBy: 'hospital' }] },
      })
      .expect(201);
    const outcomes = Array.from({ length: 90 }, (_, i) => ({
      contractId: contract.body.id,
      externalId: `rep-${i}`,
      type: 'report',
      quantity: '1',
      occurredAt: '2026-03-10T09:00:00+08:00',
      dimensions: { hospital: `H${String(i).padStart(3, '0')}` },
    }));
    const batch = await vendor.post('/v1/outcomes/batch', { outcomes });
    expect([200, 201]).toContain(batch.status);
    const ids = (await t.db.query(`SELECT id FROM outcomes WHERE contract_id = $1`, [contract.body.id])).map((r: any) => r.id);
    expect(ids).toHaveLength(90);
    const customerKey = t.as(await issueKey(vendor, { role: 'customer', customerId: customer.body.id }));
    await customerKey.post('/v1/outcomes/verify', { ids }).expect(200);

    const { invoice, file, pages } = await invoicePdf(contract.body.id, '2026-03', 'invoice-90-lines');
    expect(invoice.lines).toHaveLength(90);
    const n = pageCount(file);
    expect(pages).toHaveLength(n);
    expect(n).toBeGreaterThanOrEqual(3); // at least two pages of lines and the auditor appendix
    // The customer's pages come before the auditor appendix, which starts on its own page.
    const appendix = pages.findIndex((p) => p.includes('Appendix: calculation trace (for auditors)'));
    expect(appendix).toBeGreaterThanOrEqual(2);
    const linePages = pages.slice(0, appendix).filter((p) => /H\d{3}/.test(p));
    expect(linePages.length).toBeGreaterThanOrEqual(2);
    for (const p of linePages) expect(p).toMatch(/项目 Description\s+数量 Quantity\s+单价 Unit price\s+金额 Amount \(CNY\)/);
    pages.forEach((p, i) => expect(p).toContain(`Page ${i + 1} of ${n}`));
    // Every line is printed once, in order, across the pages; totals come after the last line.
    const all = pages.slice(0, appendix).join('\n');
    const printed = [...all.matchAll(/H(\d{3})\b/g)].map((m) => Number(m[1]));
    expect(printed).toEqual(Array.from({ length: 90 }, (_, i) => i));
    expect(all.indexOf('H089')).toBeLessThan(all.search(/合计 Total/));
    expect(all).toMatch(/合计 Total CNY\s+1,431\.00/);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '2', file, join(ARTIFACTS, 'invoice-90-lines')]);
  });
});
