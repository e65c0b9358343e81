import { strictValidationPipe } from '../common/validation/validation.pipe';

const pipe = strictValidationPipe();

/**
 * A form or query validated by the same DTO, and so the same rules, as the API route it stands
 * for; a bad value answers the same 422 with the field named (rendered as a page).
 */
export async function validated<T extends object>(type: new () => T, plain: Record<string, unknown>): Promise<T> {
  const { _csrf, ...rest } = plain;
  void _csrf;
  return pipe.transform(rest, { type: 'body', metatype: type }) as Promise<T>;
}

/** Form fields that may come once or many times (`ids=a&ids=b`) as a list. */
export function many(v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && x !== '');
}

/** Empty form fields are absent, not empty strings: the DTOs treat "" as a value. */
export function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined && v !== null));
}
