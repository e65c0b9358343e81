import { defineErrors } from '../common/errors/domain-exception';

export enum ContractErrorCode {
  TERMS_INVALID = 'TERMS_INVALID',
  TERMS_VERSION_OVERLAPS = 'TERMS_VERSION_OVERLAPS',
  TERMS_VERSION_OUTSIDE_CONTRACT = 'TERMS_VERSION_OUTSIDE_CONTRACT',
  TERMS_VERSION_IN_INVOICED_PERIOD = 'TERMS_VERSION_IN_INVOICED_PERIOD',
  TERMS_VERSION_SPLITS_CASE_CHARGE = 'TERMS_VERSION_SPLITS_CASE_CHARGE',
  CONTRACT_DATES_INVALID = 'CONTRACT_DATES_INVALID',
  CONTRACT_TRANSITION_INVALID = 'CONTRACT_TRANSITION_INVALID',
  VALUE_BASIS_INVALID = 'VALUE_BASIS_INVALID',
  VALUE_BASIS_OUTCOME_TYPE_UNDECLARED = 'VALUE_BASIS_OUTCOME_TYPE_UNDECLARED',
  VALUE_BASIS_OUTSIDE_CONTRACT = 'VALUE_BASIS_OUTSIDE_CONTRACT',
  VALUE_BASIS_VERSION_EXISTS = 'VALUE_BASIS_VERSION_EXISTS',
}

export const ContractError = defineErrors<ContractErrorCode>({
  TERMS_INVALID: { status: 422, title: 'The pricing terms are not valid' },
  TERMS_VERSION_OVERLAPS: { status: 409, title: 'A terms version already takes effect on that date' },
  TERMS_VERSION_OUTSIDE_CONTRACT: { status: 422, title: 'The terms version takes effect outside the contract’s dates' },
  TERMS_VERSION_IN_INVOICED_PERIOD: { status: 409, title: 'That period is already invoiced: its terms can no longer change' },
  TERMS_VERSION_SPLITS_CASE_CHARGE: { status: 422, title: 'Terms that charge once per case can change only on the first day of a billing period' },
  CONTRACT_DATES_INVALID: { status: 422, title: 'The contract’s dates are not valid' },
  CONTRACT_TRANSITION_INVALID: { status: 409, title: 'The contract cannot move to that status' },
  VALUE_BASIS_INVALID: { status: 422, title: 'The value basis is not valid' },
  VALUE_BASIS_OUTCOME_TYPE_UNDECLARED: { status: 422, title: 'The value basis names an outcome type the contract’s terms do not declare' },
  VALUE_BASIS_OUTSIDE_CONTRACT: { status: 422, title: 'The value basis takes effect outside the contract’s months' },
  VALUE_BASIS_VERSION_EXISTS: { status: 409, title: 'A value basis version already takes effect on that date' },
});
