import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys.service';
import { IssuedApiKeyView } from '../auth/dto/api-key.dto';
import { Vendor } from './entities/vendor.entity';
import { SigningKeysService } from './signing-keys.service';
import { VendorRow, VendorsRepository } from './vendors.repository';
import type { Principal } from '../auth/principal';
import { scopeOf } from '../auth/scope';
import { notFound } from '../common/errors/common.errors';
import { checkTaxId } from './customers.service';
import { UpdateVendorDto, VendorView } from './dto/vendor.dto';

export function toVendorView(v: VendorRow): VendorView {
  return {
    id: v.id,
    name: v.name,
    legalName: v.legal_name,
    address: v.address,
    taxCountry: v.tax_country,
    taxId: v.tax_id,
    bankAccount: v.bank_account,
    contact: v.contact,
    createdAt: v.created_at.toISOString(),
    updatedAt: v.updated_at.toISOString(),
  };
}

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

  async get(p: Principal): Promise<VendorView> {
    const row = await this.vendorRows.findOne(scopeOf(p));
    if (!row) throw notFound('vendor');
    return toVendorView(row);
  }

  async updateLegalEntity(p: Principal, dto: UpdateVendorDto): Promise<VendorView> {
    const scope = scopeOf(p);
    const current = await this.vendorRows.findOne(scope);
    if (!current) throw notFound('vendor');
    checkTaxId(dto, current);
    const change = dto.taxId && dto.taxCountry === undefined && !current.tax_country ? { ...dto, taxCountry: 'CN' } : dto;
    return toVendorView((await this.vendorRows.updateLegalEntity(scope, change))!);
  }

  list(): Promise<VendorRow[]> {
    return this.vendorRows.listForOperator();
  }
}
