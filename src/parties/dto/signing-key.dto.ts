import { ApiProperty } from '@nestjs/swagger';

export class SigningKeyView {
  @ApiProperty({ description: 'Names the key; every bundle manifest names the key that signed it (signature.keyId)' }) keyId: string;
  @ApiProperty({ enum: ['Ed25519'] }) algorithm: 'Ed25519';
  @ApiProperty({ description: 'SPKI PEM: give it to `npx @outcome-ledger/verify bundle.zip --public-key`' }) publicKeyPem: string;
  @ApiProperty({ description: 'SHA-256 (hex) of the DER public key; also in every bundle manifest' }) fingerprint: string;
  @ApiProperty({ description: 'Bundles signed from this time on use this key' }) validFrom: string;
  @ApiProperty({ nullable: true, type: String, description: 'When a rotation retired it (null: the active key). Bundles it signed still verify with it.' })
  validUntil: string | null;
  @ApiProperty() active: boolean;
}

export class SigningKeyList {
  @ApiProperty({ type: [SigningKeyView], description: 'Newest first' }) data: SigningKeyView[];
}
