/** A field-level error, listed in the problem+json `errors` member. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Base of every domain's named errors. Each domain declares its codes as a string enum and the
 * HTTP status of each in an exhaustive record (see `*.errors.ts`); the problem+json filter maps
 * them in one place.
 */
export class DomainException extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail ?? title);
  }
}

export interface ErrorSpec {
  status: number;
  title: string;
}

/**
 * Builds a domain's exception factory from its exhaustive code → (status, title) table.
 * `ContractError.raise(ContractErrorCode.TERMS_VERSION_OVERLAPS, 'detail')`.
 */
export function defineErrors<C extends string>(table: Record<C, ErrorSpec>) {
  return {
    create(code: C, detail?: string, errors?: FieldError[], extensions?: Record<string, unknown>): DomainException {
      const spec = table[code];
      return new DomainException(code, spec.status, spec.title, detail, errors, extensions);
    },
    table,
  };
}
