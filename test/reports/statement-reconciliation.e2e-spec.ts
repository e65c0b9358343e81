jest.setTimeout(300_000);

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import { issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { binary, tempDir } from './support';
import { runBilling } from '../support/billing';

const ARTIFACTS = join(__dirname, '..', 'artifacts');
const RATE = new Decimal('0.10');
const cents = (d: Decimal.Value) => new Decimal(d).toFixed(2, Decimal.ROUND_HALF_UP);
const sum = (xs: string[]) => xs.reduce((a, x) => a.plus(x), new Decimal(0));

// The savings-share statement after March changed under its finalized invoice: a late
// verification, a reversal, a dispute still open and a credit note. Every figure on the page is
// the sum of the figures it names, to the cent.
describe('a savings-share statement that reconciles after late verifications, reversals, disputes and credit notes', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let customer: KeyedClient;
  let contractId: string;
  let march: any;
  let april: any;
  let creditNote: any;
  const ids: Record<string, string> = {};
  const out = tempDir('ol-statement-');

  const record = async (externalId: string, value: string, occurredAt: string) => {
    const res = await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId, type: 'savings', value, occurredAt }).expect(201);
    ids[externalId] = res.body.id;
  };
  const finalize = async (period: string) => {
    await runBilling(vendor, { period, contractIds: [contractId] });
    const list = await vendor.get(`/v1/invoices?contractId=${contractId}&period=${period}`).expect(200);
    return (await vendor.post(`/v1/invoices/${list.body.data[0].id}/finalize`).expect(200)).body;
  };

  beforeAll(async () => {
    t = await createTestApp({ validateResponses: true }); // every answer held to /openapi.json
    vendor = t.as((await t.createVendor('Statement vendor')).adminKey);
    await vendor.patch('/v1/vendor', { legalName: '深圳智检科技有限公司' }).expect(200);
    const c = await vendor.post('/v1/customers', { name: '深圳精密零件有限公司' }).expect(201);
    const contract = await vendor
      .post('/v1/contracts', {
        customerId: c.body.id,
        name: 'Defect inspection',
        currency: 'CNY',
        timezone: 'Asia/Shanghai',
        taxRate: '0',
        startsOn: '2026-03-01',
        status: 'active',
        terms: {
          components: [
            { type: 'flat_fee', amount: '50000.00', per: 'month', quantity: '3', unit: 'production line' },
            { type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer' },
          ],
        },
      })
      .expect(201);
    contractId = contract.body.id;
    customer = t.as(await issueKey(vendor, { role: 'customer', customerId: c.body.id }));

    await record('L1', '400000.00', '2026-03-31T12:00:00+08:00');
    await record('L2', '350000.00', '2026-03-31T12:00:00+08:00'); // verified after March is finalized
    await record('L3', '250000.00', '2026-03-31T12:00:00+08:00'); // disputed and reversed after March
    await record('L4', '123456.78', '2026-03-31T12:00:00+08:00');
    await record('L5', '10000.01', '2026-03-01T00:30:00+08:00'); // verified after April too: not invoiced yet
    await customer.post('/v1/outcomes/verify', { ids: [ids.L1, ids.L3, ids.L4] }).expect(200);
    march = await finalize('2026-03');

    await customer.post(`/v1/outcomes/${ids.L2}/verify`, {}).expect(200);
    await customer.post(`/v1/outcomes/${ids.L3}/dispute`, { reason: 'line L3 was stopped' }).expect(200);
    await vendor.post(`/v1/outcomes/${ids.L3}/reverse`, { reason: 'dispute upheld' }).expect(200);
    await customer.post(`/v1/outcomes/${ids.L1}/dispute`, { reason: 'scrap rate recount' }).expect(200); // still open

    await record('A1', '200000.05', '2026-04-15T10:00:00+08:00');
    await record('A2', '99999.99', '2026-04-16T10:00:00+08:00'); // awaiting verification
    await customer.post(`/v1/outcomes/${ids.A1}/verify`, {}).expect(200);
    april = await finalize('2026-04');
    creditNote = (
      await vendor
        .post(`/v1/invoices/${april.id}/credit-notes`, { reason: 'share credited for a line stop', lines: [{ key: 'value_share', amount: '1000.00' }] })
        .expect(201)
    ).body;
    await customer.post(`/v1/outcomes/${ids.L5}/verify`, {}).expect(200);
  });
  afterAll(() => t.close());

  it('carries March’s late verification and reversal on April’s invoice, as the invoices themselves say', () => {
    expect(march.subtotal).toBe('227345.68'); // 150,000 + 10% of 773,456.78
    expect(april.lines.filter((l: any) => l.kind === 'adjustment').map((l: any) => [l.adjustment.kind, l.amount])).toEqual([
      ['late_verified', '35000.00'],
      ['reversal', '-25000.00'],
    ]);
  });

  it('explains April’s share fee as rate × the value it billed for April + the March adjustments it carries, to the cent', async () => {
    const s = (await customer.get(`/v1/contracts/${contractId}/statements/2026-04`).expect(200)).body;
    const r = s.reconciliation;
    expect(r.invoicedValue).toBe('200000.05');
    expect(r.shareOfPeriod).toBe(cents(RATE.times(r.invoicedValue)));
    expect(r.carriedAdjustments.map((a: any) => [a.invoiceNumber, a.adjustsPeriod, a.adjustmentKind, a.quantity, a.amount])).toEqual([
      [april.number, '2026-03', 'late_verified', '350000', '35000.00'],
      [april.number, '2026-03', 'reversal', '-250000', '-25000.00'],
    ]);
    const carried = sum(r.carriedAdjustments.map((a: any) => a.amount));
    expect(s.fees.share).toBe(cents(RATE.times(r.invoicedValue).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).plus(carried)));
    expect(s.fees.share).toBe('30000.01');
    expect(r.shareOnInvoice).toBe(s.fees.share);

    // Every fee is the sum of the invoice lines it names; credit notes are listed with their numbers.
    const lines = s.invoiceLines;
    expect(s.fees.flat).toBe(cents(sum(lines.filter((l: any) => ['flat_fee', 'per_area'].includes(l.componentType)).map((l: any) => l.amount))));
    expect(s.fees.share).toBe(cents(sum(lines.filter((l: any) => l.componentType === 'value_share').map((l: any) => l.amount))));
    expect(r.creditNotes).toEqual([
      expect.objectContaining({ number: creditNote.number, amount: '1000.00', share: '1000.00', reason: 'share credited for a line stop' }),
    ]);
    expect(r.creditNotes[0].createdAtLocal).toMatch(/\+08:00$/);
    expect(s.fees.credited).toBe(cents(sum(r.creditNotes.map((n: any) => n.amount))));
    expect(s.fees.net).toBe(cents(sum([s.fees.flat, s.fees.share, s.fees.other]).minus(s.fees.credited)));
    expect(s.fees.net).toBe('179000.01');
    expect(s).toMatchObject({ awaitingVerification: { count: 1, value: '99999.99' }, vendorName: '深圳智检科技有限公司', timezone: 'Asia/Shanghai' });
  });

  it('lists March’s corrections with the invoice that carries them, and what is in dispute or not invoiced yet', async () => {
    const s = (await customer.get(`/v1/contracts/${contractId}/statements/2026-03`).expect(200)).body;
    const r = s.reconciliation;
    expect(s.invoiceNumber).toBe(march.number);
    expect(r.invoicedValue).toBe('773456.78');
    expect(r.shareOfPeriod).toBe(cents(RATE.times(r.invoicedValue)));
    expect(r.carriedAdjustments).toEqual([]);
    expect(s.fees.share).toBe(r.shareOfPeriod);
    expect(r.laterAdjustments.map((a: any) => [a.invoiceNumber, a.invoicePeriod, a.adjustmentKind, a.quantity, a.amount])).toEqual([
      [april.number, '2026-04', 'late_verified', '350000', '35000.00'],
      [april.number, '2026-04', 'reversal', '-250000', '-25000.00'],
    ]);
    expect(r.valueBilledToDate).toBe(cents(sum([r.invoicedValue, ...r.laterAdjustments.map((a: any) => a.quantity)])));
    expect(r.shareBilledToDate).toBe(cents(sum([r.shareOfPeriod, ...r.laterAdjustments.map((a: any) => a.amount)])));
    expect(r.shareBilledToDate).toBe(cents(RATE.times(r.valueBilledToDate)));

    // Verified now: L2 + L4 + L5 (L1 is in dispute, L3 reversed). In dispute stays billed until reversed.
    expect(s.verifiedValue).toBe('483456.79');
    expect(s.inDispute).toEqual({ count: 1, value: '400000.00' });
    expect(r.verifiedOrDisputedValue).toBe(cents(sum([s.verifiedValue, s.inDispute.value])));
    // L5 was verified after April's invoice: it waits for May's, and the statement says so.
    expect(r.notYetInvoicedValue).toBe('10000.01');
    expect(r.notYetInvoicedValue).toBe(cents(new Decimal(r.verifiedOrDisputedValue).minus(r.valueBilledToDate)));
    const l5 = s.verifiedOutcomes.find((o: any) => o.externalId === 'L5');
    expect(l5).toMatchObject({ occurredAt: '2026-02-28T16:30:00.000Z', occurredAtLocal: '2026-03-01T00:30:00+08:00' });
  });

  it('prints the same reconciliation in the PDF, with the vendor, the carrying invoice and times in the contract’s zone', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const pdf = await customer.get(`/v1/contracts/${contractId}/statements/2026-03.pdf`).buffer(true).parse(binary).expect(200);
    const file = join(out, 'statement-2026-03.pdf');
    writeFileSync(file, pdf.body);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Vendor: 深圳智检科技有限公司');
    expect(text).toContain('深圳精密零件有限公司');
    expect(text).toMatch(/Value billed for 2026-03 on this invoice\s+773,456\.78/);
    expect(text).toMatch(/= Share on this invoice\s+77,345\.68/);
    expect(text).toContain(`${april.number}`);
    expect(text).toMatch(/verified late\s+350,000\s+35,000\.00/);
    expect(text).toMatch(/reversed\s+-250,000\s+-25,000\.00/);
    expect(text).toMatch(/Share billed for 2026-03 to date\s+87,345\.68/);
    expect(text).toMatch(/Not invoiced yet \(adjusted on the next invoice\)\s+10,000\.01/);
    expect(text).toMatch(/In dispute \(1\)\s+400,000\.00/);
    expect(text).toContain('Times are local to Asia/Shanghai (UTC+08:00)');
    expect(text).toContain('Occurred (local)');
    expect(text).toContain('2026-03-01 00:30'); // L5 in Shanghai time, not 2026-02-28 16:30 UTC
    expect(text).not.toContain('2026-02-28 16:30');
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, join(ARTIFACTS, 'statement-reconciled-2026-03')]);

    const aprilPdf = await customer.get(`/v1/contracts/${contractId}/statements/2026-04.pdf`).buffer(true).parse(binary).expect(200);
    const aprilFile = join(out, 'statement-2026-04.pdf');
    writeFileSync(aprilFile, aprilPdf.body);
    const aprilText = execFileSync('pdftotext', ['-layout', aprilFile, '-'], { encoding: 'utf8' });
    expect(aprilText).toMatch(/\+ 2026-03 verified late \(value 350,000\)\s+35,000\.00/);
    expect(aprilText).toMatch(/\+ 2026-03 reversed \(value -250,000\)\s+-25,000\.00/);
    expect(aprilText).toMatch(/= Share on this invoice\s+30,000\.01/);
    expect(aprilText).toContain(creditNote.number);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', aprilFile, join(ARTIFACTS, 'statement-reconciled-2026-04')]);
  });

  it('puts the reconciliation in the CSV too', async () => {
    const csv = await customer.get(`/v1/contracts/${contractId}/statements/2026-03.csv`).expect(200);
    expect(csv.text).toContain('summary,invoiced_value,773456.78');
    expect(csv.text).toContain('summary,share_billed_to_date,87345.68');
    expect(csv.text).toContain('summary,not_yet_invoiced_value,10000.01');
    expect(csv.text).toContain(`later_adjustment,${april.number} adj:late_verified:2026-03-01:value_share,35000.00`);
  });

  it('breaks a long statement’s outcome table across pages with its header repeated, every page numbered', async () => {
    const c = await vendor.post('/v1/customers', { name: 'Many lines' }).expect(201);
    const long = await vendor
      .post('/v1/contracts', {
        customerId: c.body.id,
        name: 'Savings per line',
        currency: 'CNY',
        timezone: 'Asia/Shanghai',
        taxRate: '0',
        startsOn: '2026-03-01',
        status: 'active',
        terms: { components: [{ type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'auto' }] },
      })
      .expect(201);
    const outcomes = Array.from({ length: 150 }, (_, i) => ({
      contractId: long.body.id,
      externalId: `sav-${String(i).padStart(3, '0')}`,
      type: 'savings',
      value: '1000.00',
      occurredAt: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00+08:00`,
    }));
    const batch = await vendor.post('/v1/outcomes/batch', { outcomes });
    expect([200, 201]).toContain(batch.status);
    const pdf = await vendor.get(`/v1/contracts/${long.body.id}/statements/2026-03.pdf`).buffer(true).parse(binary).expect(200);
    const file = join(out, 'statement-long.pdf');
    writeFileSync(file, pdf.body);
    const n = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
    expect(n).toBeGreaterThanOrEqual(3);
    const pages = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).split('\f').filter((p) => p.trim());
    expect(pages).toHaveLength(n);
    pages.forEach((p, i) => expect(p).toContain(`Page ${i + 1} of ${n}`));
    const withRows = pages.filter((p) => /sav-\d{3}/.test(p));
    expect(withRows.length).toBeGreaterThanOrEqual(2);
    for (const p of withRows) expect(p).toMatch(/External id\s+Type\s+Occurred \(local\)\s+Verified \(local\)\s+By\s+Value/);
    const printed = [...pages.join('\n').matchAll(/sav-(\d{3})/g)].map((m) => m[1]);
    expect(new Set(printed).size).toBe(150); // every verified outcome once, none lost at a page break
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '2', '-l', '2', '-singlefile', file, join(ARTIFACTS, 'statement-long-page2')]);
  });
});
