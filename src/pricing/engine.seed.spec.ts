import fixture from '../../test/fixtures/seed-scenarios.json';
import { priceInvoice } from './engine';
import { scenarioPricingInput } from './testing/scenario-input';
import { scenarioTerms, type SeedScenario } from './scenario-terms';
import type { PricedInvoice } from './types';

const scenarios = (fixture as { scenarios: SeedScenario[] }).scenarios;

const cases = scenarios.flatMap((scenario) =>
  Object.keys(scenario.expected).map((label) => ({ scenario, label, expected: scenario.expected[label] })),
);

describe('seed scenarios', () => {
  it('covers the seven contracts of the fixture', () => {
    expect(scenarios.map((s) => s.id)).toEqual(['inspection', 'traffic', 'radiology', 'chatbot', 'llm-api', 'credit-risk', 'seats']);
  });

  it('turns every scenario into valid terms', () => {
    for (const s of scenarios) expect(() => scenarioTerms(s)).not.toThrow();
  });

  it.each(cases.map((c) => [c.scenario.id, c.label, c] as const))('%s %s is invoiced exactly as the fixture says', (_id, _label, c) => {
    const input = scenarioPricingInput(c.scenario, c.label);
    const result = priceInvoice(input);
    const expected = c.expected as Record<string, unknown>;
    if (typeof expected.finalize === 'string' && expected.finalize.startsWith('refused')) {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.code).toBe('KPI_MEASUREMENT_MISSING');
      expect(`refused: ${result.reason}`).toBe(expected.finalize);
      expect(result.details).toEqual({ kpi: 'congestion_reduction_pct', period: input.period });
      return;
    }
    expect(result.ok).toBe(true);
    const invoice = result as PricedInvoice;
    if (expected.lines) {
      const byKey = Object.fromEntries(invoice.lines.map((l) => [l.key, l.amount]));
      expect(byKey).toEqual(expected.lines);
    }
    expect(invoice.subtotal).toBe(expected.subtotal);
    expect(invoice.tax).toBe(expected.tax);
    expect(invoice.total).toBe(expected.total);
    if (expected.guarantee) {
      expect(invoice.guarantees).toHaveLength(1);
      expect(invoice.guarantees[0].result).toBe(expected.guarantee);
    }
  });

  it('bills radiology only for the 7800 accepted reports', () => {
    const radiology = scenarios.find((s) => s.id === 'radiology')!;
    const invoice = priceInvoice(scenarioPricingInput(radiology, '2026-03')) as PricedInvoice;
    expect(invoice.lines).toHaveLength(1);
    expect(invoice.lines[0]).toMatchObject({ key: 'per_outcome', quantity: '7800', unitPrice: '15.00', amount: '117000.00' });
    expect(invoice.trace.lines[0].formula).toBe('15.00 × 7800');
  });

  it('prorates the seats subscription by 22 of 31 days in its first month', () => {
    const seats = scenarios.find((s) => s.id === 'seats')!;
    const invoice = priceInvoice(scenarioPricingInput(seats, '2026-03')) as PricedInvoice;
    expect(invoice.trace.lines[0].formula).toBe('30.00 × 25 × 22/31');
    expect(invoice.lines[0].quantity).toBe('25');
    expect(invoice.lines[0].unroundedAmount.startsWith('532.258064516129032258')).toBe(true);
    expect(invoice.trace.lines[0].inputs).toMatchObject({ activeDays: 22, periodDays: 31 });
  });

  it('halves the traffic fee in February, when congestion reduction was 9.9 against a threshold of 10', () => {
    const traffic = scenarios.find((s) => s.id === 'traffic')!;
    const invoice = priceInvoice(scenarioPricingInput(traffic, '2026-02')) as PricedInvoice;
    expect(invoice.guarantees[0]).toEqual({
      kpi: 'congestion_reduction_pct', comparator: 'gte', threshold: '10', measured: '9.9',
      measurementId: 'kpi-2026-02', result: 'missed', effect: '× 0.5',
    });
    expect(invoice.trace.lines[0].formula).toBe('(2000000.00 × 8.5 ÷ 12) × 0.5');
  });

  it('prices the LLM API April input tokens as 0.27 × 1234567 ÷ 1000000 and output tokens at zero', () => {
    const llm = scenarios.find((s) => s.id === 'llm-api')!;
    const invoice = priceInvoice(scenarioPricingInput(llm, '2026-04')) as PricedInvoice;
    expect(invoice.trace.lines.map((l) => l.formula)).toEqual(['0.27 × 1234567 ÷ 1000000', '1.10 × 0 ÷ 1000000']);
    expect(invoice.lines.map((l) => l.unroundedAmount)).toEqual(['0.33333309', '0']);
  });
});
