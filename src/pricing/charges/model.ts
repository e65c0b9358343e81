// A charge model: everything the engine and parseTerms know about one kind of price component.
// Each lives in its own file here and is registered once in index.ts.
import type Decimal from 'decimal.js';
import type { Agg } from '../aggregate-index';
import type { Checker, Obj } from '../checker';
import type { Charge, Ctx } from '../pricing-context';
import type { AggregateMeasure } from './measures';
import type { PriceComponent, Verification } from '../types';

export interface ChargeModel<C extends PriceComponent = PriceComponent> {
  readonly type: C['type'];
  /** Its own fields, beyond the ones every component may carry (type, key, description, minimum, cap, guarantee). */
  readonly fields: readonly string[];
  /** The field naming the outcome type (or usage metric) it bills; none for fees that read no outcome. */
  readonly outcomeTypeField?: 'outcomeType' | 'metric';
  /**
   * At most one component of this kind may read a given outcome type (or metric): a second one
   * would bill every such outcome again. Other kinds may still read the same type.
   */
  readonly onePerOutcomeType?: true;
  /** What an outcome of its type must carry: the value it shares, or the quantity it meters. */
  readonly outcomeMeasure?: 'value' | 'quantity';
  /** Who verifies its outcome type when the component names nobody; absent: `verification` is required. */
  readonly defaultVerification?: Verification;
  /** Validates its own fields (parseTerms checks the common fields and modifiers). */
  validate(c: Checker, comp: Obj, path: string): void;
  /** The line key when the component gives none (before the `#2` suffix); default: the type. */
  defaultKey?(component: C): string;
  /** The dimension its line is broken down by, if any. */
  breakdownBy?(component: C): string | undefined;
  /** The per-outcome sums it reads beyond count, quantitySum and valueSum (computed in SQL). */
  measures?(component: C): AggregateMeasure[];
  /** Its charges of the period, before guarantee, cap and minimum. */
  charges(component: C, key: string, ctx: Ctx): Charge[];
  /** The quantity on an adjustment line: the changed value, quantity or count of what it bills. */
  adjustmentQuantity?(delta: Agg[], count: Decimal, component?: C): Decimal;
  /** What an adjustment line counts when not outcomes (e.g. `conversation case`); default: `<type> outcome`. */
  adjustmentUnit?(component: C): string | undefined;
  /** The unit price on an adjustment line. */
  adjustmentUnitPrice?(component: C): string | null;
}
