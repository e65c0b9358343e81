import { Injectable } from '@nestjs/common';
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
import { InvoicingError, InvoicingErrorCode } from './invoicing.errors';
import { compareLines, difference, roiUnderEach, sumTotals, type PeriodValue, type Totals } from './simulation-math';
import { describeItem } from '../contracts/value-basis';
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
    const months = labels.flatMap((l) => (contract.billingCycle === 'annual' ? monthsBetween(`${l}-01`, `${l}-12`) : [l]));
    const basis = await this.delivered.basisMonths(scope, [{ id: contract.id, timezone: contract.timezone, starts_on: contract.startsOn, ends_on: contract.endsOn ?? null }], months);
    const values = await this.delivered.value(scope, basis);
    const declared = basis.length > 0;
    const valueOf = (label: string): PeriodValue => {
      const rows = values.filter((r) => r.month.startsWith(label));
      const sum = (estimated: boolean) => rows.filter((r) => r.estimated === estimated).reduce((acc, r) => acc.plus(r.value), new Money(0)).toFixed();
      return { measured: sum(false), estimated: sum(true) };
    };
    const periods = await this.db.transaction('REPEATABLE READ', async (em) => {
      await em.query('SET TRANSACTION READ ONLY');
      const out: SimulationPeriodView[] = [];
      for (const label of labels) {
        const period = periodForCycle(contract, label);
        const result = priceInvoice(await this.inputs.pricingInput(em, { scope, contract, period, terms }, { kind: 'open' }, []));
        const found = await this.invoices.findOfPeriod(scope, contract.id, period.start, em);
        const invoice = found && (found.status === 'finalized' || found.status === 'paid') ? await this.invoices.find(scope, found.id, {}, em) : null;
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
    const comparedValue = compared.map((x) => valueOf(x.period)).reduce(
      (acc, v) => ({ measured: new Money(acc.measured).plus(v.measured).toFixed(), estimated: new Money(acc.estimated).plus(v.estimated).toFixed() }),
      { measured: '0', estimated: '0' },
    );
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
