import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

export const VERIFIER_KEY = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export class CreateVerifierDto {
  @ApiProperty({ example: 'sz-traffic-bureau', description: 'The short name terms use to name it: `verifier: "sz-traffic-bureau"` (lower case, digits, . _ -)' })
  @IsString() @Matches(VERIFIER_KEY, { message: 'key must be 1 to 64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit' })
  key: string;

  @ApiProperty({ example: 'Shenzhen Traffic Bureau' })
  @IsString() @Length(1, 200) @Matches(/^[^\u0000-\u001f]+$/, { message: 'name must not contain control characters' })
  name: string;
}

export class VerifierView {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'sz-traffic-bureau' }) key: string;
  @ApiProperty({ example: 'Shenzhen Traffic Bureau' }) name: string;
  @ApiProperty() createdAt: string;
}
