import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { CommonError, CommonErrorCode } from '../errors/common.errors';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value);

/** `?limit=&cursor=`: opaque cursors over uuidv7 ids, newest first. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,200}$/)
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))
    throw CommonError.create(CommonErrorCode.INVALID_CURSOR);
  return id;
}

/** Applies keyset pagination on `<alias>.id` (descending) and maps the rows. */
export async function paginate<E extends ObjectLiteral, R>(
  qb: SelectQueryBuilder<E>,
  alias: string,
  page: PageQuery,
  map: (row: E) => R,
): Promise<Page<R>> {
  const limit = page.limit ?? 50;
  if (page.cursor) qb.andWhere(`${alias}.id < :cursorId`, { cursorId: decodeCursor(page.cursor) });
  const rows = await qb.orderBy(`${alias}.id`, 'DESC').take(limit + 1).getMany();
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  return {
    data: pageRows.map(map),
    nextCursor: more ? encodeCursor((pageRows[pageRows.length - 1] as any).id) : null,
  };
}
