import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { generateKeyPairSync } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys.service';
import { IssuedApiKeyView } from '../auth/dto/api-key.dto';
import { Vendor } from './entities/vendor.entity';
import { VendorRow, VendorsRepository } from './vendors.repository';

export interface CreatedVendor {
  vendor: { id: string; name: string; createdAt: string; signingPublicKey: string };
  adminKey: IssuedApiKeyView;
}

/** Operator-side: vendors are created from the command line, each with its first admin key. */
@Injectable()
export class VendorsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly apiKeys: ApiKeysService,
    private readonly vendorRows: VendorsRepository,
  ) {}

  async create(name: string): Promise<CreatedVendor> {
    // Each vendor signs its evidence bundles with its own Ed25519 key.
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    return this.db.transaction(async (em) => {
      const vendor = await em.save(
        em.create(Vendor, {
          name,
          signingPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          signingPrivateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        }),
      );
      const adminKey = await this.apiKeys.issue(vendor.id, { name: 'first admin key', role: 'vendor_admin' }, em);
      const row = await em.findOneByOrFail(Vendor, { id: vendor.id });
      return {
        vendor: { id: row.id, name: row.name, createdAt: row.createdAt.toISOString(), signingPublicKey: row.signingPublicKey },
        adminKey,
      };
    });
  }

  list(): Promise<VendorRow[]> {
    return this.vendorRows.listForOperator();
  }
}
