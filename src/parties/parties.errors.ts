import { defineErrors } from '../common/errors/domain-exception';

export enum PartyErrorCode {
  CUSTOMER_REFERENCE_TAKEN = 'CUSTOMER_REFERENCE_TAKEN',
}

export const PartyError = defineErrors<PartyErrorCode>({
  CUSTOMER_REFERENCE_TAKEN: { status: 409, title: 'Another customer already has this reference' },
});
