import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type request from 'supertest';
import { loadSeedScenarios, outcomesOfScenario, type SeedScenario } from '../../src/demo/seed-scenarios';
import { bill, recordOutcomes, scenarioContract, type ScenarioContract } from '../invoicing/helpers';
import type { KeyedClient, TestApp } from '../support/test-app';

export const scenarios = loadSeedScenarios();

export interface SeededVendor {
  vendor: KeyedClient;
  vendorId: string;
  contracts: Map<string, ScenarioContract>;
  /** `${scenario}:${period}` → the finalized invoice. */
  invoices: Map<string, any>;
}

/** Periods a scenario expects to finalize (the traffic contract's April is refused: no KPI). */
export function finalizablePeriods(s: SeedScenario): string[] {
  return Object.keys(s.expected)
    .sort()
    .filter((label) => !String(s.expected[label].finalize ?? '').startsWith('refused'));
}

/** A vendor with the seven seed contracts and their value bases, their outcomes recorded and verified, and every finalizable period invoiced. */
export async function seedVendor(t: TestApp, only?: string[]): Promise<SeededVendor> {
  const created = await t.createVendor('Seed vendor');
  const vendor = t.as(created.adminKey);
  const contracts = new Map<string, ScenarioContract>();
  const invoices = new Map<string, any>();
  for (const s of scenarios.filter((x) => !only || only.includes(x.id))) {
    const c = await scenarioContract(t.as, vendor, s);
    contracts.set(s.id, c);
    if (s.valueBasis) await vendor.post(`/v1/contracts/${c.contractId}/value-basis`, s.valueBasis).expect(201);
    await recordOutcomes(vendor, c, outcomesOfScenario(s));
    for (const label of finalizablePeriods(s)) {
      const draft = await bill(vendor, c.contractId, label);
      const res = await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200);
      invoices.set(`${s.id}:${label}`, res.body);
    }
  }
  return { vendor, vendorId: created.vendorId, contracts, invoices };
}

/**
 * A licence like the seats seed but with no value basis declared, invoiced for March and April, on a
 * vendor of its own (so the seeded portfolio is unchanged): what ROI says when nothing values the fees.
 */
export async function unvaluedLicence(t: TestApp): Promise<{ vendor: KeyedClient; contract: ScenarioContract }> {
  const seats = scenarios.find((s) => s.id === 'seats')!;
  const vendor = t.as((await t.createVendor('Unvalued licence vendor')).adminKey);
  const contract = await scenarioContract(t.as, vendor, { ...seats, valueBasis: undefined });
  for (const label of ['2026-03', '2026-04']) {
    const draft = await bill(vendor, contract.contractId, label);
    await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200);
  }
  return { vendor, contract };
}

/** supertest: keep a binary body (zip, pdf) as a Buffer. */
export function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function saveTo(dir: string, name: string, body: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}
