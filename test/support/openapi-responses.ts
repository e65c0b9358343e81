import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import type { Response } from 'supertest';
import { toJsonSchemaDefinitions } from '../../src/common/openapi/json-schema';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>; components: { schemas: Record<string, unknown> } };

const ID = 'openapi';

/**
 * Closes every documented object that does not say otherwise (`additionalProperties` absent) with
 * `unevaluatedProperties: false`, so an answer carrying a field the document does not name fails
 * too. Members of an `allOf` stay open: their holder closes over what all of them evaluated.
 */
function closeObjects(s: unknown, inAllOf = false): unknown {
  if (Array.isArray(s)) return s.map((x) => closeObjects(x, inAllOf));
  if (!s || typeof s !== 'object') return s;
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) o[k] = k === 'allOf' ? (v as unknown[]).map((x) => closeObjects(x, true)) : k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, ps]) => [p, closeObjects(ps)])) : closeObjects(v);
  const isObject = o.properties !== undefined || o.allOf !== undefined;
  if (isObject && !inAllOf && o.additionalProperties === undefined && o.unevaluatedProperties === undefined) o.unevaluatedProperties = false;
  return o;
}

/**
 * Holds real answers to the OpenAPI document the app serves: each response must be a documented
 * status and media type of its operation, and a JSON body must validate against its schema.
 */
export class OpenApiResponses {
  private readonly ajv = new Ajv2019({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly routes: { method: string; template: string; re: RegExp }[] = [];
  /** What was checked, `GET /v1/contracts/{id} 200`, for a test to assert its coverage. */
  readonly seen = new Set<string>();

  constructor(private readonly doc: Doc) {
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    this.ajv.addSchema(closeObjects(toJsonSchemaDefinitions(doc.components.schemas, ID)) as object);
    for (const [template, item] of Object.entries(doc.paths))
      for (const method of Object.keys(item))
        this.routes.push({ method, template, re: new RegExp('^' + template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+') + '$') });
    // Literal segments win over templated ones (`/v1/invoices.csv` before `/v1/invoices/{id}`).
    this.routes.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  }

  /** Throws, naming the operation and what differs, when the answer is not what the document says. */
  check(res: Response): void {
    const req = (res as unknown as { req: { method: string; path: string } }).req;
    const method = req.method.toLowerCase();
    const path = req.path.split('?')[0];
    const route = this.routes.find((r) => r.method === method && r.re.test(path));
    if (!route) throw new Error(`${req.method} ${path}: no operation of the OpenAPI document matches`);
    const op = this.doc.paths[route.template][method];
    const where = `${req.method} ${route.template} → ${res.status}`;
    const answer = op.responses[String(res.status)] ?? op.responses.default;
    if (!answer) throw new Error(`${where}: status not documented (documented: ${Object.keys(op.responses).join(', ')})`);
    this.seen.add(`${req.method} ${route.template} ${res.status}`);
    const mediaType = String(res.headers['content-type'] ?? '').split(';')[0].trim();
    if (!answer.content) {
      if (res.text) throw new Error(`${where}: documented without a body, answered ${mediaType}`);
      return;
    }
    const content = answer.content[mediaType];
    if (!content) throw new Error(`${where}: media type ${mediaType || '(none)'} not documented (documented: ${Object.keys(answer.content).join(', ')})`);
    if (!/json$/.test(mediaType) || content.schema === undefined) return;
    const key = `${method} ${route.template} ${res.status} ${mediaType}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const schema = closeObjects((toJsonSchemaDefinitions({ s: content.schema }, ID).definitions as { s: unknown }).s) as object;
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    if (!validate(res.body)) {
      const errors = (validate.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params && 'unevaluatedProperty' in e.params ? ` "${(e.params as { unevaluatedProperty: string }).unevaluatedProperty}"` : ''}`);
      throw new Error(`${where}: the body does not match the document:\n  ${errors.join('\n  ')}\nbody: ${JSON.stringify(res.body).slice(0, 600)}`);
    }
  }
}
