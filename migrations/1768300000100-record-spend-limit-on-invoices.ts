import { MigrationInterface, QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from './1765300000000-least-privilege-service-role';

/**
 * The hard limit of the spend controls an invoice was priced with (#19 item 4), as the engine read
 * it: `{ "budget": "150", "controlsVersionId": "…" }`, or null. Finalizing freezes it with the rest
 * of the row, so the invoice's verification and the offline verifier re-price with the same limit
 * whatever the controls say later.
 */
export class RecordSpendLimitOnInvoices1768300000100 implements MigrationInterface {
  name = 'RecordSpendLimitOnInvoices1768300000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE invoices ADD COLUMN spend_limit jsonb
        CHECK (spend_limit IS NULL OR (jsonb_typeof(spend_limit) = 'object' AND jsonb_typeof(spend_limit -> 'budget') = 'string'));
      -- A draft's limit is recomputed with the draft (the table's trigger freezes it at finalization).
      GRANT UPDATE (spend_limit) ON invoices TO ${SERVICE_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invoices DROP COLUMN spend_limit`);
  }
}
