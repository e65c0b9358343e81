import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { contentSha256, evidenceDigest } from '../../src/outcomes/outcome-rules';
import { customerWithContract } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

const WRITTEN = ['customers', 'contracts', 'outcomes', 'outcome_events', 'payments', 'credit_notes', 'journal_entries', 'invoices', 'idempotency_keys'];

/** Texts that normalization and UTF-16 get wrong: combining marks, NFD forms, astral emoji, ZWJ sequences. */
const TRICKY = ['e\u0301', 'A\u030a', '\u1112\u1161\u11ab', '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}', '\u{1F600}', '\u{10FFFF}', '\uFB01', '\u0958', 'ﷺ', '\u0301'];
const text = fc
  .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom(...TRICKY)), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join('').replace(/\u0000/g, ''))
  .filter((s) => s.length > 0 && s.length <= 120);
const FC = { seed: 20261202, numRuns: 25 };

describe('trust at the HTTP edge: well-formed Unicode, JSON only, parser errors, rate limits, headers', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let vendorKey: string;
  let contractId: string;
  let invoiceId: string;

  const rawPost = (path: string, body: string | Buffer, headers: Record<string, string> = { 'Content-Type': 'application/json' }) => {
    const r = t.http().post(path).set('Authorization', `Bearer ${vendorKey}`);
    for (const [k, v] of Object.entries(headers)) r.set(k, v);
    // As the bytes are: superagent would otherwise JSON-encode a Buffer.
    return r.serialize((b: any) => b).send(body as any);
  };
  const expectProblem = (res: { status: number; headers: Record<string, string>; body: any }, status: number, code?: string) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    if (code) expect(res.body.code).toBe(code);
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { AUTH_FAILURE_LIMIT_PER_MINUTE: '1000' } });
    vendorKey = (await t.createVendor('Unicode Vendor')).adminKey;
    vendor = t.as(vendorKey);
    const c = await customerWithContract(vendor, { currency: 'USD', timezone: 'UTC', taxRate: '0' });
    contractId = c.contractId;
    await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q', type: 'query', quantity: '10000', occurredAt: '2026-03-10T00:00:00Z' }).expect(201);
    await runBilling(vendor, { period: '2026-03', contractIds: [contractId] });
    const draft = (await vendor.get(`/v1/invoices?contractId=${contractId}`).expect(200)).body.data[0];
    invoiceId = (await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200)).body.id;
  });
  afterAll(() => t.close());

  describe('hashed text is well-formed and NFC, so the chain and content hashes re-verify after a round trip', () => {
    it('stores arbitrary Unicode in payment references as NFC, reads it back, and the ledger still verifies', async () => {
      let i = 0;
      await fc.assert(
        fc.asyncProperty(text, async (s) => {
          const reference = `p${i++}:${s}`;
          const res = await vendor.post(`/v1/invoices/${invoiceId}/payments`, { amount: '0.01', paidOn: '2026-04-01', reference }).expect(201);
          expect(res.body.reference).toBe(reference.normalize('NFC'));
        }),
        FC,
      );
      const payments = (await vendor.get(`/v1/invoices/${invoiceId}/payments`).expect(200)).body;
      for (const p of payments) expect(p.reference.normalize('NFC')).toBe(p.reference);
      expect((await vendor.get('/v1/ledger/verify').expect(200)).body).toMatchObject({ ok: true });
    });

    it('stores arbitrary Unicode in credit-note reasons, and the ledger still verifies', async () => {
      await fc.assert(
        fc.asyncProperty(text, async (reason) => {
          const res = await vendor.post(`/v1/invoices/${invoiceId}/credit-notes`, { reason, lines: [{ key: 'query', amount: '0.01' }] }).expect(201);
          expect(res.body.reason).toBe(reason.normalize('NFC'));
        }),
        FC,
      );
      expect((await vendor.get('/v1/ledger/verify').expect(200)).body).toMatchObject({ ok: true });
    });

    it("stores arbitrary Unicode in an outcome's dimensions and evidence (keys too), and its content and evidence hashes re-compute from what is read back", async () => {
      let i = 0;
      await fc.assert(
        fc.asyncProperty(text, text, async (a, b) => {
          const sent = {
            externalId: `u${i++}`,
            type: 'query',
            quantity: '1',
            occurredAt: '2026-04-05T00:00:00Z',
            dimensions: { site: a.slice(0, 100) },
            evidence: { [b]: a, note: [b, { deeper: a }] },
          };
          const created = await vendor.post(`/v1/contracts/${contractId}/outcomes`, sent).expect(201);
          const read = (await vendor.get(`/v1/outcomes/${created.body.id}`).expect(200)).body;
          expect(read.dimensions.site).toBe(sent.dimensions.site.normalize('NFC'));
          expect(read.evidence).toEqual({ [b.normalize('NFC')]: a.normalize('NFC'), note: [b.normalize('NFC'), { deeper: a.normalize('NFC') }] });
          expect(evidenceDigest(read.evidence)).toBe(read.evidenceSha256);
          const again = contentSha256({
            type: read.type, quantity: read.quantity, value: read.value, occurredAt: read.occurredAt, dimensions: read.dimensions,
            evidenceSha256: read.evidenceSha256, evidenceUri: read.evidenceUri, correctsOutcomeId: read.correctsOutcomeId,
          });
          expect(again).toBe(read.contentSha256);
          // The same outcome sent in NFD is the same content: a replay, not a conflict.
          await vendor.post(`/v1/contracts/${contractId}/outcomes`, { ...sent, dimensions: { site: sent.dimensions.site.normalize('NFD') } }).expect(200);
        }),
        { ...FC, numRuns: 20 },
      );
    });

    it.each([
      ['a payment reference', () => `/v1/invoices/${invoiceId}/payments`, '{"amount":"1.00","paidOn":"2026-04-01","reference":"ok\\ud800"}', 'reference'],
      ['a credit-note reason', () => `/v1/invoices/${invoiceId}/credit-notes`, '{"reason":"\\udfff outage"}', 'reason'],
      ['a dimension', () => `/v1/contracts/${contractId}/outcomes`, '{"externalId":"s1","type":"query","quantity":"1","occurredAt":"2026-04-05T00:00:00Z","dimensions":{"site":"\\ud83d"}}', 'dimensions.site'],
      ['a key deep in evidence', () => `/v1/contracts/${contractId}/outcomes`, '{"externalId":"s2","type":"query","quantity":"1","occurredAt":"2026-04-05T00:00:00Z","evidence":{"a":[1,{"\\ud800x":"v"}]}}', 'evidence.a[1].\ud800x'],
      ['a batch item', () => '/v1/outcomes/batch', '{"outcomes":[{"contractId":"00000000-0000-7000-8000-000000000000","externalId":"s3","type":"query","quantity":"1","occurredAt":"2026-04-05T00:00:00Z"},{"externalId":"x\\udc00"}]}', 'outcomes[1].externalId'],
    ])('refuses a lone surrogate in %s with 422 naming the field, writing nothing', async (_what, path, body, field) => {
      const before = await t.counts(WRITTEN);
      const res = await rawPost(path(), body);
      expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await t.counts(WRITTEN)).toEqual(before);
    });

    it('refuses two keys that are the same once NFC-normalized', async () => {
      const res = await rawPost(`/v1/contracts/${contractId}/outcomes`, '{"externalId":"n1","type":"query","quantity":"1","occurredAt":"2026-04-05T00:00:00Z","evidence":{"\u00e9":1,"e\u0301":2}}');
      expectProblem(res, 422, 'VALIDATION_FAILED');
    });
  });

  describe('JSON only', () => {
    it('registers no urlencoded or multipart parser', () => {
      const names = (t.app.getHttpAdapter().getInstance().router.stack as Array<{ name: string }>).map((l) => l.name);
      expect(names).toContain('jsonOnlyBodyParser');
      expect(names).not.toContain('urlencodedParser');
      expect(names).not.toContain('jsonParser');
    });

    it.each([
      ['form-encoded', 'application/x-www-form-urlencoded', 'name=Form+Customer'],
      ['multipart', 'multipart/form-data; boundary=X', '--X\r\nContent-Disposition: form-data; name="name"\r\n\r\nForm Customer\r\n--X--\r\n'],
      ['text/plain', 'text/plain', '{"name":"Text Customer"}'],
      ['JSON in UTF-16', 'application/json; charset=utf-16', '{"name":"Wide"}'],
      ['JSON in latin1', 'application/json; charset=iso-8859-1', '{"name":"Latin"}'],
    ])('answers 415 to a %s body and creates no customer', async (_what, type, body) => {
      const before = await t.counts(WRITTEN);
      expectProblem(await rawPost('/v1/customers', body, { 'Content-Type': type }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(await t.counts(WRITTEN)).toEqual(before);
    });

    it('answers 415 to a body sent without a content type, and to form-encoded payments and billing runs', async () => {
      const before = await t.counts(WRITTEN);
      const noType = await rawPost('/v1/customers', Buffer.from('{"name":"No type!!"}'), {});
      expectProblem(noType, 415);
      const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
      expectProblem(await rawPost(`/v1/invoices/${invoiceId}/payments`, 'amount=1.00&paidOn=2026-04-01', form), 415);
      expectProblem(await rawPost('/v1/billing-runs', 'period=2026-04', form), 415);
      expectProblem(await rawPost(`/v1/contracts/${contractId}/terminate`, 'x=1', form), 415);
      expect(await t.counts(WRITTEN)).toEqual(before);
    });

    it('runs an all-optional action on no body at all, but never turns an unreadable body into {}', async () => {
      const c = await customerWithContract(vendor);
      const before = await t.counts(WRITTEN);
      expectProblem(await rawPost(`/v1/contracts/${c.contractId}/terminate`, 'garbage', { 'Content-Type': 'application/json' }), 400, 'MALFORMED_JSON');
      expectProblem(await rawPost(`/v1/contracts/${c.contractId}/terminate`, Buffer.from([0x7b, 0xff, 0x7d]), { 'Content-Type': 'application/json' }), 400, 'MALFORMED_JSON');
      expect(await t.counts(WRITTEN)).toEqual(before);
      expect((await vendor.get(`/v1/contracts/${c.contractId}`).expect(200)).body.status).toBe('active');
      await vendor.post(`/v1/contracts/${c.contractId}/terminate`).expect((r) => expect(r.status).toBeLessThan(300));
    });

    it('maps every body-reader failure to its 4xx', async () => {
      const before = await t.counts(WRITTEN);
      const json = (h: Record<string, string>) => ({ 'Content-Type': 'application/json', ...h });
      expectProblem(await rawPost('/v1/customers', '{"name":"x"}', json({ 'Content-Encoding': 'compress' })), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectProblem(await rawPost('/v1/customers', Buffer.from('not gzip at all'), json({ 'Content-Encoding': 'gzip' })), 400, 'BODY_UNREADABLE');
      expectProblem(await rawPost('/v1/customers', Buffer.from('not brotli'), json({ 'Content-Encoding': 'br' })), 400, 'BODY_UNREADABLE');
      expectProblem(await rawPost('/v1/customers', gzipSync(JSON.stringify({ name: 'z'.repeat(2_000_000) })), json({ 'Content-Encoding': 'gzip' })), 413, 'BODY_TOO_LARGE');
      expectProblem(await rawPost('/v1/customers', JSON.stringify({ name: 'x'.repeat(1_100_000) })), 413, 'BODY_TOO_LARGE');
      expectProblem(await rawPost('/v1/customers', `{"name":"deep","x":${'['.repeat(5000)}${']'.repeat(5000)}}`), 400, 'BODY_TOO_DEEP');
      expectProblem(await rawPost(`/v1/contracts/${contractId}/outcomes`, `{"evidence":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`), 400, 'BODY_TOO_DEEP');
      // gzip that is well-formed is read.
      await rawPost('/v1/customers', gzipSync(JSON.stringify({ name: 'Zipped Co.' })), json({ 'Content-Encoding': 'gzip' })).expect(201);
      expect((await t.counts(WRITTEN)).customers).toBe(before.customers + 1);
    });

    it('refuses null for a declared field, at any depth, with 422 naming it (never 500)', async () => {
      const before = await t.counts(WRITTEN);
      const pay = await vendor.post(`/v1/invoices/${invoiceId}/payments`, { amount: '1.00', paidOn: '2026-04-01', reference: null });
      expectProblem(pay, 422, 'VALIDATION_FAILED');
      expect(pay.body.errors).toEqual([{ field: 'reference', message: 'reference must not be null: leave the field out instead' }]);
      const credit = await vendor.post(`/v1/invoices/${invoiceId}/credit-notes`, { reason: 'x', lines: [{ key: 'query', amount: null }] });
      expectProblem(credit, 422);
      expect(credit.body.errors.map((e: { field: string }) => e.field)).toContain('lines[0].amount');
      expectProblem(await vendor.patch(`/v1/customers/${(await vendor.get('/v1/customers').expect(200)).body.data[0].id}`, { name: null }), 422);
      expect(await t.counts(WRITTEN)).toEqual(before);
    });
  });

  it.each(['bearer ', 'BEARER ', 'Bearer  ', 'Bearer\t', 'Basic ', 'Bearer'])('answers 401 problem+json to the Authorization scheme spelled %j before a valid key', async (scheme) => {
    const res = await t.http().get('/v1/customers').set('Authorization', `${scheme}${vendorKey}`);
    expectProblem(res, 401, 'API_KEY_MISSING');
  });

  describe('security headers', () => {
    it('sends nosniff, frame denial, a CSP, no-referrer and no-store on authenticated answers, and no HSTS over plain HTTP', async () => {
      const res = await vendor.get('/v1/customers').expect(200);
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      });
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['strict-transport-security']).toBeUndefined();
      for (const [path, type] of [
        [`/v1/invoices/${invoiceId}/pdf`, 'application/pdf'],
        ['/v1/invoices.csv?period=2026-03', 'text/csv'],
        [`/v1/contracts/${contractId}/evidence`, 'application/zip'],
        ['/v1/ledger/verify', 'application/json'],
      ]) {
        const answer = await vendor.get(path).buffer(true).parse((r, cb) => { r.on('data', () => undefined); r.on('end', () => cb(null, null)); });
        expect([answer.status, answer.headers['content-type']?.split(';')[0], answer.headers['cache-control']]).toEqual([200, type, 'no-store']);
      }
      expect((await t.http().get('/v1/customers').set('Authorization', 'Bearer nope')).headers['cache-control']).toBe('no-store');
    });

    it('lets Swagger UI load under its CSP: its scripts are files from the same origin', async () => {
      const page = await t.http().get('/docs/').expect(200);
      const csp = page.headers['content-security-policy'];
      expect(csp).toContain("script-src 'self'");
      expect(page.text).not.toMatch(/<script>(?!\s*<\/script>)/);
      for (const src of page.text.match(/src="([^"]+\.js)"/g) ?? []) {
        const file = src.slice(5, -1).replace(/^\.\//, '/docs/');
        await t.http().get(file.startsWith('/') ? file : `/docs/${file}`).expect(200);
      }
      await t.http().get('/openapi.json').expect(200);
    });
  });
});
