import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { DataSource } from 'typeorm';
import { publicKeyFingerprint } from './bundle-format';
import type { SigningKeyView } from './dto/audit.dto';
import type { OpenedBundle } from './evidence-bundle.service';

@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The vendor's public Ed25519 key: what a bundle's signature is checked against. */
  async signingKey(vendorId: string): Promise<SigningKeyView> {
    const [v] = await this.db.query(`SELECT signing_public_key FROM vendors WHERE id = $1`, [vendorId]);
    return { algorithm: 'Ed25519', publicKeyPem: v.signing_public_key, fingerprint: publicKeyFingerprint(v.signing_public_key) };
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
