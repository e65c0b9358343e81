import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { principalSeesCustomer, scopeToPrincipal } from '../auth/contract-scope';
import type { Principal } from '../auth/principal';
import { notFound } from '../common/errors/common.errors';
import { Page, PageQuery, paginate } from '../common/http/pagination';
import { CreateCustomerDto, CustomerView, UpdateCustomerDto } from './dto/customer.dto';
import { Customer } from './entities/customer.entity';
import { PartyError, PartyErrorCode } from './parties.errors';

export function toCustomerView(c: Customer): CustomerView {
  return { id: c.id, name: c.name, reference: c.reference, createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString() };
}

@Injectable()
export class CustomersService {
  constructor(@InjectRepository(Customer) private readonly customers: Repository<Customer>) {}

  async create(vendorId: string, dto: CreateCustomerDto): Promise<CustomerView> {
    const saved = await this.uniqueReference(() =>
      this.customers.save(this.customers.create({ vendorId, name: dto.name, reference: dto.reference ?? null })),
    );
    return toCustomerView(await this.customers.findOneByOrFail({ vendorId, id: saved.id }));
  }

  async get(p: Principal, id: string): Promise<CustomerView> {
    return toCustomerView(await this.find(p, id));
  }

  /** Loads a customer the caller may see, or answers 404. */
  async find(p: Principal, id: string): Promise<Customer> {
    const c = await this.customers.findOneBy({ vendorId: p.vendorId, id });
    if (!c || !principalSeesCustomer(p, c)) throw notFound('customer', id);
    return c;
  }

  list(p: Principal, page: PageQuery): Promise<Page<CustomerView>> {
    const qb = this.customers.createQueryBuilder('c');
    scopeToPrincipal(qb, p, { vendorId: 'c.vendor_id', customerId: 'c.id' });
    return paginate(qb, 'c', page, toCustomerView);
  }

  async update(p: Principal, id: string, dto: UpdateCustomerDto): Promise<CustomerView> {
    const c = await this.find(p, id);
    if (dto.name !== undefined) c.name = dto.name;
    if (dto.reference !== undefined) c.reference = dto.reference;
    await this.uniqueReference(() => this.customers.save(c));
    return toCustomerView(await this.find(p, id));
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
