import { defineErrors } from '../common/errors/domain-exception';

export enum SpendErrorCode {
  SPEND_CONTROLS_INVALID = 'SPEND_CONTROLS_INVALID',
  AS_OF_INVALID = 'AS_OF_INVALID',
}

export const SpendError = defineErrors<SpendErrorCode>({
  SPEND_CONTROLS_INVALID: { status: 422, title: 'The spend controls are not valid' },
  AS_OF_INVALID: { status: 422, title: 'The instant asked for is not valid' },
});
