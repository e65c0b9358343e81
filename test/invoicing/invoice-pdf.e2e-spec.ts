jest.setTimeout(300_000);

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '../../src/kernel/canonical-json';
import { cnyCapitalNumerals } from '../../src/kernel/capital-numerals';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

const binary = (res: any, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/** Rendered pages are kept for people to look at (git-ignored). */
const ARTIFACTS = join(__dirname, '..', 'artifacts');

// The invoice as the customer's finance team opens it: Chinese text that prints, full parties,
// dates and terms, the amount in capital numerals, and a PDF/A-3 file that carries its own JSON.
describe('the invoice PDF for people (zh-CN, PDF/A-3 with invoice.json)', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let invoice: any;
  let pdf: Buffer;
  let text: string;
  const dir = mkdtempSync(join(tmpdir(), 'invoice-pdf-'));

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('PDF vendor')).adminKey);
    await vendor.patch('/v1/vendor', { legalName: '深圳智检科技有限公司', address: '深圳市南山区粤海街道 100 号', taxId: '91350100M000100Y43', bankAccount: '招商银行深圳分行 755900000000001' }).expect(200);
    const customer = await vendor
      .post('/v1/customers', { name: '精密零件', legalName: '深圳精密零件有限公司', address: '深圳市宝安区 8 号', taxId: '9144030071526726XG', locale: 'zh-CN' })
      .expect(201);
    const contract = await vendor
      .post('/v1/contracts', {
        customerId: customer.body.id,
        name: '缺陷检测 Defect inspection',
        currency: 'CNY',
        timezone: 'Asia/Shanghai',
        taxRate: '0.06',
        startsOn: '2026-03-01',
        status: 'active',
        poReference: 'PO-2026-0042',
        paymentTermsDays: 30,
        terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '0.20', per: '1', verification: 'auto' }] },
      })
      .expect(201);
    await vendor.post(`/v1/contracts/${contract.body.id}/outcomes`, { externalId: 'q-1', type: 'query', quantity: '6173283.95', occurredAt: '2026-03-10T00:00:00Z' }).expect(201);
    await runBilling(vendor, { period: '2026-03', contractIds: [contract.body.id] });
    const draft = (await vendor.get(`/v1/invoices?contractId=${contract.body.id}`).expect(200)).body.data[0];
    await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200);
    invoice = (await vendor.get(`/v1/invoices/${draft.id}`).expect(200)).body;
    const res = await vendor.get(`/v1/invoices/${draft.id}/pdf`).buffer(true).parse(binary).expect(200);
    pdf = res.body as Buffer;
    writeFileSync(join(dir, 'invoice.pdf'), pdf);
    text = execFileSync('pdftotext', ['-layout', join(dir, 'invoice.pdf'), '-'], { encoding: 'utf8' });
  });
  afterAll(() => t.close());

  it('prints the Chinese parties with their tax ids, the PO, the issue and due dates', () => {
    expect(text).toContain('商业发票');
    expect(text).toContain('深圳精密零件有限公司');
    expect(text).toContain('深圳智检科技有限公司');
    expect(text).toContain('9144030071526726XG');
    expect(text).toContain('91350100M000100Y43');
    expect(text).toContain('PO-2026-0042');
    expect(text).toContain(invoice.issueDate);
    expect(text).toContain(invoice.dueDate);
    expect(text).not.toContain('???');
  });

  it('groups thousands and writes the CNY total in capital numerals', () => {
    expect(invoice.total).toBe('1308736.20');
    expect(text).toContain('1,308,736.20');
    expect(text).toContain(`人民币${cnyCapitalNumerals(invoice.total)}`);
    expect(cnyCapitalNumerals(invoice.total)).toBe('壹佰叁拾万捌仟柒佰叁拾陆元贰角');
  });

  it('numbers its pages and keeps the calculation trace on an auditor appendix page', () => {
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [join(dir, 'invoice.pdf')], { encoding: 'utf8' }))![1]);
    expect(pages).toBe(2);
    expect(text).toContain('Page 1 of 2');
    expect(text).toContain('Page 2 of 2');
    const [first, appendix] = text.split('\f');
    expect(first).not.toContain('Trace digest');
    expect(appendix).toContain('Appendix: calculation trace');
    expect(appendix).toContain(invoice.traceDigest);
  });

  it('is PDF/A-3b: XMP identification, embedded (subset) fonts, and invoice.json equal to the API’s invoice', () => {
    const raw = pdf.toString('latin1');
    expect(raw).toMatch(/<pdfaid:part>3<\/pdfaid:part>/);
    expect(raw).toMatch(/<pdfaid:conformance>B<\/pdfaid:conformance>/);
    expect(raw).toContain('/OutputIntents');
    const fonts = execFileSync('pdffonts', [join(dir, 'invoice.pdf')], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
    expect(fonts.length).toBeGreaterThan(0);
    for (const f of fonts) expect(f).toMatch(/\+NotoSans.*\byes\s+yes\b/); // subset prefix, embedded, subset
    expect(pdf.length).toBeLessThan(400_000); // subset: the font files are 8 MB each
    execFileSync('pdfdetach', ['-saveall', '-o', dir, join(dir, 'invoice.pdf')]);
    const attached = JSON.parse(readFileSync(join(dir, 'invoice.json'), 'utf8'));
    expect(canonicalJson(attached)).toBe(canonicalJson(invoice));
  });

  it('renders page 1 to PNG (kept under test/artifacts for people to look at)', () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', join(dir, 'invoice.pdf'), join(ARTIFACTS, 'invoice-zh-CN-page1')]);
    const png = readFileSync(join(ARTIFACTS, 'invoice-zh-CN-page1.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
    writeFileSync(join(ARTIFACTS, 'invoice-zh-CN.pdf'), pdf);
  });

  it('renders a credit note as PDF/A-3b in Chinese, with its total in capital numerals and its JSON attached', async () => {
    const cn = (await vendor.post(`/v1/invoices/${invoice.id}/credit-notes`, { reason: '服务中断 service outage on 12 March' }).expect(201)).body;
    const res = await vendor.get(`/v1/invoices/${invoice.id}/credit-notes/${cn.id}/pdf`).buffer(true).parse(binary).expect(200);
    const file = join(dir, 'credit-note.pdf');
    writeFileSync(file, res.body);
    writeFileSync(join(ARTIFACTS, 'credit-note-zh-CN.pdf'), res.body);
    const cnText = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(cnText).toContain('CREDIT NOTE');
    expect(cnText).toContain('深圳精密零件有限公司');
    expect(cnText).toContain('9144030071526726XG');
    expect(cnText).toContain(invoice.number);
    expect(cnText).toContain(`人民币${cnyCapitalNumerals(cn.total)}`);
    expect(cnText).toContain('Page 1 of 1');
    expect((res.body as Buffer).toString('latin1')).toMatch(/<pdfaid:part>3<\/pdfaid:part>/);
    const out = mkdtempSync(join(tmpdir(), 'credit-note-'));
    execFileSync('pdfdetach', ['-saveall', '-o', out, file]);
    expect(canonicalJson(JSON.parse(readFileSync(join(out, 'credit-note.json'), 'utf8')))).toBe(canonicalJson(cn));
    await vendor.get(`/v1/invoices/${invoice.id}/credit-notes/${invoice.id}/pdf`).expect(404);
  });
});
