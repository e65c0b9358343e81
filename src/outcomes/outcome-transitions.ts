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
/** Third-party types are decided by the named verifier's keys (`deciderOf`; unregistered names: the customer's). */
const PERSON_KINDS: readonly Verification[] = ['customer', 'third_party'];

export const OUTCOME_TRANSITIONS: readonly Transition[] = [
  { action: 'record', from: [null], to: 'recorded', by: ['vendor_admin'], verifiers: ALL_KINDS },
  { action: 'auto_verify', from: ['recorded'], to: 'verified', by: ['system'], verifiers: ['auto'] },
  // Deemed acceptance: the objection window of the terms lapsed with no decision (an event with deemed_at).
  { action: 'deem', from: ['recorded'], to: 'verified', by: ['system'], verifiers: ['customer'] },
  { action: 'verify', from: ['recorded'], to: 'verified', by: ['customer', 'verifier'], verifiers: PERSON_KINDS },
  { action: 'reject', from: ['recorded'], to: 'rejected', by: ['customer', 'verifier'], verifiers: PERSON_KINDS },
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

/** A registered verifier as terms name it (by key or id). */
export interface NamedVerifier {
  id: string;
  key: string;
  name: string;
}

/** Who may verify or reject a recorded outcome of a type, by the terms in force when it occurred. */
export type Decider = { kind: 'customer' } | { kind: 'verifier'; verifier: NamedVerifier };

/**
 * A third-party type whose `verifier` names a registered verifier (by key or id) is decided by
 * that verifier's keys only. Every other type is decided by the customer — including third-party
 * types whose terms name a party not registered as a verifier (terms written before verifiers
 * existed keep working as they did; registering the verifier hands the decision to it).
 */
export function deciderOf(
  verification: Verification | undefined,
  verifierRef: string | undefined,
  registered: ReadonlyMap<string, NamedVerifier>,
): Decider {
  const verifier = verification === 'third_party' && verifierRef !== undefined ? registered.get(verifierRef) : undefined;
  return verifier ? { kind: 'verifier', verifier } : { kind: 'customer' };
}

/** Why a caller may not decide for the decider: null when it may. */
export function decisionRefusal(decider: Decider, caller: { role: ActorRole; verifierId?: string | null }): 'decided_by_verifier' | 'verifier_not_assigned' | null {
  if (decider.kind === 'verifier') {
    if (caller.role === 'verifier') return caller.verifierId === decider.verifier.id ? null : 'verifier_not_assigned';
    return 'decided_by_verifier';
  }
  return caller.role === 'verifier' ? 'verifier_not_assigned' : null;
}
