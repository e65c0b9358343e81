import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { vendorScope } from '../auth/scope';
import { PartyNamesReads } from '../parties/documents.reads';
import { publicKeyFingerprint } from './bundle-format';
import type { SigningKeyView } from './dto/audit.dto';
import type { OpenedBundle } from './evidence-bundle.service';

@Injectable()
export class AuditService {
  constructor(private readonly parties: PartyNamesReads) {}

  /** The vendor's public Ed25519 key: what a bundle's signature is checked against. */
  async signingKey(vendorId: string): Promise<SigningKeyView> {
    const pem = await this.parties.signingPublicKey(vendorScope(vendorId));
    return { algorithm: 'Ed25519', publicKeyPem: pem, fingerprint: publicKeyFingerprint(pem) };
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
