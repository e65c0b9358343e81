import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { hashApiKey } from '../auth/api-key-secret';
import { LIVE_API_KEYS } from '../auth/api-key-sql';
import type { Principal } from '../auth/principal';
import { contractColumnSql } from '../contracts/outcome.reads';
import { PortalAuthService } from './portal-auth.service';

/** Banner links live an hour: long enough to read the banner and click, still single-use. */
const BANNER_LINK_MINUTES = 60;

/**
 * Start-banner lines for the demo: a fresh sign-in link for the sample contract's customer and
 * for an auditor of that contract, and the console's address. Issued at every start (links are
 * single-use), under the demo admin key, like any vendor would issue them.
 */
export async function portalBanner(app: INestApplication, base: string, keys: { vendorKey: string; sampleContractId: string }): Promise<string[]> {
  const db = app.get(DataSource);
  const [k] = await db.query(
    `SELECT k.vendor_id, k.id, ${contractColumnSql('customer_id', { vendorId: 'k.vendor_id', contractId: '$2::uuid' })} AS customer_id
       FROM ${LIVE_API_KEYS} k WHERE k.key_sha256 = $1`,
    [hashApiKey(keys.vendorKey), keys.sampleContractId],
  );
  if (!k?.customer_id) return [];
  const admin: Principal = { vendorId: k.vendor_id, keyId: k.id, role: 'vendor_admin', customerId: null, contractIds: null };
  const auth = app.get(PortalAuthService);
  const customer = await auth.issueLink(admin, { role: 'customer', customerId: k.customer_id, expiresInMinutes: BANNER_LINK_MINUTES }, base);
  const auditor = await auth.issueLink(admin, { role: 'auditor', contractIds: [keys.sampleContractId], expiresInMinutes: BANNER_LINK_MINUTES }, base);
  return [
    `portal (single-use sign-in links, valid ${BANNER_LINK_MINUTES} min; a new pair at every start):`,
    `  customer : ${customer.url}`,
    `  auditor  : ${auditor.url}`,
    `  console  : ${base}/portal/console/sign-in   (paste the vendor admin key once)`,
  ];
}
