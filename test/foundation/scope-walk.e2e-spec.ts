// Walks every GET route of the app, read from its own OpenAPI document (a new route is walked
// without editing this file), as three restricted callers, and checks each answer against the
// database: no answer names a row outside the caller's scope, and an id outside it answers 404.
import { seedVendor, type SeededVendor } from '../reports/support';
import { createTestApp, type TestApp } from '../support/test-app';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The table whose ids a path parameter names, by the path segment before it. */
const KIND_OF_SEGMENT: Record<string, string> = {
  customers: 'customers',
  contracts: 'contracts',
  outcomes: 'outcomes',
  invoices: 'invoices',
  'billing-runs': 'billing_runs',
  entries: 'journal_entries',
  'webhook-events': 'webhook_events',
  'webhook-endpoints': 'webhook_endpoints',
  'credit-notes': 'credit_notes',
  verifiers: 'verifiers',
};
/** A nested route (`/invoices/{id}/credit-notes/{creditNoteId}`): the parent id comes from the child's row. */
const PARENT_COLUMN: Record<string, string> = { credit_notes: 'invoice_id' };
/** The table an id query parameter names (`?contractId=`). */
const KIND_OF_QUERY: Record<string, string> = {
  contractId: 'contracts',
  customerId: 'customers',
  invoiceId: 'invoices',
};
const PERIOD = '2026-03';
/** Values of required query parameters, by name. */
const REQUIRED_QUERY: Record<string, string> = { period: PERIOD };

interface Caller {
  name: string;
  key: string;
  keyId: string;
  vendorId: string;
  customerId: string | null;
  contractIds: string[] | null;
}

/** Ids by table of every row of both vendors; and, per caller, those inside its scope. */
type Ids = Map<string, Set<string>>;

/**
 * The scope rules written out over the tables, independently of the code under test: a customer
 * key sees its customer's contracts and what hangs off them; an auditor granted contracts sees
 * those and their customers; every key sees only its vendor. Keys, webhooks: the vendor's admin only.
 */
async function idsInScope(t: TestApp, c: Caller | null): Promise<Ids> {
  const restricted = c !== null && (c.customerId !== null || c.contractIds !== null);
  const params = c ? [c.vendorId, c.customerId, c.contractIds, c.keyId] : [null, null, null, null];
  const contracts = `SELECT id FROM contracts WHERE ($1::uuid IS NULL OR vendor_id = $1) AND ($2::uuid IS NULL OR customer_id = $2)
                       AND ($3::uuid[] IS NULL OR id = ANY($3))`;
  const customers = restricted
    ? `SELECT customer_id FROM contracts WHERE id IN (${contracts}) UNION SELECT $2::uuid WHERE $2::uuid IS NOT NULL`
    : `SELECT id FROM customers WHERE ($1::uuid IS NULL OR vendor_id = $1)`;
  const vendorOnly = (table: string) => `SELECT id FROM ${table} WHERE ($1::uuid IS NULL OR vendor_id = $1) AND NOT ${restricted}`;
  const sql: Record<string, string> = {
    vendors: `SELECT id FROM vendors WHERE $1::uuid IS NULL OR id = $1`,
    customers: `SELECT id FROM customers WHERE id IN (${customers})`,
    contracts,
    terms_versions: `SELECT id FROM terms_versions WHERE contract_id IN (${contracts})`,
    outcomes: `SELECT id FROM outcomes WHERE contract_id IN (${contracts})`,
    outcome_events: `SELECT id FROM outcome_events WHERE outcome_id IN (SELECT id FROM outcomes WHERE contract_id IN (${contracts}))`,
    invoices: `SELECT id FROM invoices WHERE contract_id IN (${contracts})`,
    credit_notes: `SELECT id FROM credit_notes WHERE invoice_id IN (SELECT id FROM invoices WHERE contract_id IN (${contracts}))`,
    payments: `SELECT id FROM payments WHERE invoice_id IN (SELECT id FROM invoices WHERE contract_id IN (${contracts}))`,
    billing_runs: `SELECT id FROM billing_runs WHERE ($1::uuid IS NULL OR vendor_id = $1)
                     AND (NOT ${restricted} OR (contract_ids IS NOT NULL AND contract_ids <@ ARRAY(${contracts})))`,
    journal_entries: `SELECT id FROM journal_entries WHERE ($1::uuid IS NULL OR vendor_id = $1)
                        AND (NOT ${restricted} OR contract_id IN (${contracts}) OR (contract_id IS NULL AND customer_id IN (${customers})))`,
    export_log: `SELECT id FROM export_log WHERE ($1::uuid IS NULL OR vendor_id = $1)
                   AND (NOT ${restricted} OR key_id = $4 OR contract_id IN (${contracts}) OR (contract_id IS NULL AND customer_id IN (${customers})))`,
    // A restricted key sees itself, and the keys its rows name as their actor ("who", in an outcome's events).
    api_keys: `SELECT id FROM api_keys WHERE ($1::uuid IS NULL OR vendor_id = $1) AND (NOT ${restricted} OR id = $4
                 OR id IN (SELECT actor_key_id FROM outcome_events WHERE outcome_id IN (SELECT id FROM outcomes WHERE contract_id IN (${contracts}))))`,
    webhook_endpoints: vendorOnly('webhook_endpoints'),
    webhook_events: vendorOnly('webhook_events'),
    webhook_deliveries: vendorOnly('webhook_deliveries'),
    verifiers: vendorOnly('verifiers'),
  };
  const out: Ids = new Map();
  for (const [table, q] of Object.entries(sql)) {
    // A query that leaves a parameter out still has to type it: the CTE names each once.
    const rows: Array<{ id: string }> = await t.db.query(`WITH p AS (SELECT $1::uuid, $2::uuid, $3::uuid[], $4::uuid) SELECT id::text FROM (${q}) x`, params);
    out.set(table, new Set(rows.map((r) => r.id.toLowerCase())));
  }
  return out;
}

describe('scope walk: every GET route as a restricted auditor, a bound customer and a foreign vendor', () => {
  let t: TestApp;
  let a: SeededVendor;
  let b: SeededVendor;
  let callers: Caller[];
  let routes: Array<{ path: string; query: string[]; required: string }>;

  beforeAll(async () => {
    t = await createTestApp();
    a = await seedVendor(t, ['inspection', 'seats', 'chatbot']);
    b = await seedVendor(t, ['chatbot']);
    for (const v of [a, b]) {
      // A payment and an evidence export, so that payments, ledger entries and the export log have rows of each vendor.
      const [invoice] = [...v.invoices.values()];
      await v.vendor.post('/v1/verifiers', { key: 'walk-bureau', name: 'Walk Bureau' }).expect(201);
      await v.vendor
        .post(`/v1/invoices/${invoice.id}/payments`, {
          amount: '1.00',
          paidOn: '2026-04-15',
          reference: 'walk',
        })
        .expect(201);
      await v.vendor.get(`/v1/contracts/${v.contracts.get('chatbot')!.contractId}/evidence`).expect(200);
    }
    const key = async (v: SeededVendor, body: Record<string, unknown>) => {
      const res = await v.vendor.post('/v1/api-keys', { name: 'walker', ...body }).expect(201);
      return { key: res.body.secret as string, keyId: res.body.id as string };
    };
    const granted = [a.contracts.get('inspection')!.contractId, a.contracts.get('seats')!.contractId];
    const bound = a.contracts.get('chatbot')!.customerId;
    callers = [
      {
        name: 'an auditor granted two of three contracts',
        vendorId: a.vendorId,
        customerId: null,
        contractIds: granted,
        ...(await key(a, { role: 'auditor', contractIds: granted })),
      },
      {
        name: 'a customer key bound to one customer',
        vendorId: a.vendorId,
        customerId: bound,
        contractIds: null,
        ...(await key(a, { role: 'customer', customerId: bound })),
      },
      {
        name: 'an admin key of the foreign vendor',
        vendorId: b.vendorId,
        customerId: null,
        contractIds: null,
        ...(await key(b, { role: 'vendor_admin' })),
      },
    ];
    const doc = (await t.http().get('/openapi.json').expect(200)).body;
    routes = Object.entries<any>(doc.paths)
      .filter(([, ops]) => ops.get)
      .map(([path, ops]) => ({
        path,
        query: (ops.get.parameters ?? []).filter((p: any) => p.in === 'query' && KIND_OF_QUERY[p.name]).map((p: any) => p.name),
        required: (ops.get.parameters ?? [])
          .filter((p: any) => p.in === 'query' && p.required)
          .map((p: any) => {
            if (!REQUIRED_QUERY[p.name]) throw new Error(`walk ${path}: add a value for the required query parameter ${p.name}`);
            return `${p.name}=${REQUIRED_QUERY[p.name]}`;
          })
          .join('&'),
      }));
  }, 300_000);
  afterAll(() => t?.close());

  /** Every uuid in the answer that is the id of a row outside the scope, with its table. */
  function outside(body: string, all: Ids, mine: Ids, except: string[] = []): string[] {
    const leaks = new Set<string>();
    for (const m of body.match(UUID) ?? []) {
      const id = m.toLowerCase();
      if (except.includes(id)) continue;
      for (const [table, ids] of all) if (ids.has(id) && !mine.get(table)!.has(id)) leaks.add(`${table} ${id}`);
    }
    return [...leaks];
  }

  const textOf = (res: { text?: string; body: unknown; headers: Record<string, string> }) =>
    /json|csv|text/.test(res.headers['content-type'] ?? '') ? (res.text ?? JSON.stringify(res.body)) : '';

  it('covers the routes of every domain', () => {
    const paths = routes.map((r) => r.path).join(' ');
    for (const p of [
      '/v1/customers/{id}',
      '/v1/billing-runs/{id}',
      '/v1/outcomes/{id}',
      '/v1/invoices/{id}',
      '/v1/ledger/entries/{id}',
      '/v1/reports/portfolio',
      '/v1/audit/exports',
    ])
      expect(paths).toContain(p);
  });

  it.each(['an auditor granted two of three contracts', 'a customer key bound to one customer', 'an admin key of the foreign vendor'])(
    'to %s, no answer names a row outside its scope and its ids outside answer 404',
    async (name) => {
      const c = callers.find((x) => x.name === name)!;
      const all = await idsInScope(t, null);
      const mine = await idsInScope(t, c);
      const problems: string[] = [];
      const answered = { ok: 0, notFound: 0 };
      // `sent`: the id the caller put in the request, which a problem's `instance` may echo.
      const call = async (path: string, sent: string | null, expectNotFound: boolean) => {
        const res = await t.as(c.key).get(path).buffer(true);
        if (res.status === 200) answered.ok++;
        if (res.status === 404) answered.notFound++;
        const leaks = outside(textOf(res), all, mine, sent ? [sent] : []);
        if (leaks.length) problems.push(`${path} (${res.status}) names ${leaks.join(', ')}`);
        // An id outside the scope does not exist for the caller; a route its role may not use says so for every id.
        if (expectNotFound && res.status !== 404 && !(res.status === 403 && res.body?.code === 'ROLE_FORBIDDEN'))
          problems.push(`${path} answers ${res.status} for an id outside the scope, not 404`);
      };
      for (const r of routes) {
        const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const idParams = params.filter((p) => p !== 'period');
        if (idParams.length > 2) throw new Error(`walk ${r.path}: more than two id parameters`);
        const subject = idParams[idParams.length - 1];
        let parentOf = async (_id: string): Promise<string | null> => null;
        const fillWith = (parent: string | null, id: string | null, query = '') => {
          const qs = [r.required, query].filter(Boolean).join('&');
          let path = r.path.replace('{period}', PERIOD);
          if (idParams.length === 2) path = path.replace(`{${idParams[0]}}`, parent ?? '');
          return `${path.replace(`{${subject}}`, id ?? '')}${qs ? `?${qs}` : ''}`;
        };
        const fill = (id: string | null, query = '') => fillWith(null, id, query);
        if (idParams.length === 0) {
          await call(fill(null), null, false);
          for (const q of r.query)
            for (const id of [...all.get(KIND_OF_QUERY[q])!].filter((x) => !mine.get(KIND_OF_QUERY[q])!.has(x)).slice(0, 2))
              await call(fill(null, `${q}=${id}`), id, false);
          continue;
        }
        const segment = r.path
          .slice(0, r.path.indexOf(`{${subject}}`))
          .split('/')
          .filter(Boolean)
          .pop()!;
        const kind = KIND_OF_SEGMENT[segment];
        if (!kind) throw new Error(`walk ${r.path}: add the table that "${segment}/{${subject}}" names to KIND_OF_SEGMENT`);
        if (idParams.length === 2) {
          const column = PARENT_COLUMN[kind];
          if (!column) throw new Error(`walk ${r.path}: add the parent column of ${kind} to PARENT_COLUMN`);
          parentOf = async (id) => (await t.db.query(`SELECT ${column}::text AS p FROM ${kind} WHERE id = $1`, [id]))[0]?.p ?? null;
        }
        const inScope = [...mine.get(kind)!].slice(0, 1);
        // One id of the caller's own vendor outside its scope (if any), and one of the other vendor.
        const others = [...all.get(kind)!].filter((x) => !mine.get(kind)!.has(x));
        const otherVendor = (await t.db.query(`SELECT id::text FROM ${kind} WHERE vendor_id <> $1 LIMIT 1`, [c.vendorId])).map((x: any) => x.id);
        const sameVendor = (await t.db.query(`SELECT id::text FROM ${kind} WHERE vendor_id = $1 AND id = ANY($2::uuid[]) LIMIT 1`, [c.vendorId, others])).map(
          (x: any) => x.id,
        );
        for (const id of inScope) await call(fillWith(await parentOf(id), id), id, false);
        for (const id of [...sameVendor, ...otherVendor]) await call(fillWith(await parentOf(id), id), id, true);
      }
      expect(problems).toEqual([]);
      // The walk read real rows and was refused real ones: it is not vacuous.
      expect(answered.ok).toBeGreaterThan(10);
      expect(answered.notFound).toBeGreaterThan(10);
    },
    300_000,
  );
});
