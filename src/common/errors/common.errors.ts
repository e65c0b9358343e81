import { defineErrors } from './domain-exception';

export enum CommonErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  MALFORMED_JSON = 'MALFORMED_JSON',
  BODY_TOO_LARGE = 'BODY_TOO_LARGE',
  BODY_TOO_DEEP = 'BODY_TOO_DEEP',
  BODY_UNREADABLE = 'BODY_UNREADABLE',
  NOT_FOUND = 'NOT_FOUND',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  RATE_LIMITED = 'RATE_LIMITED',
  AUTH_RATE_LIMITED = 'AUTH_RATE_LIMITED',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_KEY_IN_PROGRESS = 'IDEMPOTENCY_KEY_IN_PROGRESS',
  IDEMPOTENT_SECRET_NOT_REPLAYABLE = 'IDEMPOTENT_SECRET_NOT_REPLAYABLE',
  INVALID_CURSOR = 'INVALID_CURSOR',
  CONFLICT = 'CONFLICT',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  INTERNAL = 'INTERNAL',
}

export const CommonError = defineErrors<CommonErrorCode>({
  VALIDATION_FAILED: { status: 422, title: 'The request is not valid' },
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  BODY_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  BODY_TOO_DEEP: { status: 400, title: 'The request body nests too deeply' },
  BODY_UNREADABLE: { status: 400, title: 'The request body could not be read' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  UNAUTHENTICATED: { status: 401, title: 'A valid API key is required' },
  FORBIDDEN: { status: 403, title: 'This key may not do that' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  AUTH_RATE_LIMITED: { status: 429, title: 'Too many failed authentications from this address' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency-Key was used with a different request' },
  IDEMPOTENCY_KEY_IN_PROGRESS: { status: 409, title: 'A request with this Idempotency-Key is still being processed' },
  IDEMPOTENT_SECRET_NOT_REPLAYABLE: { status: 409, title: 'The request with this Idempotency-Key succeeded; its answer carried a secret and is not replayed' },
  INVALID_CURSOR: { status: 400, title: 'The pagination cursor is not valid' },
  CONFLICT: { status: 409, title: 'Conflict' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  INTERNAL: { status: 500, title: 'Internal error' },
});

export const notFound = (what: string, id?: string) =>
  CommonError.create(CommonErrorCode.NOT_FOUND, id ? `${what} ${id} was not found` : `${what} was not found`);
