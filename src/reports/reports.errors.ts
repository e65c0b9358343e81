import { defineErrors } from '../common/errors/domain-exception';

export enum ReportErrorCode {
  PERIOD_INVALID = 'PERIOD_INVALID',
  PERIOD_OUTSIDE_CONTRACT = 'PERIOD_OUTSIDE_CONTRACT',
  RANGE_INVALID = 'RANGE_INVALID',
}

export const ReportError = defineErrors<ReportErrorCode>({
  PERIOD_INVALID: { status: 422, title: 'The period is not valid: use YYYY-MM, optionally followed by .csv or .pdf' },
  PERIOD_OUTSIDE_CONTRACT: { status: 422, title: 'The period is outside the contract’s dates' },
  RANGE_INVALID: { status: 422, title: 'The month range is not valid' },
});
