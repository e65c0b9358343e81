import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';

export type FileMediaType = 'text/csv' | 'application/pdf' | 'application/zip';

const fileSchema = (mediaType: FileMediaType) =>
  mediaType === 'text/csv' ? { type: 'string' as const, description: 'UTF-8 CSV with a header row' } : { type: 'string' as const, format: 'binary' };

/** 200 with a file (CSV text, a PDF, a ZIP) instead of JSON. */
export function ApiFileResponse(mediaType: FileMediaType, description: string): MethodDecorator {
  return ApiOkResponse({ description, content: { [mediaType]: { schema: fileSchema(mediaType) } } });
}

/** 200 as JSON (`model`) or, by the route or `Accept`, as the listed files. */
export function ApiJsonOrFileResponse(model: Type<unknown>, mediaTypes: FileMediaType[], description: string): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(model),
    ApiOkResponse({
      description,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(model) } },
        ...Object.fromEntries(mediaTypes.map((m) => [m, { schema: fileSchema(m) }])),
      },
    }),
  );
}
