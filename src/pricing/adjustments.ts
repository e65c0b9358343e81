// Adjustments: outcomes of an earlier, invoiced period that were verified late or reversed,
// priced under that period's terms as net(billed + delta) − net(billed) per component.
import { dec, dsum, plain } from '../kernel/decimal';
import { stretchKey, stretchShare, termsForStretch } from './amendment';
import { activeDays, addDays, daysBetween, periodLabel } from './period';
import { aggInputs, AggregateIndex } from './aggregate-index';
import { chargeModel } from './charges';
import { priceComponent } from './component';
import type { Ctx, Draft, Rounder } from './pricing-context';
import { componentKey, componentOutcomeType } from './terms';
import type { PeriodAdjustmentInput, PricingContract, Terms } from './types';

export function adjustmentDrafts(
  adj: PeriodAdjustmentInput,
  terms: Terms,
  contract: PricingContract,
  r: Rounder,
  usedKeys: Set<string>,
): Draft[] {
  const deltaIndex = new AggregateIndex([adj.delta], 'adjustment.delta');
  const deltaTypes = deltaIndex.types();
  // A stretch of a split period is priced as its invoice priced it: its days, its prorated terms.
  const seg = adj.segment;
  const priced = seg ? termsForStretch(terms, stretchShare(adj.period, seg), r.round) : terms;
  const ctxFor = (aggregates: AggregateIndex): Ctx => ({
    contract,
    period: adj.period,
    periodDays: daysBetween(adj.period.start, adj.period.end),
    activeDays: activeDays(seg ? { start: seg.start, end: seg.end } : adj.period, contract.startsOn, contract.endsOn),
    kpis: adj.kpis ?? [],
    aggregates,
    adjustment: true,
  });
  const before = ctxFor(new AggregateIndex([adj.billed], 'adjustment.billed'));
  const after = ctxFor(new AggregateIndex([adj.billed, adj.delta], 'adjustment.billed+delta'));
  const label = seg ? `${periodLabel(adj.period)} (${seg.start} – ${addDays(seg.end, -1)})` : periodLabel(adj.period);
  const drafts: Draft[] = [];
  priced.components.forEach((c, j) => {
    const type = componentOutcomeType(c);
    if (type === undefined || !deltaTypes.has(type)) return;
    const key = seg ? stretchKey(componentKey(priced, j), seg) : componentKey(priced, j);
    const b = priceComponent(c, key, before, r);
    const a = priceComponent(c, key, after, r);
    if ('ok' in b || 'ok' in a) return; // cannot happen: adjustments never block on a KPI
    const diff = a.net.minus(b.net);
    if (r.round(diff).isZero()) return;
    const deltaRows = deltaIndex.rowsOf(type);
    const count = dsum(deltaRows.map((row) => dec(row.count)));
    const model = chargeModel(c);
    const quantity = model.adjustmentQuantity ? model.adjustmentQuantity(deltaRows, count, c) : count;
    const unit = model.adjustmentUnit?.(c);
    // A charge-once-per-case line counts the cases it charges or gives back, not the outcomes.
    const n = plain((unit ? quantity : count).abs());
    const verb = adj.kind === 'late_verified' ? (unit ? 'charged late' : 'verified late') : unit ? 'reopened' : 'reversed';
    let lineKey = `adj:${adj.kind}:${adj.period.start}:${key}`;
    for (let i = 2; usedKeys.has(lineKey); i++) lineKey = `adj:${adj.kind}:${adj.period.start}:${key}#${i}`;
    usedKeys.add(lineKey);
    drafts.push({
      key: lineKey,
      componentType: c.type,
      kind: 'adjustment',
      description: `Adjustment for ${label}: ${n} ${unit ?? `${type} outcome`}${n === '1' ? '' : 's'} ${verb}`,
      quantity: plain(quantity),
      unitPrice: model.adjustmentUnitPrice ? model.adjustmentUnitPrice(c) : null,
      unrounded: diff,
      formula: `${plain(a.net)} − ${plain(b.net)}`,
      inputs: {
        adjustmentKind: adj.kind,
        period: { start: adj.period.start, end: adj.period.end },
        ...(seg ? { stretch: { start: seg.start, end: seg.end, termsVersionId: seg.termsVersionId ?? null } } : {}),
        componentKey: key,
        outcomeType: type,
        delta: deltaRows.map((row) => ({ ...aggInputs(row), ...(row.dimensions ? { dimensions: row.dimensions } : {}) })),
        billedNet: plain(b.net),
        billedFormula: b.drafts.map((d) => d.formula),
        afterNet: plain(a.net),
        afterFormula: a.drafts.map((d) => d.formula),
      },
      ...(a.evaluation ? { guarantee: a.evaluation } : {}),
      adjustment: { kind: adj.kind, period: { start: adj.period.start, end: adj.period.end } },
    });
  });
  return drafts;
}
