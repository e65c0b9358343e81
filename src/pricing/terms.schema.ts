// The terms document as OpenAPI 3.0 schemas (plain data: the engine stays free of Nest and I/O).
// Each component variant lists exactly the fields every component may carry plus its charge
// model's `fields` (terms.schema.spec.ts holds them to CHARGE_MODELS), so the published contract
// cannot drift from what parseTerms accepts. parseTerms still has the last word (ranges, KPIs
// that must be declared, double pricing): the schema says the shape, the engine the rules.
import { DECIMAL_STRING } from '../kernel/decimal';
import type { ComponentType } from './types';

type Schema = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const decimal = (description: string, example?: string): Schema => ({
  type: 'string',
  pattern: DECIMAL_STRING.source,
  description,
  ...(example !== undefined ? { example } : {}),
});
const VERIFICATION: Schema = {
  type: 'string',
  enum: ['auto', 'customer', 'third_party'],
  description: 'Who moves an outcome of this type from recorded to verified',
};
const VERIFIER: Schema = { type: 'string', description: 'Key or id of a registered verifier (POST /v1/verifiers), with `verification: third_party`' };

/** What every component may carry besides its model's own fields (see ComponentBase in types.ts). */
const COMMON: Record<string, Schema> = {
  key: { type: 'string', description: 'Line key; defaults to the metric for usage, otherwise the type (suffixed #2… when repeated)' },
  description: { type: 'string' },
  minimum: decimal('Minimum commitment per period: a true-up line when the component falls short'),
  cap: decimal('The component never charges more than this per period'),
  guarantee: ref('GuaranteeClause'),
};

function component(type: ComponentType, description: string, own: Record<string, Schema>, required: string[], example: Schema): Schema {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    required: ['type', ...required],
    properties: { type: { type: 'string', enum: [type] }, ...own, ...COMMON },
    example,
  };
}

/** Component schema name per component type. */
export const COMPONENT_SCHEMA_NAMES: Record<ComponentType, string> = {
  flat_fee: 'FlatFeeComponent',
  value_share: 'ValueShareComponent',
  per_outcome: 'PerOutcomeComponent',
  per_area: 'PerAreaComponent',
  usage: 'UsageComponent',
};

export const TERMS_SCHEMAS: Record<string, Schema> = {
  Terms: {
    type: 'object',
    description: 'One immutable version of a contract’s pricing: price components plus invoice-wide modifiers (see src/pricing/README.md)',
    additionalProperties: false,
    required: ['components'],
    properties: {
      components: { type: 'array', minItems: 1, items: ref('PriceComponent') },
      minimum: decimal('Whole-invoice minimum commitment per period (true-up line)'),
      cap: decimal('Whole-invoice cap per period'),
      guarantee: ref('GuaranteeClause'),
      rounding: { type: 'string', enum: ['HALF_UP', 'HALF_EVEN'], default: 'HALF_UP' },
      disputeWindowDays: { type: 'integer', minimum: 0, maximum: 3650, default: 30, description: 'Days after verification during which the customer may dispute' },
      outcomeTypes: {
        type: 'object',
        description: 'KPIs and other outcome types the contract accepts beyond those its components price',
        additionalProperties: ref('OutcomeTypeDeclaration'),
      },
    },
    example: { components: [{ type: 'flat_fee', amount: '50000', per: 'month', quantity: '2', unit: 'production line' }] },
  },
  PriceComponent: {
    description: 'A price component, by `type`',
    oneOf: Object.values(COMPONENT_SCHEMA_NAMES).map(ref),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(Object.entries(COMPONENT_SCHEMA_NAMES).map(([t, name]) => [t, `#/components/schemas/${name}`])),
    },
  },
  FlatFeeComponent: component(
    'flat_fee',
    'A fixed fee per month or year × units (production lines, seats), prorated by days for partial periods',
    {
      amount: decimal('Fee per unit per `per`', '50000'),
      per: { type: 'string', enum: ['month', 'year'] },
      quantity: decimal('Units billed; default "1"'),
      unit: { type: 'string', example: 'production line' },
    },
    ['amount', 'per'],
    { type: 'flat_fee', amount: '50000', per: 'month', quantity: '2' },
  ),
  ValueShareComponent: component(
    'value_share',
    'A share of the verified value (savings, bad debt avoided) of an outcome type',
    {
      rate: decimal('0..1; exactly one of rate and bands', '0.1'),
      bands: { type: 'array', minItems: 1, items: ref('ValueShareBand'), description: 'Graduated percentage: rates by cumulative value bands (exclusive with rate)' },
      outcomeType: { type: 'string', example: 'defect_savings' },
      verification: VERIFICATION,
      verifier: VERIFIER,
      allowNegative: { type: 'boolean', default: false, description: 'A negative verified value yields a negative fee only when true' },
      floor: decimal('The share is never below this (inside the line, unlike minimum)'),
      freeValue: decimal('The first freeValue of the period’s verified value is not charged'),
      perTransactionFee: decimal('A fixed fee per verified outcome beside the rate'),
      perTransactionMin: decimal('Each outcome’s share is at least this (clamp per outcome)'),
      perTransactionMax: decimal('Each outcome’s share is at most this (clamp per outcome)'),
    },
    ['outcomeType', 'verification'],
    { type: 'value_share', rate: '0.1', outcomeType: 'defect_savings', verification: 'customer' },
  ),
  PerOutcomeComponent: component(
    'per_outcome',
    'A unit price per verified outcome (an accepted report)',
    {
      unitPrice: decimal('Price of one verified outcome', '15'),
      outcomeType: { type: 'string', example: 'accepted_report' },
      verification: VERIFICATION,
      verifier: VERIFIER,
      breakdownBy: { type: 'string', description: 'One line per value of this dimension (e.g. hospital)' },
      includedPerPeriod: decimal('The first N verified outcomes of each period are free (a whole number)'),
      objectionWindow: {
        type: 'string',
        example: 'PT24H',
        description: 'Deemed acceptance (customer verification only): an ISO 8601 duration after which an unanswered outcome is verified',
      },
      chargeOncePer: {
        type: 'string',
        example: 'conversation',
        description:
          'Charge once per case: a dimension whose distinct values are charged, not the outcomes; a case charged in an earlier period is not charged again, and reversing its last billed outcome gives it back. Not with breakdownBy; includedPerPeriod then counts cases',
      },
    },
    ['unitPrice', 'outcomeType', 'verification'],
    { type: 'per_outcome', unitPrice: '15', outcomeType: 'accepted_report', verification: 'customer' },
  ),
  PerAreaComponent: component(
    'per_area',
    'An annual rate per km² × area, billed per period',
    { annualRatePerKm2: decimal('Annual fee per km²', '2000000'), areaKm2: decimal('Area covered, km²', '12.5') },
    ['annualRatePerKm2', 'areaKm2'],
    { type: 'per_area', annualRatePerKm2: '2000000', areaKm2: '12.5' },
  ),
  UsageComponent: component(
    'usage',
    'Metered usage × a price per N units, optionally tiered (graduated or volume) or packaged',
    {
      metric: { type: 'string', example: 'input_tokens' },
      verification: { ...VERIFICATION, default: 'auto' },
      verifier: VERIFIER,
      unitPrice: decimal('Price per `per` units; required unless tiers are given', '0.27'),
      per: decimal('Default "1"', '1000000'),
      tiers: { type: 'array', minItems: 1, items: ref('UsageTier') },
      tierMode: { type: 'string', enum: ['graduated', 'volume'], default: 'graduated' },
      packageSize: decimal('Package pricing: unitPrice per started block of this many units'),
      freeUnits: decimal('Units given free before charging starts'),
      prorated: { type: 'boolean', default: false, description: 'Recurring metric: units × days active ÷ days in the period' },
    },
    ['metric'],
    { type: 'usage', metric: 'input_tokens', unitPrice: '0.27', per: '1000000' },
  ),
  ValueShareBand: {
    type: 'object',
    additionalProperties: false,
    required: ['upTo', 'rate'],
    properties: {
      upTo: { ...decimal('Inclusive upper bound of cumulative value; null for the last, unbounded band'), nullable: true },
      rate: decimal('0..1 on the part of the value inside this band'),
      flatAmount: decimal('Charged once when the value enters this band'),
    },
  },
  UsageTier: {
    type: 'object',
    additionalProperties: false,
    required: ['upTo', 'unitPrice'],
    properties: {
      upTo: { ...decimal('Inclusive upper bound in units; null for the last, unbounded tier'), nullable: true },
      unitPrice: decimal('Price per `per` units inside this tier'),
      flatAmount: decimal('Charged once when usage reaches this tier'),
    },
  },
  GuaranteeClause: {
    type: 'object',
    description: 'Reads a verified KPI measurement of the period; a miss multiplies the fee or subtracts a credit',
    additionalProperties: false,
    required: ['kpi', 'comparator', 'threshold'],
    properties: {
      kpi: { type: 'string', example: 'congestion_reduction_pct' },
      comparator: { type: 'string', enum: ['gte', 'gt', 'lte', 'lt'] },
      threshold: decimal('The KPI must compare to this to be met', '10'),
      multiplierIfMissed: decimal('0..1; give this or creditIfMissed', '0.5'),
      creditIfMissed: decimal('Fixed credit when missed (never below zero); give this or multiplierIfMissed'),
      whenMissing: { type: 'string', enum: ['block', 'assume_met', 'assume_missed'], default: 'block' },
    },
  },
  OutcomeTypeDeclaration: {
    type: 'object',
    additionalProperties: false,
    required: ['verification'],
    properties: {
      verification: VERIFICATION,
      verifier: VERIFIER,
      unit: { type: 'string' },
      valuePerUnit: decimal('For ROI: the money value of one verified outcome of this type'),
    },
  },
};
