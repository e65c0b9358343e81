/**
 * OpenAPI 3.0 schemas → JSON Schema that ajv validates, for the tests that hold real answers to
 * the document: `nullable: true` becomes a null alternative, a discriminator's `mapping` (which
 * ajv does not read; its `oneOf` already decides) is dropped, and `#/components/schemas/X`
 * refs point into the returned `definitions`.
 */
export function toJsonSchemaDefinitions(schemas: Record<string, unknown>, id: string): Record<string, unknown> {
  const map = (m: unknown) => Object.fromEntries(Object.entries(m as object).map(([name, v]) => [name, convert(v)]));
  const convert = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(convert);
    if (!s || typeof s !== 'object') return s;
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === 'properties') o.properties = map(v); // names, not keywords
      else if (k === '$ref' && typeof v === 'string') o.$ref = v.replace('#/components/schemas/', `${id}#/definitions/`);
      else if (k === 'discriminator') continue;
      else if (k === 'example' || k === 'examples') continue;
      else o[k] = convert(v);
    }
    if (o.nullable === true) {
      delete o.nullable;
      return { anyOf: [o, { type: 'null' }] };
    }
    delete o.nullable;
    return o;
  };
  return { $id: id, definitions: map(schemas) };
}
