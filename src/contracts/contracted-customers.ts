import { Global, Module } from '@nestjs/common';
import { CONTRACTED_CUSTOMERS, type ContractedCustomers } from '../parties/customer-scope';

/** Contracts' answer to parties' CONTRACTED_CUSTOMERS port: the customers a contract grant reaches. */
export const contractedCustomers: ContractedCustomers = {
  anyContractIn: (alias, ids) =>
    `EXISTS (SELECT 1 FROM contracts k WHERE k.vendor_id = ${alias}.vendor_id AND k.customer_id = ${alias}.id AND k.id = ANY(${ids}))`,
};

/** Global so that PartiesModule, which contracts imports, finds the port without a module cycle. */
@Global()
@Module({ providers: [{ provide: CONTRACTED_CUSTOMERS, useValue: contractedCustomers }], exports: [CONTRACTED_CUSTOMERS] })
export class ContractedCustomersModule {}
