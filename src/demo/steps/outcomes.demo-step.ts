import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../auth/principal';
import { MAX_BATCH, MAX_BULK_IDS } from '../../outcomes/dto/outcome.dto';
import { OutcomesService } from '../../outcomes/outcomes.service';
import type { DemoContext, DemoStepRunner } from '../demo-step';
import { outcomesOfScenario } from '../seed-scenarios';

/**
 * Demo data: each scenario's outcomes, recorded through the batch path by the vendor, then
 * accepted or rejected in bulk by the scenario's customer as listed; `recorded` ones stay pending.
 */
@Injectable()
export class OutcomesDemoStep implements DemoStepRunner {
  private readonly logger = new Logger(OutcomesDemoStep.name);

  constructor(private readonly outcomes: OutcomesService) {}

  async run(ctx: DemoContext): Promise<void> {
    const vendor: Principal = { vendorId: ctx.vendorId, keyId: ctx.vendorKeyId, role: 'vendor_admin', customerId: null, contractIds: null };
    let total = 0;
    for (const s of ctx.scenarios) {
      const listed = outcomesOfScenario(s.scenario);
      const wanted = new Map(listed.map((o) => [o.externalId, o.status]));
      const toVerify: string[] = [];
      const toReject: string[] = [];
      const toDispute: Array<{ id: string; reverse: boolean }> = [];
      for (let i = 0; i < listed.length; i += MAX_BATCH) {
        const items = listed.slice(i, i + MAX_BATCH).map(({ status: _status, ...o }) => ({ ...o, contractId: s.contractId }));
        const answer = await this.outcomes.recordBatch(vendor, { outcomes: items });
        for (const r of answer.results) {
          if (r.status === 'error') throw new Error(`demo outcome ${items[r.index].externalId}: ${r.error!.code} ${r.error!.message}`);
          const o = r.outcome!;
          if (o.status !== 'recorded') continue; // auto-verified metered usage
          const want = wanted.get(o.externalId);
          if (want === 'verified' || want === 'disputed' || want === 'reversed' || want === undefined) toVerify.push(o.id);
          else if (want === 'rejected') toReject.push(o.id);
          if (want === 'disputed' || want === 'reversed') toDispute.push({ id: o.id, reverse: want === 'reversed' });
        }
      }
      const customer: Principal = { vendorId: ctx.vendorId, keyId: s.customerKeyId, role: 'customer', customerId: s.customerId, contractIds: null };
      for (let i = 0; i < toVerify.length; i += MAX_BULK_IDS)
        await this.outcomes.bulkVerify(customer, toVerify.slice(i, i + MAX_BULK_IDS), null);
      for (let i = 0; i < toReject.length; i += MAX_BULK_IDS)
        await this.outcomes.bulkReject(customer, toReject.slice(i, i + MAX_BULK_IDS), 'Not accepted by the customer (demo data)');
      for (const d of toDispute) {
        await this.outcomes.dispute(customer, d.id, 'Disputed by the customer (demo data)');
        if (d.reverse) await this.outcomes.resolve(vendor, d.id, 'reversed', 'Dispute accepted (demo data)');
      }
      total += listed.length;
    }
    this.logger.log(`demo outcomes: ${total} recorded, verified and rejected as the scenarios list them`);
  }
}
