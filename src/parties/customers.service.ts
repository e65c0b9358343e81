import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import type { Principal } from '../auth/principal';
import { type Scope, scopeOf, vendorScope } from '../auth/scope';
import { notFound } from '../common/errors/common.errors';
import { encodeCursor, Page, PageQuery } from '../common/http/pagination';
import { CustomerRow, CustomersRepository } from './customers.repository';
import { CreateCustomerDto, CustomerView, UpdateCustomerDto } from './dto/customer.dto';
import { PartyError, PartyErrorCode } from './parties.errors';

export function toCustomerView(c: CustomerRow): CustomerView {
  return { id: c.id, name: c.name, reference: c.reference, createdAt: c.created_at.toISOString(), updatedAt: c.updated_at.toISOString() };
}

@Injectable()
export class CustomersService {
  constructor(private readonly customers: CustomersRepository) {}

  async create(vendorId: string, dto: CreateCustomerDto): Promise<CustomerView> {
    const row = await this.uniqueReference(() => this.customers.insert(vendorScope(vendorId), { name: dto.name, reference: dto.reference ?? null }));
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
    const row = await this.uniqueReference(() => this.customers.update(scopeOf(p), id, dto));
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
