import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The export log: who exported what, and when (evidence bundles, statements, ROI reports,
 * portfolio reports). Append-only, with one exception: a streamed evidence bundle is logged when it
 * starts (so an aborted download is on record too) and stamped once, when its manifest is written,
 * with the manifest's SHA-256 and the completion time. The trigger allows exactly that stamp.
 */
export class CreateExportLog1764000005000 implements MigrationInterface {
  name = 'CreateExportLog1764000005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE export_log (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        key_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('vendor_admin', 'customer', 'auditor')),
        kind text NOT NULL CHECK (kind IN ('evidence_bundle', 'statement', 'roi', 'portfolio')),
        format text NOT NULL CHECK (format IN ('json', 'csv', 'pdf', 'zip')),
        contract_id uuid,
        customer_id uuid,
        params jsonb NOT NULL DEFAULT '{}'::jsonb,
        manifest_sha256 text CHECK (manifest_sha256 ~ '^[0-9a-f]{64}$'),
        completed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (vendor_id, id),
        FOREIGN KEY (vendor_id, key_id) REFERENCES api_keys(vendor_id, id),
        FOREIGN KEY (vendor_id, contract_id) REFERENCES contracts(vendor_id, id),
        FOREIGN KEY (vendor_id, customer_id) REFERENCES customers(vendor_id, id),
        CHECK ((manifest_sha256 IS NULL) OR kind = 'evidence_bundle')
      );
      CREATE INDEX export_log_by_contract ON export_log (vendor_id, contract_id, id);

      CREATE FUNCTION ol_export_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE'
           AND OLD.manifest_sha256 IS NULL AND OLD.completed_at IS NULL
           AND NEW.completed_at IS NOT NULL
           AND (to_jsonb(NEW) - 'manifest_sha256' - 'completed_at') IS NOT DISTINCT FROM (to_jsonb(OLD) - 'manifest_sha256' - 'completed_at')
        THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'table export_log is append-only (a bundle may only be stamped complete once): % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER export_log_append_only BEFORE UPDATE OR DELETE ON export_log
        FOR EACH ROW EXECUTE FUNCTION ol_export_log_guard();
      CREATE TRIGGER export_log_no_truncate BEFORE TRUNCATE ON export_log
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE export_log; DROP FUNCTION ol_export_log_guard();`);
  }
}
