import { ApiProperty } from '@nestjs/swagger';

/** A money amount: a decimal string in plain notation (never a JSON number). */
export const MONEY_PATTERN = '^-?\\d+(\\.\\d+)?$';

export function ApiMoney(opts: { nullable?: boolean; required?: boolean; description?: string; example?: string } = {}): PropertyDecorator {
  return ApiProperty({
    type: String,
    pattern: MONEY_PATTERN,
    example: opts.example ?? '1060.00',
    nullable: opts.nullable,
    required: opts.required,
    description: opts.description ?? 'Money: a decimal string',
  });
}
