import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, getSchemaPath } from '@nestjs/swagger';

/** The shape of every cursor-paginated list (`Page<T>` in src/common/http/pagination.ts). */
export class PageView {
  @ApiProperty({ type: 'array', items: {}, description: 'The page, newest first' })
  data: unknown[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor: string | null;
}

/** 200 with a `PageView` whose `data` holds `model`s. */
export function ApiPageResponse(model: Type<unknown>, description?: string): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(PageView, model),
    ApiOkResponse({
      description: description ?? 'A page',
      schema: {
        allOf: [
          { $ref: getSchemaPath(PageView) },
          { type: 'object', required: ['data'], properties: { data: { type: 'array', items: { $ref: getSchemaPath(model) } } } },
        ],
      },
    }),
  );
}
