import { defineErrors } from '../common/errors/domain-exception';

export enum OutcomeErrorCode {
  OUTCOME_TYPE_UNKNOWN = 'OUTCOME_TYPE_UNKNOWN',
  OUTCOME_AMOUNT_MISSING = 'OUTCOME_AMOUNT_MISSING',
  CURRENCY_MISMATCH = 'CURRENCY_MISMATCH',
  OCCURRED_OUTSIDE_CONTRACT = 'OCCURRED_OUTSIDE_CONTRACT',
  EVIDENCE_HASH_MISMATCH = 'EVIDENCE_HASH_MISMATCH',
  EVIDENCE_INVALID = 'EVIDENCE_INVALID',
  OUTCOME_EXTERNAL_ID_CONFLICT = 'OUTCOME_EXTERNAL_ID_CONFLICT',
  BATCH_TOO_LARGE = 'BATCH_TOO_LARGE',
  BATCH_ITEM_INVALID = 'BATCH_ITEM_INVALID',
  CONTRACT_NOT_FOUND = 'CONTRACT_NOT_FOUND',
  OUTCOME_TRANSITION_INVALID = 'OUTCOME_TRANSITION_INVALID',
  VERIFICATION_NOT_ALLOWED_FOR_ROLE = 'VERIFICATION_NOT_ALLOWED_FOR_ROLE',
  DISPUTE_WINDOW_CLOSED = 'DISPUTE_WINDOW_CLOSED',
  OUTCOME_ALREADY_DISPUTED = 'OUTCOME_ALREADY_DISPUTED',
  OUTCOME_NOT_FOUND = 'OUTCOME_NOT_FOUND',
  PERIOD_INVALID = 'PERIOD_INVALID',
}

export const OutcomeError = defineErrors<OutcomeErrorCode>({
  OUTCOME_TYPE_UNKNOWN: { status: 422, title: 'The contract’s terms do not know this outcome type' },
  OUTCOME_AMOUNT_MISSING: { status: 422, title: 'The outcome needs a quantity or a value' },
  CURRENCY_MISMATCH: { status: 422, title: 'A value must be in the contract’s currency' },
  OCCURRED_OUTSIDE_CONTRACT: { status: 422, title: 'The outcome occurred outside the contract’s dates' },
  EVIDENCE_HASH_MISMATCH: { status: 422, title: 'evidenceSha256 is not the SHA-256 of the evidence’s canonical JSON' },
  EVIDENCE_INVALID: { status: 422, title: 'The evidence is not valid' },
  OUTCOME_EXTERNAL_ID_CONFLICT: { status: 409, title: 'This externalId was already recorded with different content' },
  BATCH_TOO_LARGE: { status: 422, title: 'A batch holds at most 1,000 outcomes' },
  BATCH_ITEM_INVALID: { status: 422, title: 'The batch item is not valid' },
  CONTRACT_NOT_FOUND: { status: 404, title: 'Contract not found' },
  OUTCOME_TRANSITION_INVALID: { status: 409, title: 'The outcome cannot move to that status from its current one' },
  VERIFICATION_NOT_ALLOWED_FOR_ROLE: { status: 403, title: 'This key’s role may not verify, reject or dispute outcomes of this type' },
  DISPUTE_WINDOW_CLOSED: { status: 409, title: 'The dispute window of this outcome has closed' },
  OUTCOME_ALREADY_DISPUTED: { status: 409, title: 'This outcome was already disputed once; a resolved dispute is final' },
  OUTCOME_NOT_FOUND: { status: 404, title: 'Outcome not found' },
  PERIOD_INVALID: { status: 422, title: 'The period is not valid' },
});
