import { SetMetadata } from '@nestjs/common';

export const RETURNS_SECRET = 'ol:returns-secret';

/**
 * The route's answer carries a secret (an API key, a signing secret): the idempotency record keeps
 * only a marker, never the answer, and a replay is refused with 409 IDEMPOTENT_SECRET_NOT_REPLAYABLE.
 */
export const ReturnsSecret = () => SetMetadata(RETURNS_SECRET, true);
