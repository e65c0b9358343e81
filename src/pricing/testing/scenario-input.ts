// Builds the engine input of one seed scenario for one period label, the way SQL would:
// verified outcomes of the period (local dates in the contract's timezone), one whole-type row per
// outcome type plus one row per (dimension, value), and the verified KPI measurements.
import { localDate } from '../../kernel/calendar';
import { sha256Hex } from '../../kernel/canonical-json';
import { dec, plain, ZERO } from '../../kernel/decimal';
import { dayNumber, periodForCycle } from '../period';
import { guaranteeKpis } from '../terms';
import type { KpiMeasurement, OutcomeAggregate, PricingInput } from '../types';
import { scenarioOutcomes, scenarioTerms, type SeedOutcome, type SeedScenario } from '../scenario-terms';

function isVerified(o: SeedOutcome): boolean {
  return o.status === undefined || o.status === 'verified';
}

function aggregate(type: string, rows: SeedOutcome[], dimensions?: Record<string, string>): OutcomeAggregate {
  let quantity = ZERO;
  let value = ZERO;
  for (const o of rows) {
    if (o.quantity !== undefined) quantity = quantity.plus(o.quantity);
    if (o.value !== undefined) value = value.plus(o.value);
  }
  const ids = rows.map((o) => o.externalId).sort();
  return {
    outcomeType: type,
    ...(dimensions ? { dimensions } : {}),
    count: String(rows.length),
    quantitySum: plain(quantity),
    valueSum: plain(value),
    idsDigest: sha256Hex(ids.join('\n')),
  };
}

export function scenarioPricingInput(scenario: SeedScenario, label: string): PricingInput {
  const terms = scenarioTerms(scenario);
  const period = periodForCycle(scenario.contract, label);
  const from = dayNumber(period.start);
  const until = dayNumber(period.end);
  const inPeriod = scenarioOutcomes(scenario).filter((o) => {
    const day = dayNumber(localDate(o.occurredAt, scenario.contract.timezone));
    return isVerified(o) && day >= from && day < until;
  });
  const kpiTypes = new Set(guaranteeKpis(terms));
  const kpis: KpiMeasurement[] = inPeriod
    .filter((o) => kpiTypes.has(o.type))
    .map((o) => ({ kpi: o.type, value: o.quantity ?? o.value ?? '0', outcomeId: o.externalId, occurredAt: o.occurredAt }));

  const byType = new Map<string, SeedOutcome[]>();
  for (const o of inPeriod) {
    if (kpiTypes.has(o.type)) continue;
    const list = byType.get(o.type);
    if (list) list.push(o);
    else byType.set(o.type, [o]);
  }
  const aggregates: OutcomeAggregate[] = [];
  for (const type of [...byType.keys()].sort()) {
    const rows = byType.get(type)!;
    aggregates.push(aggregate(type, rows));
    const dimensionNames = new Set(rows.flatMap((o) => Object.keys(o.dimensions ?? {})));
    for (const name of [...dimensionNames].sort()) {
      const values = new Map<string, SeedOutcome[]>();
      for (const o of rows) {
        const v = o.dimensions?.[name];
        if (v === undefined) continue;
        const list = values.get(v);
        if (list) list.push(o);
        else values.set(v, [o]);
      }
      for (const v of [...values.keys()].sort()) aggregates.push(aggregate(type, values.get(v)!, { [name]: v }));
    }
  }
  return {
    contract: { ...scenario.contract },
    terms,
    period,
    aggregates,
    kpis,
  };
}

/** Sum of `value` of the verified outcomes of a type in a set (for statements in tests). */
export function verifiedValue(outcomes: SeedOutcome[], type: string): string {
  return plain(outcomes.filter((o) => o.type === type && isVerified(o)).reduce((acc, o) => acc.plus(o.value ?? '0'), dec('0')));
}
