import { Global, Injectable, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { KeyGrantCheck } from '../auth/key-grants';
import { type Scope, scopeSql } from '../auth/scope';
import { CustomersRepository } from '../parties/customers.repository';
import { PartiesModule } from '../parties/parties.module';
import { VerifiersRepository } from '../parties/verifiers.repository';

/** What issuing a key is checked against: customers through their owner, contracts here. */
@Injectable()
export class ContractKeyGrants extends KeyGrantCheck {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly customers: CustomersRepository,
    private readonly verifiers: VerifiersRepository,
  ) {
    super();
  }

  async customerExists(scope: Scope, customerId: string, em?: EntityManager): Promise<boolean> {
    return (await this.customers.findOne(scope, customerId, em)) !== null;
  }

  async verifierExists(scope: Scope, verifierId: string, em?: EntityManager): Promise<boolean> {
    return (await this.verifiers.findOne(scope, verifierId, em)) !== null;
  }

  async contractsExist(scope: Scope, contractIds: readonly string[], em?: EntityManager): Promise<boolean> {
    const params: unknown[] = [contractIds];
    const [{ n }] = await (em ?? this.db.manager).query(
      `SELECT count(*)::int AS n FROM contracts c
        WHERE c.id = ANY($1::uuid[]) AND ${scopeSql(scope, { vendorId: 'c.vendor_id', contractId: 'c.id', customerId: 'c.customer_id' }, params)}`,
      params,
    );
    return n === contractIds.length;
  }
}

/**
 * Provides auth's KeyGrantCheck to the whole app. Global because auth sits below contracts and
 * parties and may not import them; the app imports this module once.
 */
@Global()
@Module({
  imports: [PartiesModule],
  providers: [ContractKeyGrants, { provide: KeyGrantCheck, useExisting: ContractKeyGrants }],
  exports: [KeyGrantCheck],
})
export class KeyGrantsModule {}
