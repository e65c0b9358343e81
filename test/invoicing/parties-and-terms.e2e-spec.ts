jest.setTimeout(300_000);

import { localDate, addDays } from '../../src/kernel/calendar';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

// What a finance team needs to book an invoice: legal parties with valid tax ids, PO and payment
// terms, issue and due dates in the contract's calendar, and the fapiao number recorded once.
describe('legal parties, payment terms and the tax invoice number', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let customerId: string;
  let contractId: string;

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('Terms vendor')).adminKey);
  });
  afterAll(() => t.close());

  const problem = (res: any, field: string) => {
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((e: any) => e.field)).toContain(field);
  };

  it('records the vendor’s legal entity with a valid unified social credit code', async () => {
    const res = await vendor
      .patch('/v1/vendor', { legalName: '深圳智检科技有限公司', address: '深圳市南山区粤海街道 100 号', taxId: '91350100M000100Y43', bankAccount: '招商银行深圳分行 755900000000001', contact: 'billing@zhijian.example' })
      .expect(200);
    expect(res.body).toMatchObject({ legalName: '深圳智检科技有限公司', taxCountry: 'CN', taxId: '91350100M000100Y43', bankAccount: '招商银行深圳分行 755900000000001' });
    expect((await vendor.get('/v1/vendor').expect(200)).body.legalName).toBe('深圳智检科技有限公司');
  });

  it('refuses a credit code whose check character is wrong with a 422 naming taxId, and writes nothing', async () => {
    const res = await vendor.patch('/v1/vendor', { legalName: 'Renamed', taxId: '91350100M000100Y44' }).expect(422);
    problem(res, 'taxId');
    expect((await vendor.get('/v1/vendor').expect(200)).body).toMatchObject({ legalName: '深圳智检科技有限公司', taxId: '91350100M000100Y43' });
  });

  it('accepts any tax id text outside China', async () => {
    await vendor.patch('/v1/vendor', { taxCountry: 'DE', taxId: 'DE123456789' }).expect(200);
    await vendor.patch('/v1/vendor', { taxCountry: 'CN', taxId: '91350100M000100Y43' }).expect(200);
  });

  it('records a customer’s billing details and document locale', async () => {
    const res = await vendor
      .post('/v1/customers', { name: '深圳精密', legalName: '深圳精密零件有限公司', address: '深圳市宝安区 8 号', taxId: '9144030071526726XG', locale: 'zh-CN' })
      .expect(201);
    expect(res.body).toMatchObject({ legalName: '深圳精密零件有限公司', taxCountry: 'CN', taxId: '9144030071526726XG', locale: 'zh-CN' });
    customerId = res.body.id;
    expect((await vendor.post('/v1/customers', { name: 'Plain' }).expect(201)).body.locale).toBe('en');
  });

  it('refuses an unknown locale or an invalid credit code for a customer with a 422, creating nothing', async () => {
    const before = (await vendor.get('/v1/customers?limit=100').expect(200)).body.data.length;
    problem(await vendor.post('/v1/customers', { name: 'Bad locale', locale: 'fr' }).expect(422), 'locale');
    problem(await vendor.post('/v1/customers', { name: 'Bad code', taxId: '9144030071526726XH' }).expect(422), 'taxId');
    problem(await vendor.patch(`/v1/customers/${customerId}`, { taxId: '914403001922038217' }).expect(422), 'taxId');
    expect((await vendor.get('/v1/customers?limit=100').expect(200)).body.data.length).toBe(before);
    expect((await vendor.get(`/v1/customers/${customerId}`).expect(200)).body.taxId).toBe('9144030071526726XG');
  });

  it('dates a finalized invoice in the contract’s timezone and makes it due net N days later', async () => {
    const contract = await vendor
      .post('/v1/contracts', {
        customerId,
        name: 'Chatbot queries',
        currency: 'CNY',
        timezone: 'Asia/Shanghai',
        taxRate: '0.06',
        startsOn: '2026-03-01',
        status: 'active',
        poReference: 'PO-2026-0042',
        paymentTermsDays: 45,
        terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '0.20', per: '1', verification: 'auto' }] },
      })
      .expect(201);
    contractId = contract.body.id;
    expect(contract.body).toMatchObject({ poReference: 'PO-2026-0042', paymentTermsDays: 45 });
    // The terms change later: the invoice keeps the terms it was issued under.
    await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q-1', type: 'query', quantity: '1000', occurredAt: '2026-03-10T00:00:00Z' }).expect(201);
    await runBilling(vendor, { period: '2026-03', contractIds: [contractId] });
    const draft = (await vendor.get(`/v1/invoices?contractId=${contractId}`).expect(200)).body.data[0];
    expect(draft).toMatchObject({ issueDate: null, dueDate: null, overdue: false, taxInvoice: null });
    const inv = (await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200)).body;
    const today = localDate(new Date(inv.finalizedAt), 'Asia/Shanghai');
    expect(inv).toMatchObject({ issueDate: today, dueDate: addDays(today, 45), timeZone: 'Asia/Shanghai', paymentTermsDays: 45, poReference: 'PO-2026-0042', overdue: false });
    const changed = await vendor.patch(`/v1/contracts/${contractId}`, { poReference: 'PO-2026-0099', paymentTermsDays: 10 }).expect(200);
    expect(changed.body).toMatchObject({ poReference: 'PO-2026-0099', paymentTermsDays: 10 });
    expect((await vendor.get(`/v1/invoices/${inv.id}`).expect(200)).body).toMatchObject({ dueDate: addDays(today, 45), poReference: 'PO-2026-0042' });
    problem(await vendor.patch(`/v1/contracts/${contractId}`, { paymentTermsDays: 400 }).expect(422), 'paymentTermsDays');
  });

  it('records the fapiao number of a finalized invoice once, and never changes it', async () => {
    const inv = (await vendor.get(`/v1/invoices?contractId=${contractId}`).expect(200)).body.data[0];
    const body = { number: '044031900111-12345678', issuedOn: '2026-04-03' };
    const res = await vendor.post(`/v1/invoices/${inv.id}/tax-invoice`, body).expect(200);
    expect(res.body.taxInvoice).toMatchObject(body);
    // A retry of the same record answers the same; a different number is refused.
    expect((await vendor.post(`/v1/invoices/${inv.id}/tax-invoice`, body).expect(200)).body.taxInvoice.number).toBe(body.number);
    const conflict = await vendor.post(`/v1/invoices/${inv.id}/tax-invoice`, { ...body, number: '044031900111-99999999' }).expect(409);
    expect(conflict.body.code).toBe('TAX_INVOICE_ALREADY_RECORDED');
    problem(await vendor.post(`/v1/invoices/${inv.id}/tax-invoice`, { number: 'no spaces allowed', issuedOn: '2026-04-03' }).expect(422), 'number');
    // The database itself refuses to rewrite it, even for the service's own role.
    await expect(t.appDb.query(`UPDATE invoice_tax_invoices SET number = 'x' WHERE invoice_id = $1`, [inv.id])).rejects.toThrow();
    await expect(t.appDb.query(`DELETE FROM invoice_tax_invoices WHERE invoice_id = $1`, [inv.id])).rejects.toThrow();
    expect((await vendor.get(`/v1/invoices/${inv.id}`).expect(200)).body.taxInvoice.number).toBe(body.number);
  });

  it('refuses a tax invoice number for a draft', async () => {
    await runBilling(vendor, { period: '2026-04', contractIds: [contractId] });
    const draft = (await vendor.get(`/v1/invoices?contractId=${contractId}&period=2026-04`).expect(200)).body.data[0];
    await vendor.post(`/v1/invoices/${draft.id}/tax-invoice`, { number: '1', issuedOn: '2026-05-03' }).expect(409);
  });
});
