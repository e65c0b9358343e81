import { defineErrors } from '../common/errors/domain-exception';

export enum LedgerErrorCode {
  JOURNAL_ENTRY_INVALID = 'JOURNAL_ENTRY_INVALID',
  JOURNAL_ENTRY_UNBALANCED = 'JOURNAL_ENTRY_UNBALANCED',
  JOURNAL_ENTRY_CONFLICT = 'JOURNAL_ENTRY_CONFLICT',
  CHECKPOINT_INVALID = 'CHECKPOINT_INVALID',
  CHECKPOINT_SIGNATURE_INVALID = 'CHECKPOINT_SIGNATURE_INVALID',
  CHECKPOINT_DIVERGES = 'CHECKPOINT_DIVERGES',
}

export const LedgerError = defineErrors<LedgerErrorCode>({
  JOURNAL_ENTRY_INVALID: { status: 422, title: 'The journal entry is not valid' },
  JOURNAL_ENTRY_UNBALANCED: { status: 422, title: 'The journal entry does not balance: debits must equal credits in each currency' },
  JOURNAL_ENTRY_CONFLICT: {
    status: 409,
    title: 'A different journal entry of that kind was already posted for that reference',
  },
  CHECKPOINT_INVALID: { status: 422, title: 'That is not a ledger checkpoint of this vendor' },
  CHECKPOINT_SIGNATURE_INVALID: { status: 422, title: 'The checkpoint is not signed by any signing key of this vendor' },
  CHECKPOINT_DIVERGES: {
    status: 409,
    title: 'The chain head differs from the checkpoint already signed at its sequence: history was rewritten; nothing new is signed',
  },
});
