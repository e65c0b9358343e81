import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import fc from 'fast-check';
import { batchItemErrors } from './batch-item.validator';
import { BatchOutcomeItemDto } from './outcome.dto';

function dtoFields(raw: Record<string, unknown>): string[] {
  const errors = validateSync(plainToInstance(BatchOutcomeItemDto, raw), { whitelist: true, forbidNonWhitelisted: true });
  const walk = (es: ValidationError[]): string[] => es.flatMap((e) => [e.property, ...walk(e.children ?? [])]);
  return [...new Set(walk(errors))].sort();
}

function fastFields(raw: Record<string, unknown>): string[] {
  return [...new Set(batchItemErrors(raw, 'x').map((e) => e.field.slice(2)))].sort();
}

const valid = {
  contractId: '01a208c8-9044-73f6-ae5a-01eebce4bc35',
  externalId: 'rep-1',
  type: 'report',
  occurredAt: '2026-03-01T08:00:00+08:00',
  quantity: '1',
};

// Values that are sometimes right and often wrong for each field, including the classic traps.
const anyValue = fc.oneof(
  fc.constantFrom(
    null, undefined, '', ' ', 'NaN', '1e400', '-1', '-0', '0', '1.5', '12345678901234567890.123456789012', '1.1234567890123',
    '2026-03-01T08:00:00+08:00', '2026-02-30T00:00:00Z', '2026-03-01', 'CNY', 'usd', 'XXX', 'a\u0001b', 'x'.repeat(201),
    '01A208C8-9044-73F6-AE5A-01EEBCE4BC35', 'not-a-uuid', 's3://bucket/key', 'no scheme', 'a'.repeat(64), 'A'.repeat(64),
    { site: 'S1' }, { site: 1 }, { 'bad key': 'x' }, {}, [], [1, 2], { nested: { deep: true } }, 0, 1, true, 1e400,
  ),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const FIELDS = ['contractId', 'externalId', 'type', 'occurredAt', 'quantity', 'value', 'currency', 'dimensions', 'evidence',
  'evidenceUri', 'evidenceSha256', 'unknownField'];

describe('batch item validation without the decorator machinery', () => {
  it('accepts a valid item', () => {
    expect(batchItemErrors(valid, 'outcomes[0]')).toEqual([]);
  });

  it('refuses exactly the fields BatchOutcomeItemDto refuses, on generated items', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 6 }), (changes) => {
        const raw: Record<string, unknown> = { ...valid, ...changes };
        for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
        expect(fastFields(raw)).toEqual(dtoFields(raw));
      }),
      { numRuns: 3000 },
    );
  });

  it('names the item and the field in each error', () => {
    const errors = batchItemErrors({ ...valid, quantity: '-1', colour: 'red' }, 'outcomes[7]');
    expect(errors.map((e) => e.field).sort()).toEqual(['outcomes[7].colour', 'outcomes[7].quantity']);
  });
});
