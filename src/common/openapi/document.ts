import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject, ParameterObject, PathItemObject, ReferenceObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { TERMS_SCHEMAS } from '../../pricing/terms.schema';
import { MONEY_PATTERN } from './money';
import { PUBLIC_EXTENSION } from './public';
import { PROBLEM_MEDIA_TYPE, Problem, problemResponse } from './problems';


const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The OpenAPI document served at /openapi.json (and linted by `npm run lint:openapi`). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Outcome Ledger')
      .setDescription(
        'Outcome-based billing and ROI ledger for AI vendors. Money is a decimal string; errors are RFC 9457 ' +
          'application/problem+json; bodies are application/json in UTF-8 only (anything else answers 415); ' +
          'POSTs accept an Idempotency-Key header; lists use cursor pagination.',
      )
      .setVersion('1')
      .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
      .addServer('/', 'This service')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An opaque API key: ol_vnd_… / ol_cus_… / ol_aud_… / ol_ver_…' })
      .addSecurityRequirements('bearer')
      .build(),
    { extraModels: [Problem] },
  );
  return completeDocument(doc);
}

/**
 * What every operation shares, applied once here instead of on each of ~80 handlers: the problem
 * answers of the HTTP edge, `Idempotency-Key` on every authenticated POST (the interceptor in
 * src/idempotency honours it on all of them), public routes' `security: []`, and the typed terms.
 */
export function completeDocument(doc: OpenAPIObject): OpenAPIObject {
  const schemes = doc.components?.securitySchemes ?? {};
  for (const scheme of Object.values(schemes)) delete (scheme as { bearerFormat?: string }).bearerFormat; // opaque keys, not JWTs
  doc.components = {
    ...doc.components,
    schemas: { ...doc.components?.schemas, ...TERMS_SCHEMAS },
    parameters: {
      ...doc.components?.parameters,
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          'Makes a retry safe: the same key replays the first answer (`Idempotent-Replayed: true`) for 24 h; ' +
          'the same key with another request is a 422; an answer carrying a secret is never replayed (409).',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      },
    },
  };
  markMoney(doc.components.schemas as Record<string, SchemaShape>);
  // RFC 9457 extension members (e.g. `currentStatus` of a refused transition) may follow the standard ones.
  const problem = doc.components.schemas?.Problem as { additionalProperties?: boolean } | undefined;
  if (problem) problem.additionalProperties = true;
  for (const item of Object.values(doc.paths) as PathItemObject[]) {
    for (const method of METHODS) {
      const op = item[method] as (OperationObject & Record<string, unknown>) | undefined;
      if (!op) continue;
      const isPublic = op[PUBLIC_EXTENSION] === true;
      delete op[PUBLIC_EXTENSION];
      // A handler reading `@Headers('accept')` (content negotiation) must not make Accept a required parameter.
      const params = (op.parameters ?? []).filter((p) => !('in' in p && p.in === 'header' && p.name.toLowerCase() === 'accept'));
      if (isPublic) op.security = [];
      else {
        delete op.security; // the document's default: bearer
        if (method === 'post') params.push({ $ref: '#/components/parameters/IdempotencyKey' } as ReferenceObject);
      }
      op.parameters = params;
      const statuses = new Set<number>();
      const hasBody = op.requestBody !== undefined;
      const hasQuery = params.some((p) => (p as ParameterObject).in === 'query');
      const hasPathId = params.some((p) => (p as ParameterObject).in === 'path');
      statuses.add(429); // public routes are limited per client address
      if (!isPublic) [401, 403].forEach((s) => statuses.add(s));
      if (hasPathId) [400, 404, 422].forEach((s) => statuses.add(s)); // a malformed id or period
      if (hasBody) [400, 404, 413, 415, 422].forEach((s) => statuses.add(s)); // 404: a body naming another vendor's id
      if (hasQuery) [400, 422].forEach((s) => statuses.add(s));
      if (method === 'post' && !isPublic) [409, 422].forEach((s) => statuses.add(s));
      for (const s of statuses) if (!op.responses[String(s)]) op.responses[String(s)] = problemResponse(s);
      // Problem answers are problem+json only, whatever the operation produces on success.
      for (const [code, r] of Object.entries(op.responses)) {
        const res = r as { content?: Record<string, unknown> };
        if (/^[45]/.test(code) && res.content && !res.content[PROBLEM_MEDIA_TYPE]) res.content = problemResponse(Number(code)).content;
      }
    }
  }
  return doc;
}

type SchemaShape = { type?: string; pattern?: string; format?: string; enum?: unknown[]; properties?: Record<string, SchemaShape> };

/**
 * Money fields, by the names the DTOs give them: amounts and sums are decimal strings everywhere
 * (never JSON numbers), so their schema says so with a pattern — once here rather than on each of
 * some sixty properties. `ApiMoney()` does the same on a property directly.
 */
export const MONEY_FIELDS = new Set([
  'amount', 'amountDue', 'amountPaid', 'amountCredited', 'balance', 'credit', 'credited', 'cumulativeFees', 'cumulativeValue',
  'debit', 'difference', 'estimatedValue', 'fees', 'flat', 'invoicedValue', 'measuredValue', 'net', 'netBenefit',
  'notYetInvoicedValue', 'other', 'revenue', 'subtotal', 'tax', 'total', 'unitPrice', 'unitValue', 'value',
  'valueBilledToDate', 'verifiedOrDisputedValue', 'verifiedValue', 'actual', 'simulated',
]);

function markMoney(schemas: Record<string, SchemaShape>): void {
  for (const schema of Object.values(schemas))
    for (const [name, prop] of Object.entries(schema.properties ?? {}))
      if (MONEY_FIELDS.has(name) && prop.type === 'string' && !prop.pattern && !prop.format && !prop.enum) prop.pattern = MONEY_PATTERN;
}
