import fc from 'fast-check';
import request from 'supertest';
import { customerWithContract, issueKey } from '../support/fixtures';
import { createTestApp, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

/**
 * A bounded, seeded fuzz over every operation of /openapi.json, as a vendor admin, a customer and
 * an auditor. Each generated request is malformed in a way that must be refused (bad ids, wrong
 * types, huge or negative numbers, lone surrogates, deep nesting, nulls, unknown fields, wrong
 * content types): it must answer a 4xx application/problem+json and write no row. Query-string
 * variants of reads may legitimately answer 200; they must still never answer 5xx.
 */

const SEED = 11_2026;
const MUST_REFUSE_RUNS = 420;
const QUERY_RUNS = 180;

interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  params: Array<{ name: string; in: string; type?: string; required: boolean }>;
  body?: { properties: Record<string, Schema>; required: string[] };
}
interface Schema {
  type?: string;
  $ref?: string;
  enum?: unknown[];
  items?: Schema;
}

type Role = 'vendor_admin' | 'customer' | 'auditor';

interface Planned {
  op: Operation;
  role: Role;
  url: string;
  contentType?: string;
  body?: string;
  headers: Record<string, string>;
  why: string;
}

const UNKNOWN_UUID = '01a23575-0000-7000-8000-000000000000';
const BAD_IDS = [
  'not-a-uuid', '-1', '0', '1e400', '99999999999999999999999', "1'; DROP TABLE outcomes; --", '%00', '%ED%A0%80', '%F0%9F%98%80',
  '..%2F..%2Fetc%2Fpasswd', 'x'.repeat(3000), UNKNOWN_UUID, '01A23575-0000-7000-8000-00000000000Z', '%7B%7D',
];
const LONE = '"\\ud800"';
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

/** JSON texts of a value the property must refuse: another JSON type, or its own type made invalid. */
function wrongValues(s: Schema): string[] {
  const type = s.type ?? (s.$ref ? 'object' : undefined);
  const byType: Record<string, string[]> = {
    string: ['"\\u0000"', `"${'y'.repeat(20_000)}"`],
    number: ['-1', '1e308', '123456789012345678901234567890'],
    boolean: ['true', 'false'],
    array: ['[]', '[null]', '[1,"a",{}]'],
    object: ['{}', '{"zz_unknown":1}'],
  };
  const otherTypes = Object.keys(byType).filter((k) => k !== type && !(type === 'object' && k === 'array'));
  const out = otherTypes.flatMap((k) => byType[k].slice(0, 2));
  if (type === 'string') out.push(LONE, '"\\u0000"', `"${'y'.repeat(20_000)}"`);
  if (type === 'array') out.push(`[${LONE}]`, `[${deep(40)}]`, '[' + Array.from({ length: 2000 }, () => '"a"').join(',') + ']');
  if (type === 'object') out.push(`{"k":${LONE}}`, `{"a":${deep(40)}}`, '{"__proto__":{"admin":true}}');
  return out;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const USAGE_TERMS = { components: [{ type: 'usage', metric: 'query', unitPrice: '0.20', verification: 'auto' }] };

/** One valid body per operation that takes one: the fuzz breaks exactly one part of it. */
const VALID_BODIES: Record<string, (ids: Record<string, string>) => Json> = {
  'post /v1/customers': () => ({ name: 'Fuzz Co', reference: 'F-1' }),
  'patch /v1/customers/{id}': () => ({ name: 'Renamed Co', reference: 'F-2' }),
  'post /v1/contracts': (ids) => ({ customerId: ids.customers, name: 'C', currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-03-01', terms: USAGE_TERMS }),
  'post /v1/contracts/{id}/terms': () => ({ effectiveFrom: '2026-05-01', terms: USAGE_TERMS }),
  'post /v1/contracts/{id}/terminate': () => ({ endsOn: '2026-12-31' }),
  'post /v1/contracts/{id}/outcomes': () => ({ externalId: 'fz', type: 'query', quantity: '1', occurredAt: '2026-04-01T00:00:00Z', dimensions: { site: 'S' }, evidence: { a: [1, 'b'] } }),
  'post /v1/outcomes/batch': (ids) => ({ outcomes: [{ contractId: ids.contracts, externalId: 'fzb', type: 'query', quantity: '1', occurredAt: '2026-04-01T00:00:00Z' }] }),
  'post /v1/outcomes/verify': (ids) => ({ ids: [ids.outcomes], reason: 'ok' }),
  'post /v1/outcomes/reject': (ids) => ({ ids: [ids.outcomes], reason: 'no' }),
  'post /v1/outcomes/{id}/verify': () => ({ reason: 'ok' }),
  'post /v1/outcomes/{id}/reject': () => ({ reason: 'no' }),
  'post /v1/outcomes/{id}/dispute': () => ({ reason: 'no' }),
  'post /v1/outcomes/{id}/uphold': () => ({ reason: 'ok' }),
  'post /v1/outcomes/{id}/reverse': () => ({ reason: 'no' }),
  'post /v1/outcomes/{id}/corrections': () => ({ externalId: 'fzc', quantity: '2', reason: 'fix' }),
  'post /v1/invoices/{id}/payments': () => ({ amount: '1.00', paidOn: '2026-04-01', reference: 'R-1' }),
  'post /v1/invoices/{id}/credit-notes': () => ({ reason: 'x', lines: [{ key: 'query', amount: '1.00' }] }),
  'post /v1/billing-runs': (ids) => ({ period: '2026-04', contractIds: [ids.contracts] }),
  'post /v1/api-keys': (ids) => ({ name: 'k', role: 'auditor', contractIds: [ids.contracts] }),
  'post /v1/webhook-endpoints': () => ({ url: 'https://hooks.example.com/x', eventTypes: ['invoice.finalized'], description: 'd' }),
};

/** Paths into a body that a DTO types (free JSON such as evidence is data: any value is valid there). */
function typedPaths(v: Json, path: Array<string | number> = []): Array<Array<string | number>> {
  const here = path.length ? [path] : [];
  if (path[path.length - 1] === 'evidence' || path[path.length - 1] === 'dimensions') return here;
  if (Array.isArray(v)) return [...here, ...v.flatMap((x, i) => typedPaths(x, [...path, i]))];
  if (v && typeof v === 'object') return [...here, ...Object.entries(v).flatMap(([k, x]) => typedPaths(x, [...path, k]))];
  return here;
}

const valueAt = (body: Json, path: Array<string | number>): any => path.reduce((v: any, k) => v[k], body);

const MARK = '__fuzz_value__';

/** The body with the value at `path` replaced by `raw` JSON text (a lone surrogate cannot go through JSON.stringify). */
function replaceAt(body: Json, path: Array<string | number>, raw: string): string {
  const copy = structuredClone(body);
  valueAt(copy, path.slice(0, -1))[path[path.length - 1]] = MARK;
  return JSON.stringify(copy).replace(`"${MARK}"`, raw);
}

/** Values that the part of a valid body at `original`'s place must refuse. */
function breakers(original: Json): string[] {
  const common = [LONE, `{"a":${deep(40)}}`];
  if (typeof original === 'string') return [...common, '42', '-1', 'true', '[]', '{}', 'null', '"\\u0000"', `"${'y'.repeat(20_000)}"`];
  if (Array.isArray(original)) return [...common, '"x"', '42', '{}', 'null', `[${LONE}]`, '[null]', '[' + Array.from({ length: 10_001 }, () => '"a"').join(',') + ']'];
  if (original && typeof original === 'object') return [...common, '"x"', '42', '[]', 'null', '{"zz_unknown":1}'];
  return [...common, '"x"', '[]', '{}', 'null'];
}

describe('fuzz over the OpenAPI document', () => {
  let t: TestApp;
  let ops: Operation[];
  let tables: string[];
  const keys = {} as Record<Role, string>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    const { adminKey } = await t.createVendor('Fuzzed Vendor');
    keys.vendor_admin = adminKey;
    const vendor = t.as(adminKey);
    const c = await customerWithContract(vendor, { currency: 'USD', timezone: 'UTC', taxRate: '0' });
    ids.customers = c.customerId;
    ids.contracts = c.contractId;
    keys.customer = await issueKey(vendor, { role: 'customer', customerId: c.customerId });
    keys.auditor = await issueKey(vendor, { role: 'auditor', contractIds: [c.contractId] });
    const outcome = await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'q', type: 'query', quantity: '100', occurredAt: '2026-03-10T00:00:00Z' }).expect(201);
    ids.outcomes = outcome.body.id;
    ids['billing-runs'] = (await runBilling(vendor, { period: '2026-03', contractIds: [c.contractId] })).body.id;
    const draft = (await vendor.get(`/v1/invoices?contractId=${c.contractId}`).expect(200)).body.data[0];
    ids.invoices = (await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200)).body.id;
    ids['api-keys'] = (await vendor.get('/v1/api-keys').expect(200)).body.data?.[0]?.id ?? UNKNOWN_UUID;
    ids['ledger/entries'] = (await vendor.get('/v1/ledger/entries').expect(200)).body.data[0].id;
    ids['webhook-events'] = (await vendor.get('/v1/webhook-events').expect(200)).body.data?.[0]?.id ?? UNKNOWN_UUID;
    ids['webhook-endpoints'] = UNKNOWN_UUID;

    const doc = (await t.http().get('/openapi.json').expect(200)).body;
    const resolve = (s: Schema): any => (s.$ref ? doc.components.schemas[s.$ref.split('/').pop()!] : s);
    ops = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, o]) => {
        const schema = o.requestBody?.content?.['application/json']?.schema;
        const resolved = schema ? resolve(schema) : undefined;
        return {
          method: method as Operation['method'],
          path,
          params: (o.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in, type: p.schema?.type, required: !!p.required })),
          body: resolved ? { properties: resolved.properties ?? {}, required: resolved.required ?? [] } : undefined,
        };
      }),
    );
    tables = (
      await t.db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('migrations', 'typeorm_metadata') ORDER BY 1`)
    ).map((r: { tablename: string }) => r.tablename);
  });
  afterAll(() => t.close());

  /** The real id of the resource a path names, so a malformed body is not refused merely as a 404. */
  const realId = (path: string): string => {
    const m = /^\/v1\/([a-z-]+(?:\/entries)?)\/\{id\}/.exec(path);
    return (m && ids[m[1]]) || UNKNOWN_UUID;
  };
  const fill = (op: Operation, id: string, period = '2026-03') =>
    op.path.replace('{id}', id).replace('{period}', period);
  const requiredQuery = (op: Operation) =>
    op.params.filter((p) => p.in === 'query' && p.required).map((p) => `${p.name}=2026-03`).join('&');

  /** Requests that must be refused: 4xx problem+json, nothing written. */
  const mustRefuse = (): fc.Arbitrary<Planned> =>
    fc
      .record({
        op: fc.constantFrom(...ops.filter((o) => o.path !== '/health' && !o.path.startsWith('/docs') && !o.path.startsWith('/openapi'))),
        role: fc.constantFrom<Role>('vendor_admin', 'customer', 'auditor'),
        badId: fc.constantFrom(...BAD_IDS),
        pick: fc.nat(),
        kind: fc.constantFrom('mutate', 'mutate', 'mutate', 'mutate', 'nested-unknown', 'bad-id', 'bad-period', 'wrong-type', 'null', 'unknown-field', 'top-level', 'content-type', 'not-json', 'deep', 'surrogate', 'idempotency'),
      })
      .map(({ op, role, badId, pick, kind }): Planned => {
        const hasPath = op.path.includes('{');
        const query = requiredQuery(op);
        const url = (id: string, period?: string) => `${fill(op, id, period)}${query ? `?${query}` : ''}`;
        const json = 'application/json';
        const props = Object.entries(op.body?.properties ?? {});
        const base: Planned = { op, role, url: url(realId(op.path)), headers: {}, why: kind };
        const onBody = op.body && props.length > 0;
        switch (kind) {
          case 'mutate':
          case 'nested-unknown': {
            const valid = VALID_BODIES[`${op.method} ${op.path}`]?.(ids);
            if (valid === undefined) break;
            const paths = typedPaths(valid);
            if (kind === 'nested-unknown') {
              const objects = [[], ...paths].filter((p) => { const v = valueAt(valid, p); return v && typeof v === 'object' && !Array.isArray(v); });
              const target = objects[pick % objects.length];
              const copy = structuredClone(valid);
              valueAt(copy, target).zz_fuzz = 1;
              return { ...base, contentType: json, body: JSON.stringify(copy), why: `unknown field at ${target.join('.') || '(top)'}` };
            }
            const path = paths[pick % paths.length];
            const values = breakers(valueAt(valid, path));
            const value = values[Math.floor(pick / paths.length) % values.length];
            return { ...base, contentType: json, body: replaceAt(valid, path, value), why: `${path.join('.')} = ${value.slice(0, 40)}` };
          }
          case 'bad-id':
            if (hasPath) return { ...base, url: url(badId), contentType: op.method === 'get' ? undefined : json, body: op.method === 'get' ? undefined : '{}', why: `bad id ${badId.slice(0, 40)}` };
            break;
          case 'bad-period':
            if (op.path.includes('{period}')) return { ...base, url: url(realId(op.path), ['2026-13', '0000-00', '2026-3', '%ED%A0%80', '9999-99-99'][pick % 5]), why: 'bad period' };
            break;
          case 'wrong-type':
          case 'null': {
            if (!onBody) break;
            const [name, schema] = props[pick % props.length];
            const values = kind === 'null' ? ['null'] : wrongValues(schema);
            const value = values[pick % values.length];
            return { ...base, contentType: json, body: `{${JSON.stringify(name)}:${value}}`, why: `${name} = ${value.slice(0, 40)}` };
          }
          case 'unknown-field':
            if (!op.body) break;
            return { ...base, contentType: json, body: `{"zz_fuzz_${pick % 7}":1}`, why: 'unknown field' };
          case 'top-level':
            if (!op.body) break;
            return { ...base, contentType: json, body: ['[]', '[{}]', '"text"', '42', 'null', 'true', '[[[]]]'][pick % 7], why: 'top-level not an object' };
          case 'content-type': {
            const [type, body] = (
              [
                ['application/x-www-form-urlencoded', 'name=x&period=2026-03&amount=1'],
                ['multipart/form-data; boundary=B', '--B\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--B--\r\n'],
                ['text/plain', '{}'],
                ['application/xml', '<a/>'],
                ['application/json; charset=utf-16', '{}'],
                ['', '{}'],
              ] as const
            )[pick % 6];
            return { ...base, contentType: type || undefined, body, why: `content type ${type || 'none'}` };
          }
          case 'not-json':
            return { ...base, contentType: json, body: ['{', '{"a":}', "{'a':1}", '{"a":1}}', '\u00ff\u00fe', '{"a":NaN}'][pick % 6], why: 'malformed JSON' };
          case 'deep':
            return { ...base, contentType: json, body: `{"a":${deep(33 + (pick % 5000))}}`, why: 'deep nesting' };
          case 'surrogate':
            return { ...base, contentType: json, body: `{"${['name', 'reason', 'reference', 'x'][pick % 4]}":"a\\udc00b"}`, why: 'lone surrogate' };
          case 'idempotency':
            if (op.method !== 'post') break;
            return { ...base, contentType: json, body: `{"zz_fuzz":${LONE}}`, headers: { 'Idempotency-Key': pick % 2 ? 'k'.repeat(300) : `fuzz-${pick}` }, why: 'idempotency key with a bad body' };
        }
        // The operation has no such part: fall back to a malformed body, which every route must refuse.
        return { ...base, contentType: json, body: `{"a":${LONE}}`, why: `${kind} n/a: lone surrogate body` };
      });

  /** Reads with malformed query strings: may answer 200, never 5xx. */
  const queryVariants = (): fc.Arbitrary<Planned> =>
    fc
      .record({
        op: fc.constantFrom(...ops.filter((o) => o.method === 'get' && o.params.some((p) => p.in === 'query' || p.in === 'header'))),
        role: fc.constantFrom<Role>('vendor_admin', 'customer', 'auditor'),
        pick: fc.nat(),
        value: fc.constantFrom(
          '-1', '0', '1e400', '99999999999999999999', 'abc', '', '%ED%A0%80', '%00', 'x'.repeat(5000), '2026-02-30', '2026-13',
          '1970-01-01', '2999-12-31', '%27%3B--', 'null', 'true', '[]', '{}',
        ),
        shape: fc.constantFrom('plain', 'array', 'nested', 'unknown', 'accept'),
      })
      .map(({ op, role, pick, value, shape }): Planned => {
        const params = op.params.filter((p) => p.in === 'query');
        const name = params.length ? params[pick % params.length].name : 'q';
        const others = params.filter((p) => p.required && p.name !== name).map((p) => `${p.name}=2026-03`);
        const q =
          shape === 'array' ? `${name}[]=${value}&${name}[]=2`
          : shape === 'nested' ? `${name}[a][b][c][d][e][f][g]=${value}`
          : shape === 'unknown' ? `zz_fuzz=${value}&${name}=${value}`
          : `${name}=${value}`;
        const headers: Record<string, string> = shape === 'accept' ? { Accept: ['text/csv', 'application/pdf', '*/*', 'x/y', 'application/json;q=0'][pick % 5] } : {};
        return { op, role, url: `${fill(op, realId(op.path))}?${[...others, q].join('&')}`, headers, why: `query ${shape} ${name}=${value.slice(0, 30)}` };
      });

  async function send(p: Planned): Promise<request.Response> {
    const r = request(t.app.getHttpServer())[p.op.method](p.url).set('Authorization', `Bearer ${keys[p.role]}`);
    for (const [k, v] of Object.entries(p.headers)) r.set(k, v);
    if (p.body === undefined) return r;
    if (p.contentType) r.set('Content-Type', p.contentType);
    // The bytes as planned: superagent would re-encode them otherwise.
    return r.serialize((b: any) => b).send(p.body as any);
  }

  const describeReq = (p: Planned, res: request.Response) =>
    `${p.op.method.toUpperCase()} ${p.url.slice(0, 120)} as ${p.role} (${p.why}) → ${res.status} ${String(res.headers['content-type'])} ${JSON.stringify(res.body).slice(0, 200)}`;

  it(`refuses ${MUST_REFUSE_RUNS} malformed requests across every operation with 4xx problem+json, writing no row`, async () => {
    const planned = fc.sample(mustRefuse(), { seed: SEED, numRuns: MUST_REFUSE_RUNS });
    expect(new Set(planned.map((p) => `${p.op.method} ${p.op.path}`)).size).toBeGreaterThan(ops.length * 0.8);
    const before = await t.counts(tables);
    const findings: string[] = [];
    for (const p of planned) {
      const res = await send(p);
      const problem = res.status >= 400 && res.status < 500 && /^application\/problem\+json/.test(String(res.headers['content-type']));
      // The batch answers 200 with one error per item: refused item by item, still nothing written.
      const refusedItems = p.op.path === '/v1/outcomes/batch' && res.status === 200 && res.body.results?.every((r: any) => r.status === 'error');
      if (!problem && !refusedItems) findings.push(describeReq(p, res));
    }
    expect(findings).toEqual([]);
    expect(await t.counts(tables)).toEqual(before);
  });

  it(`answers ${QUERY_RUNS} reads with malformed query strings without a 5xx, every 4xx as problem+json`, async () => {
    const planned = fc.sample(queryVariants(), { seed: SEED + 1, numRuns: QUERY_RUNS });
    const findings: string[] = [];
    for (const p of planned) {
      const res = await send(p);
      if (res.status >= 500 || (res.status >= 400 && !/^application\/problem\+json/.test(String(res.headers['content-type']))))
        findings.push(describeReq(p, res));
    }
    expect(findings).toEqual([]);
  });
});
