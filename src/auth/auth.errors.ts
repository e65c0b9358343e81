import { defineErrors } from '../common/errors/domain-exception';

export enum AuthErrorCode {
  API_KEY_MISSING = 'API_KEY_MISSING',
  API_KEY_INVALID = 'API_KEY_INVALID',
  ROLE_FORBIDDEN = 'ROLE_FORBIDDEN',
  AUDITOR_READ_ONLY = 'AUDITOR_READ_ONLY',
  CUSTOMER_REQUIRED = 'CUSTOMER_REQUIRED',
  VERIFIER_REQUIRED = 'VERIFIER_REQUIRED',
}

export const AuthError = defineErrors<AuthErrorCode>({
  API_KEY_MISSING: { status: 401, title: 'An API key is required (Authorization: Bearer <key>)' },
  API_KEY_INVALID: { status: 401, title: 'The API key is unknown or revoked' },
  ROLE_FORBIDDEN: { status: 403, title: 'This key’s role may not do that' },
  AUDITOR_READ_ONLY: { status: 403, title: 'Auditor keys are read-only' },
  CUSTOMER_REQUIRED: { status: 422, title: 'A customer key must be bound to one of the vendor’s customers' },
  VERIFIER_REQUIRED: { status: 422, title: 'A verifier key must be bound to one of the vendor’s verifiers' },
});
