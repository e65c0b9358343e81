import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJsonSchemaDefinitions } from '../common/openapi/json-schema';
import { CHARGE_MODELS, COMPONENT_TYPES } from './charges';
import { scenarioTerms, type SeedScenario } from './scenario-terms';
import { parseTerms } from './terms';
import { goldenCases } from './testing/golden-cases';
import { COMPONENT_SCHEMA_NAMES, TERMS_SCHEMAS } from './terms.schema';

const COMMON_FIELDS = ['type', 'key', 'description', 'minimum', 'cap', 'guarantee'];

function validator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema(toJsonSchemaDefinitions(TERMS_SCHEMAS, 'terms'));
  return ajv.getSchema('terms#/definitions/Terms')!;
}

const scenarios = (JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/seed-scenarios.json'), 'utf8')) as { scenarios: SeedScenario[] }).scenarios;

describe('the published terms schema', () => {
  it.each(COMPONENT_TYPES)('lists exactly the fields parseTerms accepts on a %s component', (type) => {
    const schema = TERMS_SCHEMAS[COMPONENT_SCHEMA_NAMES[type]] as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties).sort()).toEqual([...COMMON_FIELDS, ...CHARGE_MODELS[type].fields].sort());
  });

  it('maps every component type, and nothing else, in its discriminated union', () => {
    const union = TERMS_SCHEMAS.PriceComponent as { oneOf: unknown[]; discriminator: { mapping: Record<string, string> } };
    expect(Object.keys(union.discriminator.mapping).sort()).toEqual([...COMPONENT_TYPES].sort());
    expect(union.oneOf).toHaveLength(COMPONENT_TYPES.length);
  });

  it('accepts the terms of every seed scenario and golden case, which parseTerms accepts too', () => {
    const validate = validator();
    const all = [...scenarios.map((s) => scenarioTerms(s)), ...goldenCases(scenarios).map((c) => c.terms)];
    expect(all.length).toBeGreaterThan(5);
    for (const terms of all) {
      expect(parseTerms(terms, { stored: true }).ok).toBe(true);
      expect({ terms, ok: validate(terms), errors: validate.errors }).toMatchObject({ ok: true });
    }
  });

  it('refuses what parseTerms refuses for its shape: another model’s field, a number for money, an unknown type', () => {
    const validate = validator();
    const bad = [
      { components: [{ type: 'flat_fee', amount: '10', per: 'month', rate: '0.1' }] },
      { components: [{ type: 'flat_fee', amount: 10, per: 'month' }] },
      { components: [{ type: 'subscription', amount: '10' }] },
      { components: [] },
    ];
    for (const terms of bad) {
      expect(parseTerms(terms).ok).toBe(false);
      expect(validate(terms)).toBe(false);
    }
  });
});
