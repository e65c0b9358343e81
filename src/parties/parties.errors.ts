import { defineErrors } from '../common/errors/domain-exception';

export enum PartyErrorCode {
  CUSTOMER_REFERENCE_TAKEN = 'CUSTOMER_REFERENCE_TAKEN',
  TAX_ID_INVALID = 'TAX_ID_INVALID',
  VERIFIER_KEY_TAKEN = 'VERIFIER_KEY_TAKEN',
}

export const PartyError = defineErrors<PartyErrorCode>({
  CUSTOMER_REFERENCE_TAKEN: { status: 409, title: 'Another customer already has this reference' },
  TAX_ID_INVALID: { status: 422, title: 'The tax id is not valid for its country' },
  VERIFIER_KEY_TAKEN: { status: 409, title: 'Another verifier already has this key' },
});
