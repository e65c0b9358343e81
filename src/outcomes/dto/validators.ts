import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { canonicalJson } from '../../kernel/canonical-json';

export const MAX_DIMENSIONS = 20;
export const MAX_EVIDENCE_BYTES = 64 * 1024;

/** `{ site: "Suzhou", line: "L2" }`: at most 20 keys, keys 1–64 word characters, values strings of 1–200 characters. */
export function isFlatStringMap(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length > MAX_DIMENSIONS) return false;
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(k) || typeof v !== 'string' || v.length < 1 || v.length > 200) return false;
  }
  return true;
}

export function IsFlatStringMap(validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isFlatStringMap',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: isFlatStringMap,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be a flat map of at most ${MAX_DIMENSIONS} names (letters, digits, _ . -) to strings of 1–200 characters`,
      },
    });
}

/** Inline evidence: a JSON object or array whose canonical form is at most 64 KiB. */
export function isEvidence(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return Buffer.byteLength(canonicalJson(value), 'utf8') <= MAX_EVIDENCE_BYTES;
  } catch {
    return false;
  }
}

export function IsEvidence(validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isEvidence',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: isEvidence,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be a JSON object or array of at most 64 KiB (store larger evidence elsewhere and send evidenceUri + evidenceSha256)`,
      },
    });
}
