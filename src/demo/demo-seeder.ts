import { Injectable, Logger } from '@nestjs/common';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiKeysService } from '../auth/api-keys.service';
import { vendorScope } from '../auth/scope';
import { ContractsService } from '../contracts/contracts.service';
import type { CreateValueBasisDto } from '../contracts/dto/value-basis.dto';
import { ValueBasisService } from '../contracts/value-basis.service';
import { InvoicesService } from '../invoicing/invoices.service';
import { CustomersService } from '../parties/customers.service';
import { DemoPartyReads } from '../parties/demo.reads';
import { VendorsService } from '../parties/vendors.service';
import { DemoContext, DemoStepRunner } from './demo-step';
import { InvoicingDemoStep } from './steps/invoicing.demo-step';
import { OutcomesDemoStep } from './steps/outcomes.demo-step';
import { loadSeedScenarios, termsOfScenario } from './seed-scenarios';

export const DEMO_VENDOR_NAME = 'Demo AI Vendor (seed scenarios)';

interface DemoKeys {
  vendorId: string;
  vendorKey: string;
  customerKey: string;
  customerName: string;
  auditorKey: string;
  sampleContractId: string;
}

const CUSTOMER_NAMES: Record<string, string> = {
  inspection: 'Suzhou Precision Castings',
  traffic: 'Hangzhou Traffic Bureau',
  radiology: 'Ruijin Radiology Network',
  chatbot: 'Pacific Retail Bank',
  'llm-api': 'Acme Apps Inc.',
  'credit-risk': 'Lianhe Consumer Finance',
  seats: 'Northwind Studio',
};

/** Loads the seed scenarios as demo data on the first start, and prints working keys on every start. */
@Injectable()
export class DemoSeeder {
  private readonly logger = new Logger(DemoSeeder.name);

  constructor(
    private readonly vendors: VendorsService,
    private readonly customers: CustomersService,
    private readonly contracts: ContractsService,
    private readonly valueBasis: ValueBasisService,
    private readonly invoices: InvoicesService,
    private readonly apiKeys: ApiKeysService,
    private readonly parties: DemoPartyReads,
    private readonly outcomesStep: OutcomesDemoStep,
    private readonly invoicingStep: InvoicingDemoStep,
  ) {}

  async ensureSeeded(dataDir: string): Promise<{ keys: DemoKeys; banner(base: string): string[] }> {
    const keysFile = join(resolve(dataDir), 'demo-keys.json');
    const existing = await this.parties.vendorIdNamed(DEMO_VENDOR_NAME);
    let keys: DemoKeys;
    if (!existing) keys = await this.seed();
    else if (existsSync(keysFile) && JSON.parse(readFileSync(keysFile, 'utf8')).vendorId === existing)
      keys = JSON.parse(readFileSync(keysFile, 'utf8'));
    else keys = await this.reissueKeys(existing); // data kept, key file lost: keys are only stored hashed
    mkdirSync(resolve(dataDir), { recursive: true });
    writeFileSync(keysFile, JSON.stringify(keys, null, 2), { mode: 0o600 });
    // The first curl shows a real invoice: the sample contract's first finalized one.
    const invoiceId = await this.invoices.firstFinalizedId(keys.vendorId, keys.sampleContractId);
    const samplePath = invoiceId ? `/v1/invoices/${invoiceId}` : `/v1/contracts/${keys.sampleContractId}`;
    return { keys, banner: (base) => banner(base, keys, keysFile, samplePath) };
  }

  private async seed(): Promise<DemoKeys> {
    const started = Date.now();
    const { vendor, adminKey } = await this.vendors.create(DEMO_VENDOR_NAME);
    const ctx: DemoContext = { vendorId: vendor.id, vendorKeyId: adminKey.id, scenarios: [] };
    let customerKey = '';
    for (const scenario of loadSeedScenarios()) {
      const customer = await this.customers.create(vendor.id, {
        name: CUSTOMER_NAMES[scenario.id] ?? `Customer of ${scenario.id}`,
        reference: `demo-${scenario.id}`,
      });
      const contract = await this.contracts.create(vendor.id, {
        customerId: customer.id,
        name: scenario.source ?? scenario.id,
        currency: scenario.contract.currency,
        timezone: scenario.contract.timezone,
        taxRate: scenario.contract.taxRate,
        startsOn: scenario.contract.startsOn,
        billingCycle: scenario.contract.billingCycle,
        status: 'active',
        terms: termsOfScenario(scenario),
      });
      const admin = { vendorId: vendor.id, keyId: adminKey.id, role: 'vendor_admin' as const, customerId: null, contractIds: null };
      if (scenario.valueBasis) await this.valueBasis.add(admin, contract.id, scenario.valueBasis as CreateValueBasisDto);
      const key = await this.apiKeys.issue(vendor.id, { name: `demo ${scenario.id} customer`, role: 'customer', customerId: customer.id });
      if (scenario.id === 'inspection') customerKey = key.secret;
      ctx.scenarios.push({ scenario, contractId: contract.id, customerId: customer.id, customerKeyId: key.id });
    }
    for (const step of this.steps()) await step.run(ctx);
    await this.amendForDeemedAcceptance(ctx, adminKey.id);
    await this.amendForPerConversation(ctx, adminKey.id);
    const auditor = await this.apiKeys.issue(vendor.id, { name: 'demo auditor', role: 'auditor' });
    this.logger.log(`demo data loaded in ${Date.now() - started} ms`);
    const inspection = ctx.scenarios.find((s) => s.scenario.id === 'inspection')!;
    return {
      vendorId: vendor.id,
      vendorKey: adminKey.secret,
      customerKey,
      customerName: CUSTOMER_NAMES.inspection,
      auditorKey: auditor.secret,
      sampleContractId: inspection.contractId,
    };
  }

  private async reissueKeys(vendorId: string): Promise<DemoKeys> {
    const scope = vendorScope(vendorId);
    const customerId = (await this.parties.customerIdByReference(scope, 'demo-inspection'))!;
    const [contract] = await this.contracts.ofCustomer(scope, customerId);
    const row = { contract_id: contract.id, customer_id: customerId };
    const vendorKey = await this.apiKeys.issue(vendorId, { name: 'demo admin (reissued)', role: 'vendor_admin' });
    const customerKey = await this.apiKeys.issue(vendorId, { name: 'demo inspection customer (reissued)', role: 'customer', customerId: row.customer_id });
    const auditorKey = await this.apiKeys.issue(vendorId, { name: 'demo auditor (reissued)', role: 'auditor' });
    return {
      vendorId,
      vendorKey: vendorKey.secret,
      customerKey: customerKey.secret,
      customerName: CUSTOMER_NAMES.inspection,
      auditorKey: auditorKey.secret,
      sampleContractId: row.contract_id,
    };
  }

  /**
   * From April on, the radiology contract deems a report accepted when the radiologist does not
   * object within 24 hours: an amendment, so that March's seed invoice (and its golden) stays as it is.
   */
  private async amendForDeemedAcceptance(ctx: DemoContext, adminKeyId: string): Promise<void> {
    const radiology = ctx.scenarios.find((s) => s.scenario.id === 'radiology');
    if (!radiology) return;
    const terms = termsOfScenario(radiology.scenario);
    const amended = {
      ...terms,
      components: terms.components.map((c) => (c.type === 'per_outcome' && c.verification === 'customer' ? { ...c, objectionWindow: 'PT24H' } : c)),
    };
    const admin = { vendorId: ctx.vendorId, keyId: adminKeyId, role: 'vendor_admin' as const, customerId: null, contractIds: null };
    await this.contracts.addTerms(admin, radiology.contractId, { effectiveFrom: '2026-04-01', terms: amended });
  }

  /**
   * From April on, the chatbot contract also charges 1.50 per resolved conversation, once per
   * conversation however many resolutions it records (`chargeOncePer`, issue #19 item 2): an
   * amendment, so that March's seed invoice (and its golden) stays as it is.
   */
  private async amendForPerConversation(ctx: DemoContext, adminKeyId: string): Promise<void> {
    const chatbot = ctx.scenarios.find((s) => s.scenario.id === 'chatbot');
    if (!chatbot) return;
    const terms = termsOfScenario(chatbot.scenario);
    const amended = {
      ...terms,
      components: [
        ...terms.components,
        { type: 'per_outcome' as const, key: 'resolution', unitPrice: '1.50', outcomeType: 'resolution', verification: 'customer' as const, chargeOncePer: 'conversation' },
      ],
    };
    const admin = { vendorId: ctx.vendorId, keyId: adminKeyId, role: 'vendor_admin' as const, customerId: null, contractIds: null };
    await this.contracts.addTerms(admin, chatbot.contractId, { effectiveFrom: '2026-04-01', terms: amended });
  }

  /** The demo's steps, in order: outcomes first (recorded and verified), then their invoices. */
  private steps(): DemoStepRunner[] {
    return [this.outcomesStep, this.invoicingStep];
  }
}

function banner(base: string, k: DemoKeys, keysFile: string, samplePath: string): string[] {
  return [
    'demo data: the seven seed scenarios of test/fixtures/seed-scenarios.json (keys also in ' + keysFile + ')',
    `  vendor admin key : ${k.vendorKey}`,
    `  customer key     : ${k.customerKey}   (${k.customerName})`,
    `  auditor key      : ${k.auditorKey}`,
    'try:',
    `  curl -s -H "Authorization: Bearer ${k.vendorKey}" ${base}${samplePath}`,
  ];
}
