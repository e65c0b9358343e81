import { ValidationError, ValidationPipe } from '@nestjs/common';
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

/** Strict DTO validation: unknown fields are refused, and every field error is listed. */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
