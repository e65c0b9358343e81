// The ROI chart as SVG, rendered server-side: monthly value delivered against fees, as paired bars,
// with the cumulative net benefit as a line. Geometry is computed with Decimal and written as
// strings: no JS number ever holds an amount, only pixel positions derived from ratios.
import type Decimal from 'decimal.js';
import { Dec as D } from '../kernel/decimal';
import type { RoiMonthView } from './dto/reports.dto';

export const CHART = { width: 515, height: 280 };
const PAD = { left: 62, right: 12, top: 34, bottom: 40 };
const COLORS = { value: '#2e7d32', fees: '#1f5fa8', net: '#e07b00', grid: '#d0d0d0', text: '#222222' };

function px(d: Decimal): string {
  return d.toDecimalPlaces(2).toFixed();
}

/** 1,250,000 → "1.25M"; 35,000 → "35k". */
export function compactAmount(v: Decimal.Value): string {
  const d = new D(v);
  const abs = d.abs();
  // toFixed() without decimals prints the shortest exact form: "1.25", "800", never "800.00".
  const fmt = (x: Decimal, suffix: string) => `${x.toDecimalPlaces(2).toFixed()}${suffix}`;
  if (abs.gte(1e9)) return fmt(d.div(1e9), 'B');
  if (abs.gte(1e6)) return fmt(d.div(1e6), 'M');
  if (abs.gte(1e3)) return fmt(d.div(1e3), 'k');
  return fmt(d, '');
}

/** A "nice" tick step (1, 2 or 5 × 10^n) for about five ticks up to `max`. */
function niceStep(max: Decimal): Decimal {
  if (max.lte(0)) return new D(1);
  const rough = max.div(5);
  const mag = new D(10).pow(rough.log(10).floor());
  for (const m of [1, 2, 5, 10]) if (mag.times(m).gte(rough)) return mag.times(m);
  return mag.times(10);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function roiChartSvg(months: RoiMonthView[], currency: string, title: string): string {
  const w = new D(CHART.width);
  const h = new D(CHART.height);
  const plotW = w.minus(PAD.left + PAD.right);
  const plotH = h.minus(PAD.top + PAD.bottom);
  const values = months.flatMap((m) => [new D(m.value), new D(m.fees)]);
  const nets = months.map((m) => new D(m.cumulativeValue).minus(m.cumulativeFees));
  const top = D.max(0, ...values, ...nets);
  const bottom = D.min(0, ...values, ...nets);
  const step = niceStep(D.max(top.minus(bottom), 1));
  const yMax = top.div(step).ceil().times(step);
  const yMin = bottom.div(step).floor().times(step);
  const span = D.max(yMax.minus(yMin), step);
  const y = (v: Decimal) => new D(PAD.top).plus(yMax.minus(v).div(span).times(plotH));
  const slot = plotW.div(Math.max(months.length, 1));
  const barW = D.min(slot.times(0.34), 28);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART.width}" height="${CHART.height}" viewBox="0 0 ${CHART.width} ${CHART.height}" font-family="Helvetica" font-size="9">`,
    `<rect x="0" y="0" width="${CHART.width}" height="${CHART.height}" fill="#ffffff"/>`,
    `<text x="${PAD.left}" y="14" font-size="11" font-weight="bold" fill="${COLORS.text}">${esc(title)}</text>`,
  ];
  // Grid and y labels.
  for (let t = yMin; t.lte(yMax); t = t.plus(step)) {
    const ty = px(y(t));
    out.push(`<line x1="${PAD.left}" y1="${ty}" x2="${px(w.minus(PAD.right))}" y2="${ty}" stroke="${t.isZero() ? '#888888' : COLORS.grid}" stroke-width="${t.isZero() ? 1 : 0.5}"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${px(y(t).plus(3))}" text-anchor="end" fill="${COLORS.text}">${esc(compactAmount(t))}</text>`);
  }
  out.push(`<text x="12" y="${px(new D(PAD.top).plus(plotH.div(2)))}" transform="rotate(-90 12 ${px(new D(PAD.top).plus(plotH.div(2)))})" text-anchor="middle" fill="${COLORS.text}">${esc(currency)}</text>`);
  // Bars and month labels.
  const every = Math.ceil(months.length / 12);
  months.forEach((m, i) => {
    const x0 = new D(PAD.left).plus(slot.times(i)).plus(slot.div(2));
    const bar = (v: Decimal, x: Decimal, color: string) => {
      const a = y(D.max(v, 0));
      const b = y(D.min(v, 0));
      out.push(`<rect x="${px(x)}" y="${px(a)}" width="${px(barW)}" height="${px(D.max(b.minus(a), v.isZero() ? 0 : 0.5))}" fill="${color}"/>`);
    };
    bar(new D(m.value), x0.minus(barW).minus(1), COLORS.value);
    bar(new D(m.fees), x0.plus(1), COLORS.fees);
    if (i % every === 0)
      out.push(`<text x="${px(x0)}" y="${px(h.minus(PAD.bottom).plus(13))}" text-anchor="middle" fill="${COLORS.text}">${esc(m.month)}</text>`);
  });
  // Cumulative net benefit.
  const points = months.map((m, i) => `${px(new D(PAD.left).plus(slot.times(i)).plus(slot.div(2)))},${px(y(nets[i]))}`);
  if (points.length > 1) out.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${COLORS.net}" stroke-width="2"/>`);
  points.forEach((pt) => {
    const [cx, cy] = pt.split(',');
    out.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${COLORS.net}"/>`);
  });
  // Legend.
  const ly = px(h.minus(10));
  const legend: Array<[string, string, number]> = [
    [COLORS.value, 'Value (measured + estimated)', PAD.left],
    [COLORS.fees, 'Fees (net of credit notes)', PAD.left + 160],
    [COLORS.net, 'Cumulative net benefit', PAD.left + 310],
  ];
  for (const [color, label, lx] of legend) {
    out.push(`<rect x="${lx}" y="${px(h.minus(18))}" width="10" height="10" fill="${color}"/>`);
    out.push(`<text x="${lx + 14}" y="${ly}" fill="${COLORS.text}">${esc(label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
