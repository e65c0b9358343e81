import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { vendorScope } from '../auth/scope';
import { ContractsService } from '../contracts/contracts.service';
import { canonicalJson, sha256Hex } from '../kernel/canonical-json';
import { minorUnits } from '../kernel/currency';
import { monthsBetween } from '../kernel/calendar';
import { priceInvoice } from '../pricing';
import { periodForCycle } from '../pricing/period';
import { BillingInputsRepository } from './billing-inputs.repository';
import { CreateSimulationDto, SimulationPeriodView, SimulationView } from './dto/simulation.dto';
import { InvoicesRepository } from './invoices.repository';
import { SPEND_LIMITS, type SpendLimits } from './spend-limits.port';
import { InvoicingError, InvoicingErrorCode } from './invoicing.errors';
import { ContractError, ContractErrorCode } from '../contracts/contracts.errors';
import { basisItemErrors, basisItemOf, describeItem, undeclaredTypeErrors, type ValueBasisItem } from '../contracts/value-basis';
import { localDate } from '../kernel/calendar';
import { inPeriod, samplePricingInput } from '../pricing/sample';
import { guaranteeKpis, knownOutcomeTypes } from '../pricing/terms';
import type { PricingContract, Terms } from '../pricing/types';
import { CreateQuoteDto, QuotePeriodView, QuoteView } from './dto/quote.dto';
import type { ValueBasisItemDto } from '../contracts/dto/value-basis.dto';
import { compareLines, difference, monthsOfPeriods, periodValue, roiUnderEach, sumTotals, sumValues, type PeriodValue, type Totals } from './simulation-math';
import { DeliveredValueService } from '../outcomes/delivered-value.service';
import { Money } from '../common/money';

/** A stored numeric (normal form, "112000") in the currency's decimals ("112000.00"). */
const fixed = (v: string, decimals: number) => new Money(v).toFixed(decimals);

/** At most this many periods per simulation: each is one aggregate query. */
export const MAX_SIMULATED_PERIODS = 36;

/**
 * What-if simulation (#15 item 5): the contract's real outcomes priced under proposed terms, period
 * by period, beside what was invoiced. It uses billing's own engine input (the same SQL aggregates
 * of the period's verified billable outcomes, `open` source) and the same pure engine, in a
 * read-only transaction: nothing is written, not even the simulation (it is recomputed on demand,
 * so it always reflects the outcomes as they stand).
 *
 * Each outcome is priced in the period it occurred in, as verified now; an invoice may also carry
 * adjustment lines for earlier periods (late verifications, reversals), which the simulation of
 * its period does not: those show as lines only the invoice has.
 */
@Injectable()
export class SimulationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly contracts: ContractsService,
    private readonly invoices: InvoicesRepository,
    private readonly inputs: BillingInputsRepository,
    private readonly delivered: DeliveredValueService,
    @Inject(SPEND_LIMITS) private readonly spendLimits: SpendLimits,
  ) {}

  async simulate(p: Principal, contractId: string, dto: CreateSimulationDto): Promise<SimulationView> {
    // Refused exactly as contract creation refuses them: the same function, the same 422.
    const terms = await this.contracts.checkedTerms(p.vendorId, dto.terms);
    const contract = await this.contracts.findVisible(p, contractId);
    const labels = this.labels(contract.billingCycle, dto.from, dto.to);
    const scope = vendorScope(p.vendorId);
    const decimals = minorUnits(contract.currency);

    // ROI under each: the value the results delivered (by the contract's value basis, whatever the
    // price) against the invoiced and the simulated subtotal.
    const months = monthsOfPeriods(contract.billingCycle, labels);
    const basis = await this.delivered.basisMonths(scope, [{ id: contract.id, timezone: contract.timezone, starts_on: contract.startsOn, ends_on: contract.endsOn ?? null }], months);
    const values = await this.delivered.value(scope, basis);
    const declared = basis.length > 0;
    const valueOf = (label: string): PeriodValue => periodValue(values, label);
    const periods = await this.db.transaction('REPEATABLE READ', async (em) => {
      await em.query('SET TRANSACTION READ ONLY');
      const out: SimulationPeriodView[] = [];
      for (const label of labels) {
        const period = periodForCycle(contract, label);
        const found = await this.invoices.findOfPeriod(scope, contract.id, period.start, em);
        const invoice = found && (found.status === 'finalized' || found.status === 'paid') ? await this.invoices.find(scope, found.id, {}, em) : null;
        // The customer's hard limit binds the proposed terms as it binds billing: the one the invoice
        // recorded, else the one in force for the period.
        const input = await this.inputs.pricingInput(em, { scope, contract, period, terms }, { kind: 'open' }, []);
        const limit = invoice ? (invoice.spendLimit ?? null) : await this.spendLimits.hardLimitFor(scope, contract, period.end, em);
        const result = priceInvoice(limit ? { ...input, spendLimit: limit } : input);
        const actual = invoice && invoice.total !== null
          ? {
              invoiceId: invoice.id,
              number: invoice.number,
              status: invoice.status,
              subtotal: fixed(invoice.subtotal!, decimals),
              tax: fixed(invoice.tax!, decimals),
              total: fixed(invoice.total, decimals),
            }
          : null;
        const simulated = result.ok ? { subtotal: result.subtotal, tax: result.tax, total: result.total } : null;
        out.push({
          period: label,
          start: period.start,
          end: period.end,
          actual,
          simulated,
          refusal: result.ok ? null : { code: result.code, reason: result.reason },
          difference: actual && simulated ? difference(actual.total, simulated.total, decimals) : null,
          lines: compareLines(actual ? invoice!.lines : null, result.ok ? result.lines : null, decimals),
          roi: roiUnderEach(valueOf(label), actual?.subtotal ?? null, simulated?.subtotal ?? null, declared, decimals),
        });
      }
      return out;
    });


    const compared = periods.filter((x) => x.actual && x.simulated);
    const comparedActual = sumTotals(compared.map((x) => x.actual as Totals), decimals);
    const comparedSimulated = sumTotals(compared.map((x) => x.simulated!), decimals);
    const comparedValue = sumValues(compared.map((x) => valueOf(x.period)));
    return {
      contractId: contract.id,
      currency: contract.currency,
      termsSha256: sha256Hex(canonicalJson(terms)),
      periods,
      comparedActual,
      comparedSimulated,
      difference: difference(comparedActual.total, comparedSimulated.total, decimals),
      comparedRoi: roiUnderEach(comparedValue, comparedActual.subtotal, comparedSimulated.subtotal, declared && compared.length > 0, decimals),
      valueBasisDeclared: declared,
      valueBasis: declared ? [...new Set(basis.flatMap((b) => b.version.items.map(describeItem)))] : ['no value basis declared'],
    };
  }

  /**
   * A quote for a prospective customer: a sample of expected outcomes, each counted verified, priced
   * period by period under the proposed terms by billing's engine (the sample aggregated as billing's
   * SQL aggregates recorded outcomes: src/pricing/sample.ts), with the ROI the value basis gives.
   * Nothing is read from the vendor's records but its verifiers (named by the terms), nothing written.
   */
  async quote(p: Principal, dto: CreateQuoteDto): Promise<QuoteView> {
    const terms = await this.contracts.checkedTerms(p.vendorId, dto.terms);
    const contract: PricingContract = {
      currency: dto.contract.currency,
      timezone: dto.contract.timezone ?? 'Asia/Shanghai', // the contracts' own default
      taxRate: dto.contract.taxRate,
      startsOn: dto.contract.startsOn,
      endsOn: dto.contract.endsOn ?? null,
      billingCycle: dto.contract.billingCycle ?? 'monthly',
    };
    const labels = this.labels(contract.billingCycle, dto.from, dto.to);
    const periods = labels.map((l) => ({ label: l, ...periodForCycle(contract, l) }));
    const items = dto.valueBasis ? this.quoteBasisItems(dto.valueBasis.items, terms) : null;
    this.checkSample(dto, terms, contract, periods);
    const decimals = minorUnits(contract.currency);

    const months = monthsOfPeriods(contract.billingCycle, labels);
    const { basis, rows } = await this.delivered.ofSample({ ...contract, endsOn: contract.endsOn ?? null }, terms, items, months, dto.outcomes);
    const declared = basis.length > 0;
    const valueOf = (label: string): PeriodValue => periodValue(rows, label);
    const roiOf = (v: PeriodValue, fees: string | null) => {
      const r = roiUnderEach(v, null, fees, declared, decimals);
      return { value: r.value, measuredValue: r.measuredValue, estimatedValue: r.estimatedValue, fees, roiPercent: r.simulatedRoiPercent };
    };

    const out: QuotePeriodView[] = periods.map((period) => {
      const result = priceInvoice(samplePricingInput(contract, terms, { start: period.start, end: period.end }, dto.outcomes));
      const quoted = result.ok ? { subtotal: result.subtotal, tax: result.tax, total: result.total } : null;
      return {
        period: period.label,
        start: period.start,
        end: period.end,
        outcomes: inPeriod(dto.outcomes, period, contract.timezone).length,
        quoted,
        refusal: result.ok ? null : { code: result.code, reason: result.reason },
        lines: result.ok ? result.lines.map((l) => ({ key: l.key, description: l.description, quantity: l.quantity, unitPrice: l.unitPrice, amount: l.amount })) : [],
        roi: roiOf(valueOf(period.label), quoted?.subtotal ?? null),
      };
    });
    const priced = out.filter((x) => x.quoted);
    const total = sumTotals(priced.map((x) => x.quoted!), decimals);
    const pricedValue = sumValues(priced.map((x) => valueOf(x.period)));
    return {
      currency: contract.currency,
      termsSha256: sha256Hex(canonicalJson(terms)),
      sampleOutcomes: dto.outcomes.length,
      periods: out,
      total,
      roi: roiOf(pricedValue, priced.length ? total.subtotal : null),
      valueBasisDeclared: declared,
      valueBasis: declared ? [...new Set(basis.flatMap((b) => b.version.items.map(describeItem)))] : ['no value basis declared'],
    };
  }

  /** A quote's value basis, held to a contract's rules: each method's figures, and only what the terms declare. */
  private quoteBasisItems(dtoItems: ValueBasisItemDto[], terms: Terms): ValueBasisItem[] {
    const prefix = (errors: Array<{ field: string; message: string }>) => errors.map((e) => ({ field: `valueBasis.${e.field}`, message: e.message }));
    const structural = prefix(basisItemErrors(dtoItems));
    if (structural.length) throw ContractError.create(ContractErrorCode.VALUE_BASIS_INVALID, structural[0].message, structural);
    const undeclared = prefix(undeclaredTypeErrors(dtoItems, terms));
    if (undeclared.length) throw ContractError.create(ContractErrorCode.VALUE_BASIS_OUTCOME_TYPE_UNDECLARED, undeclared.map((e) => e.message).join('; '), undeclared);
    return dtoItems.map(basisItemOf);
  }

  /** Every sample outcome names a type the terms know and occurs in a quoted period, inside the contract's dates. */
  private checkSample(dto: CreateQuoteDto, terms: Terms, contract: PricingContract, periods: Array<{ label: string; start: string; end: string }>): void {
    const known = new Set([...knownOutcomeTypes(terms).keys(), ...guaranteeKpis(terms)]);
    const first = periods[0].start;
    const last = periods[periods.length - 1].end;
    const errors: Array<{ field: string; message: string }> = [];
    if (contract.endsOn && contract.endsOn < contract.startsOn) errors.push({ field: 'contract.endsOn', message: 'must not be before startsOn' });
    if (last <= contract.startsOn) errors.push({ field: 'to', message: `the contract starts on ${contract.startsOn}, after the last quoted period` });
    dto.outcomes.forEach((o, i) => {
      if (!known.has(o.type)) errors.push({ field: `outcomes[${i}].type`, message: `${o.type} is not an outcome type of the proposed terms (declared: ${[...known].sort().join(', ') || 'none'})` });
      const day = localDate(o.occurredAt, contract.timezone);
      if (day < first || day >= last) errors.push({ field: `outcomes[${i}].occurredAt`, message: `falls on ${day} (${contract.timezone}), outside the quoted periods ${first} to ${last}` });
      else if (day < contract.startsOn || (contract.endsOn && day > contract.endsOn))
        errors.push({ field: `outcomes[${i}].occurredAt`, message: `falls on ${day}, outside the contract’s dates` });
    });
    if (errors.length)
      throw InvoicingError.create(InvoicingErrorCode.QUOTE_SAMPLE_INVALID, errors.slice(0, 3).map((e) => `${e.field} ${e.message}`).join('; '), errors.slice(0, 100));
  }

  /** The period labels from `from` to `to`, in the contract's cycle. */
  private labels(cycle: 'monthly' | 'annual', from: string, to: string): string[] {
    const shape = cycle === 'annual' ? /^\d{4}$/ : /^\d{4}-\d{2}$/;
    const wrong = [from, to].flatMap((v, i) => (shape.test(v) ? [] : [{ field: i === 0 ? 'from' : 'to', message: `must be ${cycle === 'annual' ? 'YYYY' : 'YYYY-MM'} for a ${cycle} contract` }]));
    if (wrong.length) throw InvoicingError.create(InvoicingErrorCode.PERIOD_INVALID, wrong.map((w) => `${w.field} ${w.message}`).join('; '), wrong);
    if (to < from) throw InvoicingError.create(InvoicingErrorCode.PERIOD_INVALID, 'to is before from', [{ field: 'to', message: 'must not be before from' }]);
    const labels =
      cycle === 'annual'
        ? Array.from({ length: parseInt(to, 10) - parseInt(from, 10) + 1 }, (_, i) => String(parseInt(from, 10) + i).padStart(4, '0'))
        : monthsBetween(from, to);
    if (labels.length > MAX_SIMULATED_PERIODS)
      throw InvoicingError.create(InvoicingErrorCode.PERIOD_INVALID, `${labels.length} periods asked; simulate at most ${MAX_SIMULATED_PERIODS} at once`, [
        { field: 'to', message: `at most ${MAX_SIMULATED_PERIODS} periods from "from"` },
      ]);
    return labels;
  }
}
