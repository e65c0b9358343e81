// What the pieces of the engine pass each other: the period being priced, a charge before
// modifiers, a line before rounding, and the invoice's rounding.
import type Decimal from 'decimal.js';
import type { AggregateIndex } from './aggregate-index';
import type {
  BillingPeriod,
  ComponentType,
  GuaranteeEvaluation,
  KpiMeasurement,
  LineKind,
  PeriodAdjustmentInput,
  PricingContract,
  RoundingMode,
} from './types';

export interface Ctx {
  contract: PricingContract;
  period: BillingPeriod;
  periodDays: number;
  activeDays: number;
  kpis: KpiMeasurement[];
  aggregates: AggregateIndex;
  /** Pricing a past period for an adjustment: a missing KPI measurement does not block. */
  adjustment: boolean;
}

/** One charge of a component before modifiers (a component gives several with `breakdownBy`). */
export interface Charge {
  key: string;
  description: string;
  quantity: string;
  unitPrice: string | null;
  amount: Decimal;
  formula: string;
  inputs: Record<string, unknown>;
  dimensions?: Record<string, string>;
  /** Default `charge`; a per-outcome allowance gives its free outcomes back on an `included_allowance` line. */
  kind?: 'charge' | 'included_allowance';
}

/** An invoice line before rounding, with its trace. */
export interface Draft {
  key: string;
  componentType: ComponentType | 'invoice';
  kind: LineKind;
  description: string;
  quantity: string;
  unitPrice: string | null;
  unrounded: Decimal;
  formula: string;
  inputs: Record<string, unknown>;
  guarantee?: GuaranteeEvaluation;
  dimensions?: Record<string, string>;
  adjustment?: { kind: PeriodAdjustmentInput['kind']; period: BillingPeriod };
}

export interface Rounder {
  mode: RoundingMode;
  decimals: number;
  round(value: Decimal): Decimal;
}

/** An invoice line that is not a component's: key `invoice:…`, quantity 1. */
export function invoiceDraft(
  key: string,
  kind: Draft['kind'],
  description: string,
  unrounded: Decimal,
  formula: string,
  inputs: Record<string, unknown>,
  guarantee?: GuaranteeEvaluation,
): Draft {
  return { key, componentType: 'invoice', kind, description, quantity: '1', unitPrice: null, unrounded, formula, inputs, ...(guarantee ? { guarantee } : {}) };
}
