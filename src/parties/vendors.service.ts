import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys.service';
import { IssuedApiKeyView } from '../auth/dto/api-key.dto';
import { Vendor } from './entities/vendor.entity';
import { SigningKeysService } from './signing-keys.service';
import { VendorRow, VendorsRepository } from './vendors.repository';

export interface CreatedVendor {
  vendor: { id: string; name: string; createdAt: string; signingPublicKey: string; signingKeyId: string };
  adminKey: IssuedApiKeyView;
}

/** Operator-side: vendors are created from the command line, each with its first admin key. */
@Injectable()
export class VendorsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly apiKeys: ApiKeysService,
    private readonly signingKeys: SigningKeysService,
    private readonly vendorRows: VendorsRepository,
  ) {}

  async create(name: string): Promise<CreatedVendor> {
    return this.db.transaction(async (em) => {
      const vendor = await em.save(em.create(Vendor, { name }));
      // Each vendor signs its evidence bundles with its own Ed25519 key, stored encrypted.
      const key = await this.signingKeys.issue(em, vendor.id);
      const adminKey = await this.apiKeys.issue(vendor.id, { name: 'first admin key', role: 'vendor_admin' }, em);
      const row = await em.findOneByOrFail(Vendor, { id: vendor.id });
      return {
        vendor: { id: row.id, name: row.name, createdAt: row.createdAt.toISOString(), signingPublicKey: key.publicKeyPem, signingKeyId: key.keyId },
        adminKey,
      };
    });
  }

  list(): Promise<VendorRow[]> {
    return this.vendorRows.listForOperator();
  }
}
