import { defineErrors } from '../common/errors/domain-exception';

export enum LedgerErrorCode {
  JOURNAL_ENTRY_INVALID = 'JOURNAL_ENTRY_INVALID',
  JOURNAL_ENTRY_UNBALANCED = 'JOURNAL_ENTRY_UNBALANCED',
  JOURNAL_ENTRY_CONFLICT = 'JOURNAL_ENTRY_CONFLICT',
}

export const LedgerError = defineErrors<LedgerErrorCode>({
  JOURNAL_ENTRY_INVALID: { status: 422, title: 'The journal entry is not valid' },
  JOURNAL_ENTRY_UNBALANCED: { status: 422, title: 'The journal entry does not balance: debits must equal credits in each currency' },
  JOURNAL_ENTRY_CONFLICT: {
    status: 409,
    title: 'A different journal entry of that kind was already posted for that reference',
  },
});
