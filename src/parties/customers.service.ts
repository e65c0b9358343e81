import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import type { Principal } from '../auth/principal';
import { type Scope, scopeOf, vendorScope } from '../auth/scope';
import { notFound } from '../common/errors/common.errors';
import { encodeCursor, Page, PageQuery } from '../common/http/pagination';
import { CustomerRow, CustomersRepository } from './customers.repository';
import { CreateCustomerDto, CustomerView, UpdateCustomerDto } from './dto/customer.dto';
import { PartyError, PartyErrorCode } from './parties.errors';
import { taxIdProblem } from './tax-id';

export function toCustomerView(c: CustomerRow): CustomerView {
  return {
    id: c.id,
    name: c.name,
    reference: c.reference,
    legalName: c.legal_name,
    address: c.address,
    taxCountry: c.tax_country,
    taxId: c.tax_id,
    contact: c.contact,
    locale: c.locale,
    createdAt: c.created_at.toISOString(),
    updatedAt: c.updated_at.toISOString(),
  };
}

/** Refuses (422, naming the field) a tax id its country's rule rejects; the country defaults to CN. */
export function checkTaxId(d: { taxCountry?: string | null; taxId?: string | null }, current?: { tax_country: string | null; tax_id: string | null }): void {
  const taxId = d.taxId !== undefined ? d.taxId : current?.tax_id ?? null;
  const country = d.taxCountry !== undefined ? d.taxCountry : current?.tax_country ?? null;
  if (taxId === null) return;
  const problem = taxIdProblem(country ?? 'CN', taxId);
  if (problem) throw PartyError.create(PartyErrorCode.TAX_ID_INVALID, `taxId: ${problem}`, [{ field: 'taxId', message: problem }]);
}

/** A tax id without a country is a CN one (the product's default market, as Asia/Shanghai is its default zone). */
function withTaxCountry<T extends { taxCountry?: string | null; taxId?: string | null }>(d: T): T {
  return d.taxId && d.taxCountry === undefined ? { ...d, taxCountry: 'CN' } : d;
}

@Injectable()
export class CustomersService {
  constructor(private readonly customers: CustomersRepository) {}

  async create(vendorId: string, dto: CreateCustomerDto): Promise<CustomerView> {
    checkTaxId(dto);
    const row = await this.uniqueReference(() => this.customers.insert(vendorScope(vendorId), { ...withTaxCountry(dto), name: dto.name, reference: dto.reference ?? null }));
    return toCustomerView(row);
  }

  async get(p: Principal, id: string): Promise<CustomerView> {
    return toCustomerView(await this.find(scopeOf(p), id));
  }

  /** A customer the scope sees, or 404: a customer key sees itself, an auditor the customers of its contracts. */
  async find(scope: Scope, id: string): Promise<CustomerRow> {
    const c = await this.customers.findOne(scope, id);
    if (!c) throw notFound('customer', id);
    return c;
  }

  async list(p: Principal, page: PageQuery): Promise<Page<CustomerView>> {
    const limit = page.limit ?? 50;
    const rows = await this.customers.page(scopeOf(p), { limit, cursor: page.cursor });
    const more = rows.length > limit;
    const pageRows = more ? rows.slice(0, limit) : rows;
    return { data: pageRows.map(toCustomerView), nextCursor: more ? encodeCursor(pageRows[pageRows.length - 1].id) : null };
  }

  async update(p: Principal, id: string, dto: UpdateCustomerDto): Promise<CustomerView> {
    const scope = scopeOf(p);
    if (dto.taxId !== undefined || dto.taxCountry !== undefined) checkTaxId(dto, await this.find(scope, id));
    const row = await this.uniqueReference(() => this.customers.update(scope, id, withTaxCountry(dto)));
    if (!row) throw notFound('customer', id);
    return toCustomerView(row);
  }

  private async uniqueReference<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (e) {
      if (e instanceof QueryFailedError && (e as any).code === '23505')
        throw PartyError.create(PartyErrorCode.CUSTOMER_REFERENCE_TAKEN);
      throw e;
    }
  }
}
