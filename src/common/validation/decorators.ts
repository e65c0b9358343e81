import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import Decimal from 'decimal.js';
import { isIsoCurrency } from '../../kernel/currency';

/** A plain decimal string (no exponent, no spaces): how money, rates and quantities enter the API. */
export const DECIMAL_PATTERN = /^-?\d{1,20}(\.\d{1,12})?$/;

export interface DecimalStringOptions {
  min?: string;
  max?: string;
  maxDecimals?: number;
}

export function IsDecimalString(opts: DecimalStringOptions = {}, validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isDecimalString',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || !DECIMAL_PATTERN.test(value)) return false;
          const d = new Decimal(value);
          if (opts.min !== undefined && d.lt(opts.min)) return false;
          if (opts.max !== undefined && d.gt(opts.max)) return false;
          if (opts.maxDecimals !== undefined && d.decimalPlaces() > opts.maxDecimals) return false;
          return true;
        },
        defaultMessage(args: ValidationArguments) {
          const bounds = [
            opts.min !== undefined ? `≥ ${opts.min}` : '',
            opts.max !== undefined ? `≤ ${opts.max}` : '',
            opts.maxDecimals !== undefined ? `at most ${opts.maxDecimals} decimals` : '',
          ].filter(Boolean);
          return `${args.property} must be a decimal string such as "12.50"${bounds.length ? ` (${bounds.join(', ')})` : ''}`;
        },
      },
    });
}

export function IsIsoCurrency(validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isIsoCurrency',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isIsoCurrency(value),
        defaultMessage: (args: ValidationArguments) => `${args.property} must be an ISO 4217 currency code such as "CNY"`,
      },
    });
}

export function isIanaTimezone(value: unknown): boolean {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export function IsIanaTimezone(validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isIanaTimezone',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: isIanaTimezone,
        defaultMessage: (args: ValidationArguments) => `${args.property} must be an IANA timezone such as "Asia/Shanghai"`,
      },
    });
}

/** A real calendar date `YYYY-MM-DD` between 1970 and 2999. */
export function isCalendarDate(value: unknown): boolean {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  if (y < 1970 || y > 2999) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export function IsCalendarDate(validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: isCalendarDate,
        defaultMessage: (args: ValidationArguments) => `${args.property} must be a date YYYY-MM-DD between 1970 and 2999`,
      },
    });
}

/** ISO 8601 timestamp with an explicit offset (Z or ±hh:mm), years 1970–2999. */
export function isOffsetTimestamp(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  if (!m || !isCalendarDate(`${m[1]}-${m[2]}-${m[3]}`)) return false;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[7] !== undefined && Number(m[7]) > 59)) return false;
  return !Number.isNaN(Date.parse(value));
}

export function IsOffsetTimestamp(validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isOffsetTimestamp',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: isOffsetTimestamp,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be an ISO 8601 timestamp with offset, e.g. 2026-03-31T12:00:00+08:00`,
      },
    });
}
