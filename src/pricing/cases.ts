// Charge once per case, outcome by outcome: the bookkeeping that turns `caseCharge`
// (charges/measures.ts) into the `cases` measure of an invoice's aggregates when the outcomes
// arrive one at a time, in any order (the offline verifier streaming a bundle, the specs' models).
// Billing gets the same figures from SQL (window functions and semi-joins over the invoice's rows,
// `caseChargeSql` in src/invoicing/billing-inputs.repository.ts). Memory: one entry per case.
import { type CaseRole, caseCharge } from './charges/measures';

/** One outcome of a case as the invoice being priced sees it. */
export interface CaseSighting<T> {
  case: string;
  id: string;
  /** Compared as text: ISO 8601 instants in one normal form (UTC, fixed digits). */
  occurredAt: string;
  /** Its role in the invoice, if it has one (an outcome may only tell what it says about its case). */
  role?: CaseRole;
  /** For `billed`: the period it belongs to (billed cases count per period). */
  period?: string;
  /** Billed (+1) and not taken back (−1) by the invoices before this one. */
  liveBefore: boolean;
  /** Still billed after this invoice: live before and not reversed by it, or billed by it. */
  liveAfter: boolean;
  /** Where its measure goes when it is the one outcome that charges (or gives back) its case. */
  target?: T;
}

interface Entry<T> {
  liveBefore: boolean;
  liveAfter: boolean;
  late: boolean;
  first: Map<string, { role: CaseRole; occurredAt: string; id: string; target?: T }>;
}

const earlier = (a: { occurredAt: string; id: string }, b: { occurredAt: string; id: string }) =>
  a.occurredAt < b.occurredAt || (a.occurredAt === b.occurredAt && a.id < b.id);

export class CaseBook<T> {
  private readonly cases = new Map<string, Entry<T>>();

  see(s: CaseSighting<T>): void {
    let e = this.cases.get(s.case);
    if (!e) this.cases.set(s.case, (e = { liveBefore: false, liveAfter: false, late: false, first: new Map() }));
    e.liveBefore ||= s.liveBefore;
    e.liveAfter ||= s.liveAfter;
    if (!s.role) return;
    if (s.role === 'late') e.late = true;
    const slot = s.role === 'billed' ? `billed\u0000${s.period ?? ''}` : s.role;
    const prior = e.first.get(slot);
    if (!prior || earlier(s, prior)) e.first.set(slot, { role: s.role, occurredAt: s.occurredAt, id: s.id, target: s.target });
  }

  /** The outcomes that carry a case's charge (1 each in the `cases` measure), with their roles. */
  charged(): Array<{ role: CaseRole; id: string; target?: T }> {
    const out: Array<{ role: CaseRole; id: string; target?: T }> = [];
    for (const e of this.cases.values())
      for (const f of e.first.values())
        if (caseCharge(f.role, { first: true, liveBefore: e.liveBefore, liveAfter: e.liveAfter, lateInInvoice: e.late }) === 1)
          out.push({ role: f.role, id: f.id, target: f.target });
    return out;
  }
}
