import { Global, Injectable, Module } from '@nestjs/common';
import type { Scope } from '../auth/scope';
import type { Queryable } from '../common/sql';
import { TERMS_USAGE, type TermsUsage } from '../contracts/terms-usage.port';
import { InvoicesRepository } from './invoices.repository';

/** Invoicing's answer to contracts' TERMS_USAGE port: how far a contract is invoiced. */
@Injectable()
export class InvoicedTermsUsage implements TermsUsage {
  constructor(private readonly invoices: InvoicesRepository) {}

  invoicedThrough(scope: Scope, contractId: string, em: Queryable): Promise<string | null> {
    return this.invoices.invoicedThrough(scope, contractId, em);
  }
}

/**
 * Global so that ContractsModule, which invoicing imports (and which must not import invoicing),
 * finds the port's provider without a module cycle.
 */
@Global()
@Module({
  providers: [InvoicesRepository, InvoicedTermsUsage, { provide: TERMS_USAGE, useExisting: InvoicedTermsUsage }],
  exports: [TERMS_USAGE, InvoicesRepository],
})
export class TermsUsageModule {}
