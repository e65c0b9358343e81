import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../auth/principal';
import { vendorScope } from '../../auth/scope';
import { ContractsService } from '../../contracts/contracts.service';
import { InvoicesService } from '../../invoicing/invoices.service';
import type { DemoContext, DemoStepRunner } from '../demo-step';

/**
 * Demo data: each scenario's expected periods billed in order, and finalized unless the scenario
 * says finalization is refused (the traffic contract's April, whose KPI was never measured: it
 * stays a draft carrying the engine's reason).
 */
@Injectable()
export class InvoicingDemoStep implements DemoStepRunner {
  private readonly logger = new Logger(InvoicingDemoStep.name);

  constructor(
    private readonly contracts: ContractsService,
    private readonly invoices: InvoicesService,
  ) {}

  async run(ctx: DemoContext): Promise<void> {
    const admin: Principal = { vendorId: ctx.vendorId, keyId: ctx.vendorKeyId, role: 'vendor_admin', customerId: null, contractIds: null };
    for (const { scenario, contractId } of ctx.scenarios) {
      const contract = await this.contracts.findInScope(vendorScope(ctx.vendorId), contractId);
      for (const label of Object.keys(scenario.expected).sort()) {
        const { invoiceId } = await this.invoices.refreshDraft(ctx.vendorId, contract, label);
        const refused = String(scenario.expected[label].finalize ?? '').startsWith('refused');
        if (!invoiceId || refused) continue;
        const inv = await this.invoices.finalize(admin, invoiceId);
        if (inv.total !== scenario.expected[label].total)
          this.logger.warn(`demo ${scenario.id} ${label}: total ${inv.total}, the scenario expects ${String(scenario.expected[label].total)}`);
      }
    }
  }
}
