import { ValidationError, ValidationPipe } from '@nestjs/common';
import type { ValidatorOptions } from 'class-validator';
import { CommonError, CommonErrorCode } from '../errors/common.errors';
import { FieldError } from '../errors/domain-exception';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, 'unknown field'),
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

const isDto = (v: unknown): v is object =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null;

/**
 * `null` for a field a DTO declares is refused (422 "must not be null"), at every nesting level:
 * an optional field is sent or left out, never sent empty. `@IsOptional()` alone would let `null`
 * through to services written for `undefined`. Free JSON (evidence, dimensions) is a plain
 * object, not a DTO, so its nulls are data and stay.
 */
export function nullFieldErrors(dto: object): ValidationError[] {
  const out: ValidationError[] = [];
  for (const [property, value] of Object.entries(dto)) {
    const error: ValidationError = { property, children: [] };
    if (value === null) error.constraints = { notNull: `${property} must not be null: leave the field out instead` };
    else if (isDto(value)) error.children = nullFieldErrors(value);
    else if (Array.isArray(value))
      error.children = value
        .map((item, i): ValidationError => ({ property: String(i), children: isDto(item) ? nullFieldErrors(item) : [] }))
        .filter((c) => c.children!.length > 0);
    if (error.constraints || error.children!.length > 0) out.push(error);
  }
  return out;
}

class StrictValidationPipe extends ValidationPipe {
  protected override async validate(object: object, options?: ValidatorOptions): Promise<ValidationError[]> {
    const errors = await super.validate(object, options);
    const nulls = nullFieldErrors(object).filter((n) => !errors.some((e) => e.property === n.property));
    return [...errors, ...nulls];
  }
}

/** Strict DTO validation: unknown fields and `null` fields are refused, and every field error is listed. */
export function strictValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fieldErrors = flatten(errors);
      return CommonError.create(
        CommonErrorCode.VALIDATION_FAILED,
        fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; '),
        fieldErrors,
      );
    },
  });
}
