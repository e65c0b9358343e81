import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Finalizing an invoice of a million outcomes spent more than half its time in the foreign key of
 * invoice_outcomes to invoices: a row-level check (and key-share lock) of the same invoice row, a
 * million times (EXPLAIN ANALYZE: 5.9 s of 10.6 s; #16 item 3). The key goes, as the one to
 * outcomes went before it: rows are only written by the finalizing claim, INSERT … SELECT in the
 * transaction that holds its invoice locked FOR UPDATE as a draft and freezes it before commit,
 * and a frozen invoice can never be deleted (its trigger). The primary key (one claim per outcome
 * and effect), the append-only triggers and the index by invoice stay.
 */
export class RecordBilledOutcomesWithoutPerRowChecks1768400200000 implements MigrationInterface {
  name = 'RecordBilledOutcomesWithoutPerRowChecks1768400200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invoice_outcomes DROP CONSTRAINT invoice_outcomes_vendor_id_invoice_id_fkey`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE invoice_outcomes ADD CONSTRAINT invoice_outcomes_vendor_id_invoice_id_fkey
        FOREIGN KEY (vendor_id, invoice_id) REFERENCES invoices(vendor_id, id)`);
  }
}
