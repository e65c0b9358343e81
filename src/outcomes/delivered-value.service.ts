import { Injectable } from '@nestjs/common';
import type { Scope } from '../auth/scope';
import { ContractReportReads, type ReportContractRow } from '../contracts/report.reads';
import { basisFromTerms, recurringUnitValue, type ValueBasisItem, type ValueBasisVersionRow } from '../contracts/value-basis';
import type { SampleOutcome } from '../pricing/sample';
import { monthPeriod } from '../kernel/calendar';
import { versionInForce } from '../pricing/terms-in-force';
import type { Terms } from '../pricing/types';
import { type BasisSlot, OutcomeFiguresRepository, SAMPLE_CONTRACT } from './outcome-figures.repository';

/** The version in force during a month: the latest taking effect on or before its last day. */
export function inForceDuring<T extends { effective_from: string }>(versions: readonly T[], month: string): T | undefined {
  const end = new Date(`${monthPeriod(month).end}T00:00:00Z`);
  const lastDay = new Date(end.getTime() - 86_400_000).toISOString().slice(0, 10);
  return versionInForce(
    versions.map((v) => ({ effectiveFrom: v.effective_from, v })),
    lastDay,
  )?.v;
}

/** One month of one contract and the value basis version counting in it. */
export interface BasisMonth {
  contractId: string;
  month: string;
  start: string;
  end: string;
  tz: string;
  version: ValueBasisVersionRow;
  /** The contract's days and the terms in force in the month: what a licence's units in service are. */
  startsOn: string;
  endsOn: string | null;
  terms: Terms | null;
}

export interface DeliveredValueRow {
  contractId: string;
  month: string;
  estimated: boolean;
  value: string;
  count: number;
}

type ValuedContract = Pick<ReportContractRow, 'id' | 'timezone' | 'starts_on' | 'ends_on'>;

/**
 * The value a contract's results delivered, month by month, by its value basis (contracts/value-basis.ts):
 * what ROI reports weigh fees against, and what a what-if simulation weighs both fee schedules against.
 */
@Injectable()
export class DeliveredValueService {
  constructor(
    private readonly contracts: ContractReportReads,
    private readonly figures: OutcomeFiguresRepository,
  ) {}

  /**
   * Each contract's months with the value basis counting in them: the latest declared version
   * taking effect before the month ends, else what the terms in force imply (value shares,
   * valuePerUnit). Months with neither are left out: no value basis declared.
   */
  async basisMonths(scope: Scope, contracts: readonly ValuedContract[], months: readonly string[]): Promise<BasisMonth[]> {
    const ids = contracts.map((c) => c.id);
    const versions = await this.contracts.termsVersions(scope, ids);
    const declared = await this.contracts.valueBases(scope, ids);
    const out: BasisMonth[] = [];
    for (const c of contracts) {
      const own = versions.filter((v) => v.contract_id === c.id);
      const bases = declared.filter((v) => v.contract_id === c.id);
      for (const m of months) {
        const { start, end } = monthPeriod(m);
        if (end <= c.starts_on || (c.ends_on && start > c.ends_on)) continue;
        let version = inForceDuring(bases, m);
        const tv = inForceDuring(own, m);
        if (!version) {
          const items = tv ? basisFromTerms(tv.document) : [];
          if (items.length)
            version = {
              id: null,
              contract_id: c.id,
              effective_from: tv!.effective_from,
              description: 'implied by the terms',
              items,
            };
        }
        if (version)
          out.push({
            contractId: c.id,
            month: m,
            start,
            end,
            tz: c.timezone,
            version,
            startsOn: c.starts_on,
            endsOn: c.ends_on,
            terms: tv?.document ?? null,
          });
      }
    }
    return out;
  }

  /** Value per contract, month and kind (measured or estimated), aggregated in SQL. */
  value(scope: Scope, months: readonly BasisMonth[], invoiced?: ReadonlySet<string>): Promise<DeliveredValueRow[]> {
    return this.figures.basisValue(scope, slotsOf(months, invoiced));
  }

  /**
   * A quote's value: a sample of expected outcomes (each counted verified) valued month by month by
   * the given basis, or the one the terms imply — by the same SQL as recorded outcomes.
   */
  async ofSample(
    contract: { timezone: string; startsOn: string; endsOn: string | null },
    terms: Terms,
    items: ValueBasisItem[] | null,
    months: readonly string[],
    sample: readonly SampleOutcome[],
  ): Promise<{ basis: BasisMonth[]; rows: DeliveredValueRow[] }> {
    const declared = items ?? basisFromTerms(terms);
    const version: ValueBasisVersionRow = {
      id: null,
      contract_id: SAMPLE_CONTRACT,
      effective_from: contract.startsOn,
      description: items ? 'the quote’s' : 'implied by the terms',
      items: declared,
    };
    const basis: BasisMonth[] = declared.length
      ? months.flatMap((m) => {
          const { start, end } = monthPeriod(m);
          if (end <= contract.startsOn || (contract.endsOn && start > contract.endsOn)) return [];
          return [
            {
              contractId: SAMPLE_CONTRACT,
              month: m,
              start,
              end,
              tz: contract.timezone,
              version,
              startsOn: contract.startsOn,
              endsOn: contract.endsOn,
              terms,
            },
          ];
        })
      : [];
    const rows = await this.figures.basisValueOfSample(
      slotsOf(basis),
      sample.map((o) => ({
        type: o.type,
        occurred_at: o.occurredAt,
        quantity: o.quantity ?? null,
        value: o.value ?? null,
      })),
    );
    return { basis, rows };
  }
}

/**
 * The SQL's slots. With `invoiced` (`contractId month`), a per_recurring_unit item counts only in
 * months with fees invoiced: seats in service are weighed against what they were billed, so a month
 * not (yet) invoiced adds no licence value to an ROI that has no fees for it.
 */
function slotsOf(months: readonly BasisMonth[], invoiced?: ReadonlySet<string>): BasisSlot[] {
  return months.flatMap((b) =>
    b.version.items.map((i) => ({
      contract_id: b.contractId,
      month: b.month,
      start: b.start,
      end: b.end,
      tz: b.tz,
      type: i.outcomeType,
      method: i.method,
      unit_value: i.unitValue ?? null,
      baseline: i.baseline ?? null,
      estimated: i.estimated,
      fixed_value:
        i.method === 'per_recurring_unit' && b.terms && (!invoiced || invoiced.has(`${b.contractId} ${b.month}`))
          ? recurringUnitValue(i, b.terms, b.month, b.startsOn, b.endsOn)
          : null,
    })),
  );
}
