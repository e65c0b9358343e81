import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** One field's error in a problem's `errors` member. */
export class FieldErrorView {
  @ApiProperty({ example: 'terms.components[0].rate', description: 'The field, as a path into the request (or a header name)' })
  field: string;

  @ApiProperty({ example: 'must be a decimal string between 0 and 1' })
  message: string;
}

/** RFC 9457 problem details, as `ProblemDetailsFilter` writes them (src/common/errors). */
export class Problem {
  @ApiProperty({ format: 'uri', example: 'https://outcome-ledger.dev/problems/validation-failed' })
  type: string;

  @ApiProperty({ example: 'The request is not valid' })
  title: string;

  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 422 })
  status: number;

  @ApiPropertyOptional({ example: 'terms.components[0].rate must be a decimal string between 0 and 1' })
  detail?: string;

  @ApiPropertyOptional({ example: '/v1/contracts', description: 'The request path' })
  instance?: string;

  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable, machine-readable error code' })
  code: string;

  @ApiPropertyOptional({ type: [FieldErrorView] })
  errors?: FieldErrorView[];

  @ApiPropertyOptional({ description: 'The request id, as in the logs and the X-Request-Id header' })
  requestId?: string;
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** What each status means across the API (domain codes refine it in `code`). */
export const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (bad JSON, too deep, a bad cursor)',
  401: 'No valid API key',
  403: 'The key’s role may not do this',
  404: 'Not found (also another vendor’s id)',
  409: 'Conflicts with the current state (or an Idempotency-Key in progress)',
  413: 'The body is too large',
  415: 'The body is not application/json in UTF-8',
  422: 'A field is not valid; `errors` names each one',
  429: 'Too many requests',
  503: 'Unavailable',
};

export function problemResponse(status: number) {
  return {
    description: PROBLEM_DESCRIPTIONS[status] ?? 'Error',
    content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: getSchemaPath(Problem) } } },
  };
}

/**
 * Documents the operation's application/problem+json answers. The ones every operation shares
 * (401, 403, 429; 404 with a path id; 400, 413, 415, 422 with a body or query) are added to the
 * whole document by `buildOpenApiDocument`: list here what the operation adds (typically 409).
 */
export function ApiProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiExtraModels(Problem), ...statuses.map((status) => ApiResponse({ status, ...problemResponse(status) })));
}
