import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { SigningKeyList, SigningKeyView } from '../parties/dto/signing-key.dto';
import { SigningKeysService } from '../parties/signing-keys.service';
import type { OpenedBundle } from './evidence-bundle.service';

@Injectable()
export class AuditService {
  constructor(private readonly signingKeys: SigningKeysService) {}

  /** The vendor's active public Ed25519 key: what new bundles' signatures are checked against. */
  signingKey(vendorId: string): Promise<SigningKeyView> {
    return this.signingKeys.active(vendorId);
  }

  /** Every key the vendor has signed with, newest first: an old bundle names its key (manifest signature.keyId). */
  async signingKeyList(vendorId: string): Promise<SigningKeyList> {
    return { data: await this.signingKeys.list(vendorId) };
  }

  rotateSigningKey(vendorId: string): Promise<SigningKeyView> {
    return this.signingKeys.rotate(vendorId);
  }

  /** Streams a bundle; a client that goes away stops the export (and releases its snapshot). */
  async send(res: Response, bundle: OpenedBundle): Promise<void> {
    res.status(200);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="${bundle.fileName}"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await pipeline(bundle.stream, res);
    } catch {
      // The client went away or the export failed mid-stream: headers are sent, nothing more to say.
      if (!res.writableEnded) res.destroy();
    }
  }
}
