import { MigrationInterface, QueryRunner } from 'typeorm';

/** As src/invoicing/billing-queue.ts names them; fixed here, as a migration is. */
const SCHEMA = 'pgboss';
const QUEUE = 'billing-run-chunk';
const DEAD = 'billing-run-chunk-dead';

/**
 * A billing-run chunk whose retries are spent without our code seeing it fail (its worker killed on
 * the last try: pg-boss fails it by expiry) went nowhere and left its run `running` for ever. pg-boss
 * moves a job failed for good to its queue's dead-letter queue; the workers work that queue too and
 * finish the chunk as a last attempt (billing-queue.ts). The grants of 1768400000000 cover the new
 * queue's rows (they are in the same tables).
 */
export class BillingRunDeadLetters1768400300000 implements MigrationInterface {
  name = 'BillingRunDeadLetters1768400300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`SELECT ${SCHEMA}.create_queue($1, $2::json)`, [
      DEAD,
      JSON.stringify({ policy: 'standard', retryLimit: 20, retryDelay: 1, retryBackoff: false, expireInSeconds: 600, retentionMinutes: 60 * 24 * 14 }),
    ]);
    await q.query(`UPDATE ${SCHEMA}.queue SET dead_letter = $1 WHERE name = $2`, [DEAD, QUEUE]);
    await q.query(`UPDATE ${SCHEMA}.job SET dead_letter = $1 WHERE name = $2 AND dead_letter IS NULL AND state < 'completed'`, [DEAD, QUEUE]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE ${SCHEMA}.job SET dead_letter = NULL WHERE dead_letter = $1`, [DEAD]);
    await q.query(`UPDATE ${SCHEMA}.queue SET dead_letter = NULL WHERE name = $1`, [QUEUE]);
    await q.query(`SELECT ${SCHEMA}.delete_queue($1)`, [DEAD]);
  }
}
