// The outcome state machine, written once: every move of an outcome is a row of this table, and
// the service asks it before every transition. Documented in README.md ("State machine").
import type { Role } from '../auth/entities/api-key.entity';
import type { Verification } from '../pricing/types';
import type { OutcomeStatus } from './entities/outcome.entity';

/** Who moves an outcome: a key's role, or the system itself (auto-verified metered usage). */
export type ActorRole = Role | 'system';

export type OutcomeAction = 'record' | 'auto_verify' | 'deem' | 'verify' | 'reject' | 'dispute' | 'uphold' | 'reverse' | 'correct';

export interface Transition {
  action: OutcomeAction;
  /** `null`: the outcome does not exist yet. */
  from: readonly (OutcomeStatus | null)[];
  to: OutcomeStatus;
  /** The roles that may make the move. */
  by: readonly ActorRole[];
  /** The verification kinds (terms, per outcome type) the move serves. */
  verifiers: readonly Verification[];
}

const ALL_KINDS: readonly Verification[] = ['auto', 'customer', 'third_party'];
/** Third-party types are decided through the customer's key until third parties have keys. */
const PERSON_KINDS: readonly Verification[] = ['customer', 'third_party'];

export const OUTCOME_TRANSITIONS: readonly Transition[] = [
  { action: 'record', from: [null], to: 'recorded', by: ['vendor_admin'], verifiers: ALL_KINDS },
  { action: 'auto_verify', from: ['recorded'], to: 'verified', by: ['system'], verifiers: ['auto'] },
  // Deemed acceptance: the objection window of the terms lapsed with no decision (an event with deemed_at).
  { action: 'deem', from: ['recorded'], to: 'verified', by: ['system'], verifiers: ['customer'] },
  { action: 'verify', from: ['recorded'], to: 'verified', by: ['customer'], verifiers: PERSON_KINDS },
  { action: 'reject', from: ['recorded'], to: 'rejected', by: ['customer'], verifiers: PERSON_KINDS },
  // Within the dispute window of the terms in force when the outcome occurred; once per outcome.
  { action: 'dispute', from: ['verified'], to: 'disputed', by: ['customer'], verifiers: ALL_KINDS },
  { action: 'uphold', from: ['disputed'], to: 'verified', by: ['vendor_admin'], verifiers: ALL_KINDS },
  { action: 'reverse', from: ['disputed'], to: 'reversed', by: ['vendor_admin'], verifiers: ALL_KINDS },
  // The original of a correction; the correction itself is a new outcome (`record`).
  { action: 'correct', from: ['recorded', 'verified', 'disputed'], to: 'reversed', by: ['vendor_admin'], verifiers: ALL_KINDS },
];

export function transitionOf(action: OutcomeAction): Transition {
  const t = OUTCOME_TRANSITIONS.find((x) => x.action === action);
  if (!t) throw new Error(`no transition for ${action}`);
  return t;
}

/** Why a move is refused, or null when the table allows it. */
export function refusal(action: OutcomeAction, from: OutcomeStatus | null, role: ActorRole): 'role' | 'status' | null {
  const t = transitionOf(action);
  if (!t.by.includes(role)) return 'role';
  if (!t.from.includes(from)) return 'status';
  return null;
}
