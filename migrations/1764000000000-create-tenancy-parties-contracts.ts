import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Vendors (tenants), API keys, customers, contracts and their terms versions, idempotency records.
 * Every table carries vendor_id in its primary key and in every unique and foreign key, so the
 * schema can be distributed by vendor_id (Citus) without a query crossing tenants.
 */
export class CreateTenancyPartiesContracts1764000000000 implements MigrationInterface {
  name = 'CreateTenancyPartiesContracts1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION ol_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$;

      CREATE TABLE vendors (
        id uuid PRIMARY KEY DEFAULT uuidv7(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        signing_public_key text NOT NULL,
        signing_private_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE customers (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        reference text CHECK (length(reference) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (vendor_id, id),
        UNIQUE (vendor_id, reference)
      );

      CREATE TABLE api_keys (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('vendor_admin', 'customer', 'auditor')),
        customer_id uuid,
        contract_ids uuid[],
        prefix text NOT NULL,
        key_sha256 text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_used_at timestamptz,
        PRIMARY KEY (vendor_id, id),
        FOREIGN KEY (vendor_id, customer_id) REFERENCES customers(vendor_id, id),
        CHECK ((role = 'customer') = (customer_id IS NOT NULL)),
        CHECK (contract_ids IS NULL OR role = 'auditor')
      );

      CREATE TABLE contracts (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        customer_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        timezone text NOT NULL,
        tax_rate numeric(9,6) NOT NULL CHECK (tax_rate >= 0 AND tax_rate <= 1),
        starts_on date NOT NULL,
        ends_on date,
        billing_cycle text NOT NULL CHECK (billing_cycle IN ('monthly', 'annual')),
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'terminated')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (vendor_id, id),
        FOREIGN KEY (vendor_id, customer_id) REFERENCES customers(vendor_id, id),
        CHECK (ends_on IS NULL OR ends_on >= starts_on)
      );
      CREATE INDEX contracts_by_customer ON contracts (vendor_id, customer_id, id);

      CREATE TABLE terms_versions (
        vendor_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT uuidv7(),
        contract_id uuid NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        effective_from date NOT NULL,
        document jsonb NOT NULL,
        document_sha256 text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (vendor_id, id),
        FOREIGN KEY (vendor_id, contract_id) REFERENCES contracts(vendor_id, id),
        UNIQUE (vendor_id, contract_id, version),
        UNIQUE (vendor_id, contract_id, effective_from)
      );
      -- A terms version is never edited: an amendment is a new version.
      CREATE TRIGGER terms_versions_append_only BEFORE UPDATE OR DELETE ON terms_versions
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();

      CREATE TABLE idempotency_keys (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        key text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        request_sha256 text NOT NULL,
        status_code integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (vendor_id, key)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE idempotency_keys; DROP TABLE terms_versions; DROP TABLE contracts;
      DROP TABLE api_keys; DROP TABLE customers; DROP TABLE vendors; DROP FUNCTION ol_refuse_change();
    `);
  }
}
