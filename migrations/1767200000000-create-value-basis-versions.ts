import { MigrationInterface, QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from './1765300000000-least-privilege-service-role';

/**
 * A contract's value basis: how its verified outcomes and KPI points convert to money for the
 * customer's ROI (measured value, or an agreed estimate per unit or per KPI point). Versioned by
 * the date a version takes effect, like the terms, and append-only: a change is a new version, so
 * an ROI report can always name the basis it used.
 */
export class CreateValueBasisVersions1767200000000 implements MigrationInterface {
  name = 'CreateValueBasisVersions1767200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE value_basis_versions (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        contract_id uuid NOT NULL,
        effective_from date NOT NULL,
        description text CHECK (description IS NULL OR length(description) BETWEEN 1 AND 2000),
        items jsonb NOT NULL CHECK (jsonb_typeof(items) = 'array' AND jsonb_array_length(items) BETWEEN 1 AND 100),
        created_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (vendor_id, id),
        UNIQUE (vendor_id, contract_id, effective_from),
        FOREIGN KEY (vendor_id, contract_id) REFERENCES contracts(vendor_id, id)
      );
      CREATE TRIGGER value_basis_versions_append_only BEFORE UPDATE OR DELETE ON value_basis_versions
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER value_basis_versions_no_truncate BEFORE TRUNCATE ON value_basis_versions
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      GRANT SELECT, INSERT ON value_basis_versions TO ${SERVICE_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE value_basis_versions`);
  }
}
