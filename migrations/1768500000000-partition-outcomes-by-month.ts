import { MigrationInterface, QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from './1765300000000-least-privilege-service-role';

/**
 * Growth (#16 item 6): `outcomes` and `outcome_events` are partitioned by month of their own
 * `occurred_at` (UTC months), so the billing aggregate and the export of one period read that
 * period's partitions only, and old months can later be moved or archived whole.
 *
 * A partitioned table's primary key and unique keys must contain the partition key, so two keys
 * move to a small, unpartitioned key table `outcome_keys` (vendor_id, id, contract_id,
 * external_id, occurred_at, corrects_outcome_id), written by the same statement as the outcome:
 * - UNIQUE (vendor_id, contract_id, external_id): what makes ingestion idempotent (a retried
 *   outcome is a duplicate: `INSERT INTO outcome_keys … ON CONFLICT DO NOTHING` decides it);
 * - the partial UNIQUE (vendor_id, corrects_outcome_id): each outcome is corrected at most once;
 * - the targets of the foreign keys by outcome id: outcome_events → outcome_keys, the correction's
 *   self-reference, and outcomes (vendor_id, id) → outcome_keys, so no outcome exists without its
 *   key. `outcomes` keeps PRIMARY KEY (vendor_id, id, occurred_at).
 * Trade-off: one more heap row and two more index entries per outcome at ingestion (and one more
 * foreign-key probe), against keeping both guarantees exact across partitions. What the key table
 * does not itself prove is that an outcome's contract, external id and occurrence equal its key's:
 * the service writes both from the same input row in one statement, and the content-immutability
 * trigger keeps them equal afterwards. A lookup by id alone probes every partition's primary key;
 * the hot paths go through the key (its occurred_at) so the probe prunes to one partition.
 *
 * Partitions are created ahead by the service (src/outcomes/outcome-partitions.ts, on boot and
 * daily) through `ol_create_outcome_partitions(from, months)`: SECURITY DEFINER, owned by the schema
 * owner, EXECUTE granted to the service role (which owns nothing and cannot CREATE). Each table has a
 * DEFAULT partition, so an outcome dated in a month without a partition is never refused; the next
 * pass gives such a month (within ten years before and three after) its partition and moves its
 * rows there.
 * Partitions are reached through their parent only: the service role has no privilege on them.
 *
 * Existing rows are moved: the old tables are copied into the partitioned ones (partitions for
 * every month that has rows) and dropped; indexes, triggers and grants are re-created.
 */
export class PartitionOutcomesByMonth1768500000000 implements MigrationInterface {
  name = 'PartitionOutcomesByMonth1768500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- The keys that must hold across every partition.
      CREATE TABLE outcome_keys (
        vendor_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT uuidv7(),
        contract_id uuid NOT NULL,
        external_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        corrects_outcome_id uuid,
        PRIMARY KEY (vendor_id, id),
        UNIQUE (vendor_id, contract_id, external_id),
        FOREIGN KEY (vendor_id, corrects_outcome_id) REFERENCES outcome_keys(vendor_id, id),
        CONSTRAINT outcome_keys_not_own_correction CHECK (corrects_outcome_id IS DISTINCT FROM id)
      );
      CREATE UNIQUE INDEX outcome_keys_corrected_once ON outcome_keys (vendor_id, corrects_outcome_id) WHERE corrects_outcome_id IS NOT NULL;
      CREATE TRIGGER outcome_keys_append_only BEFORE UPDATE OR DELETE ON outcome_keys FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER outcome_keys_no_truncate BEFORE TRUNCATE ON outcome_keys FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      INSERT INTO outcome_keys (vendor_id, id, contract_id, external_id, occurred_at, corrects_outcome_id)
        SELECT vendor_id, id, contract_id, external_id, occurred_at, corrects_outcome_id FROM outcomes;

      ALTER TABLE outcomes RENAME TO outcomes_unpartitioned;
      ALTER TABLE outcome_events RENAME TO outcome_events_unpartitioned;
      CREATE TABLE outcomes (LIKE outcomes_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (occurred_at);
      CREATE TABLE outcome_events (LIKE outcome_events_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (occurred_at);
    `);

    // One month's partition of a table, unless it exists; answers 1 if created. Rows of that month
    // already in the default partition (PostgreSQL would refuse the new partition over them) are
    // moved into it, unchanged: the only DELETE the append-only tables ever see, by their owner,
    // with the default partition locked so that nothing is routed there meanwhile.
    await q.query(`
      CREATE FUNCTION ol_create_month_partition(p_table text, p_month date) RETURNS int
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
      DECLARE
        -- Bounds as ISO text whatever the session's DateStyle.
        v_start text := to_char(date_trunc('month', p_month), 'YYYY-MM-DD') || ' 00:00Z';
        v_end text := to_char(date_trunc('month', p_month) + interval '1 month', 'YYYY-MM-DD') || ' 00:00Z';
        v_name text := p_table || '_' || to_char(p_month, 'YYYY_MM');
        v_default text := p_table || '_default';
        v_in_default boolean := false;
      BEGIN
        IF p_table NOT IN ('outcomes', 'outcome_events') THEN RAISE EXCEPTION 'not a monthly partitioned table: %', p_table; END IF;
        IF to_regclass(v_name) IS NOT NULL THEN RETURN 0; END IF;
        IF to_regclass(v_default) IS NOT NULL THEN
          EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', v_default);
          EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE occurred_at >= %L AND occurred_at < %L)', v_default, v_start, v_end) INTO v_in_default;
        END IF;
        IF v_in_default THEN
          EXECUTE format('CREATE TEMP TABLE ol_moving ON COMMIT DROP AS SELECT * FROM %I WHERE occurred_at >= %L AND occurred_at < %L', v_default, v_start, v_end);
          EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', v_default);
          EXECUTE format('DELETE FROM %I WHERE occurred_at >= %L AND occurred_at < %L', v_default, v_start, v_end);
          EXECUTE format('ALTER TABLE %I ENABLE TRIGGER USER', v_default);
        END IF;
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', v_name, p_table, v_start, v_end);
        -- Reached through the parent only (default privileges would grant the service role its own).
        EXECUTE format('REVOKE ALL ON %I FROM ${SERVICE_ROLE}', v_name);
        IF v_in_default THEN
          EXECUTE format('INSERT INTO %I SELECT * FROM ol_moving', v_name);
          DROP TABLE ol_moving;
        END IF;
        RETURN 1;
      END $$;
      REVOKE ALL ON FUNCTION ol_create_month_partition(text, date) FROM PUBLIC;

      -- The months [p_from, p_from + p_months) of both tables; what the service calls. Serialized by
      -- an advisory lock; a short lock timeout, since creating a partition locks its parent.
      CREATE FUNCTION ol_create_outcome_partitions(p_from date, p_months int) RETURNS int
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '5s' AS $$
      DECLARE
        v_month date;
        v_months date[];
        v_created int := 0;
      BEGIN
        IF p_months NOT BETWEEN 0 AND 36 THEN RAISE EXCEPTION 'months must be 0 to 36, not %', p_months; END IF;
        PERFORM pg_advisory_xact_lock(hashtext('outcome-ledger:outcome-partitions'));
        FOR v_month IN SELECT generate_series(date_trunc('month', p_from), date_trunc('month', p_from) + (p_months - 1) * interval '1 month', interval '1 month')::date LOOP
          v_created := v_created + ol_create_month_partition('outcomes', v_month) + ol_create_month_partition('outcome_events', v_month);
        END LOOP;
        -- Months that reached the default partition (a backfill, a month not created in time) get
        -- their own partition once they are within ten years before p_from or three after; rows
        -- dated further out stay in the default, so a stray date cannot add partitions without end.
        -- (Read whole first: an open cursor on the default partition would block moving its rows.)
        SELECT array_agg(DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date) INTO v_months FROM outcomes_default
         WHERE occurred_at >= p_from - interval '10 years' AND occurred_at < p_from + interval '3 years';
        FOREACH v_month IN ARRAY coalesce(v_months, '{}') LOOP
          v_created := v_created + ol_create_month_partition('outcomes', v_month);
        END LOOP;
        SELECT array_agg(DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date) INTO v_months FROM outcome_events_default
         WHERE occurred_at >= p_from - interval '10 years' AND occurred_at < p_from + interval '3 years';
        FOREACH v_month IN ARRAY coalesce(v_months, '{}') LOOP
          v_created := v_created + ol_create_month_partition('outcome_events', v_month);
        END LOOP;
        RETURN v_created;
      END $$;
      REVOKE ALL ON FUNCTION ol_create_outcome_partitions(date, int) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION ol_create_outcome_partitions(date, int) TO ${SERVICE_ROLE};
    `);

    // The partitions the rows need, then the rows.
    await q.query(`
      CREATE TABLE outcomes_default PARTITION OF outcomes DEFAULT;
      CREATE TABLE outcome_events_default PARTITION OF outcome_events DEFAULT;
      REVOKE ALL ON outcomes_default, outcome_events_default FROM ${SERVICE_ROLE};
      SELECT ol_create_month_partition('outcomes', m) FROM (SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date AS m FROM outcomes_unpartitioned) s;
      SELECT ol_create_month_partition('outcome_events', m) FROM (SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date AS m FROM outcome_events_unpartitioned) s;
      -- This month and the next three; the service keeps creating ahead.
      SELECT ol_create_outcome_partitions((now() AT TIME ZONE 'UTC')::date, 4);
      INSERT INTO outcomes SELECT * FROM outcomes_unpartitioned;
      INSERT INTO outcome_events SELECT * FROM outcome_events_unpartitioned;
      DROP TABLE outcome_events_unpartitioned;
      DROP TABLE outcomes_unpartitioned;
    `);

    await q.query(`
      ALTER TABLE outcomes
        ADD PRIMARY KEY (vendor_id, id, occurred_at),
        ADD FOREIGN KEY (vendor_id, id) REFERENCES outcome_keys(vendor_id, id),
        ADD FOREIGN KEY (vendor_id, contract_id) REFERENCES contracts(vendor_id, id);
      -- The billing aggregate: one contract, one period, verified rows of a type.
      CREATE INDEX outcomes_for_billing ON outcomes (vendor_id, contract_id, type, occurred_at) INCLUDE (status, quantity, value);
      CREATE INDEX outcomes_by_status ON outcomes (vendor_id, contract_id, status, id);
      -- GET /v1/outcomes?contractId=…: newest first within one contract.
      CREATE INDEX outcomes_by_contract ON outcomes (vendor_id, contract_id, id);
      -- The sweep: recorded outcomes whose window has lapsed, oldest deadline first.
      CREATE INDEX outcomes_deemable ON outcomes (deemed_after, vendor_id) WHERE status = 'recorded' AND deemed_after IS NOT NULL;
      CREATE INDEX outcomes_changed ON outcomes (vendor_id, contract_id, changed_xact);

      CREATE TRIGGER outcomes_content_immutable BEFORE UPDATE ON outcomes FOR EACH ROW EXECUTE FUNCTION ol_outcome_content_immutable();
      CREATE TRIGGER outcomes_never_deleted BEFORE DELETE ON outcomes FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER outcomes_no_truncate BEFORE TRUNCATE ON outcomes FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      CREATE CONSTRAINT TRIGGER outcomes_status_has_event AFTER UPDATE OF status ON outcomes
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
        EXECUTE FUNCTION ol_outcome_status_has_event();
      CREATE TRIGGER outcomes_deemed_after_immutable BEFORE UPDATE OF deemed_after ON outcomes
        FOR EACH ROW EXECUTE FUNCTION ol_outcome_deemed_after_immutable();
      CREATE TRIGGER outcomes_changed_xact BEFORE UPDATE ON outcomes FOR EACH ROW EXECUTE FUNCTION ol_outcome_changed_xact();

      ALTER TABLE outcome_events
        ADD PRIMARY KEY (vendor_id, id, occurred_at),
        ADD FOREIGN KEY (vendor_id, outcome_id) REFERENCES outcome_keys(vendor_id, id),
        ADD FOREIGN KEY (vendor_id, actor_verifier_id) REFERENCES verifiers(vendor_id, id);
      CREATE INDEX outcome_events_by_outcome ON outcome_events (vendor_id, outcome_id, id);
      CREATE TRIGGER outcome_events_append_only BEFORE UPDATE OR DELETE ON outcome_events FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER outcome_events_no_truncate BEFORE TRUNCATE ON outcome_events FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();

      REVOKE ALL ON outcomes, outcome_events, outcome_keys FROM ${SERVICE_ROLE};
      GRANT SELECT, INSERT ON outcomes, outcome_events, outcome_keys TO ${SERVICE_ROLE};
      GRANT UPDATE (status, verified_at) ON outcomes TO ${SERVICE_ROLE};
    `);
  }

  /** Best effort: back to plain tables (the rows come along; the key table goes). */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outcomes RENAME TO outcomes_partitioned;
      ALTER TABLE outcome_events RENAME TO outcome_events_partitioned;
      CREATE TABLE outcomes (LIKE outcomes_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
      CREATE TABLE outcome_events (LIKE outcome_events_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
      INSERT INTO outcomes SELECT * FROM outcomes_partitioned;
      INSERT INTO outcome_events SELECT * FROM outcome_events_partitioned;
      DROP TABLE outcome_events_partitioned; DROP TABLE outcomes_partitioned; DROP TABLE outcome_keys;
      DROP FUNCTION ol_create_outcome_partitions(date, int); DROP FUNCTION ol_create_month_partition(text, date);
      ALTER TABLE outcomes
        ADD PRIMARY KEY (vendor_id, id),
        ADD FOREIGN KEY (vendor_id, contract_id) REFERENCES contracts(vendor_id, id),
        ADD FOREIGN KEY (vendor_id, corrects_outcome_id) REFERENCES outcomes(vendor_id, id),
        ADD UNIQUE (vendor_id, contract_id, external_id);
      CREATE INDEX outcomes_for_billing ON outcomes (vendor_id, contract_id, type, occurred_at) INCLUDE (status, quantity, value);
      CREATE INDEX outcomes_by_status ON outcomes (vendor_id, contract_id, status, id);
      CREATE UNIQUE INDEX outcomes_corrected_once ON outcomes (vendor_id, corrects_outcome_id) WHERE corrects_outcome_id IS NOT NULL;
      CREATE INDEX outcomes_by_contract ON outcomes (vendor_id, contract_id, id);
      CREATE INDEX outcomes_deemable ON outcomes (deemed_after, vendor_id) WHERE status = 'recorded' AND deemed_after IS NOT NULL;
      CREATE INDEX outcomes_changed ON outcomes (vendor_id, contract_id, changed_xact);
      CREATE TRIGGER outcomes_content_immutable BEFORE UPDATE ON outcomes FOR EACH ROW EXECUTE FUNCTION ol_outcome_content_immutable();
      CREATE TRIGGER outcomes_never_deleted BEFORE DELETE ON outcomes FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER outcomes_no_truncate BEFORE TRUNCATE ON outcomes FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      CREATE CONSTRAINT TRIGGER outcomes_status_has_event AFTER UPDATE OF status ON outcomes
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
        EXECUTE FUNCTION ol_outcome_status_has_event();
      CREATE TRIGGER outcomes_deemed_after_immutable BEFORE UPDATE OF deemed_after ON outcomes
        FOR EACH ROW EXECUTE FUNCTION ol_outcome_deemed_after_immutable();
      CREATE TRIGGER outcomes_changed_xact BEFORE UPDATE ON outcomes FOR EACH ROW EXECUTE FUNCTION ol_outcome_changed_xact();
      ALTER TABLE outcome_events
        ADD PRIMARY KEY (vendor_id, id),
        ADD FOREIGN KEY (vendor_id, outcome_id) REFERENCES outcomes(vendor_id, id),
        ADD FOREIGN KEY (vendor_id, actor_verifier_id) REFERENCES verifiers(vendor_id, id);
      CREATE INDEX outcome_events_by_outcome ON outcome_events (vendor_id, outcome_id, id);
      CREATE TRIGGER outcome_events_append_only BEFORE UPDATE OR DELETE ON outcome_events FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER outcome_events_no_truncate BEFORE TRUNCATE ON outcome_events FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      GRANT SELECT, INSERT ON outcomes, outcome_events TO ${SERVICE_ROLE};
      GRANT UPDATE (status, verified_at) ON outcomes TO ${SERVICE_ROLE};
    `);
  }
}
