import type { Migration } from './db/migrations.ts';
import { integrationsMigrations } from './integrations/migrations.ts';
import { mailMigrations } from './mail/migrations.ts';
import { webhookMigrations } from './webhooks/migrations.ts';

/** Migrations of the `platform` schema: RLS helpers, outbox, processed events, idempotency keys. */
export const platformMigrations: Migration[] = [
  {
    id: '0001_rls_helpers',
    sql: `
      CREATE OR REPLACE FUNCTION platform.current_tenant_id() RETURNS uuid
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

      CREATE OR REPLACE FUNCTION platform.current_user_id() RETURNS uuid
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

      CREATE OR REPLACE FUNCTION platform.is_system() RETURNS boolean
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT coalesce(current_setting('app.system', true), '') = 'on' $$;

      -- Enables and FORCES row-level security with the standard tenant policy.
      CREATE OR REPLACE FUNCTION platform.enable_tenant_rls(target regclass) RETURNS void
        LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', target);
        EXECUTE format(
          'CREATE POLICY tenant_isolation ON %s USING (tenant_id = platform.current_tenant_id()) '
          'WITH CHECK (tenant_id = platform.current_tenant_id())', target);
      END $$;
      REVOKE EXECUTE ON FUNCTION platform.enable_tenant_rls(regclass) FROM PUBLIC, ubos_app;

      -- Append-only guard for tables such as the timeline.
      CREATE OR REPLACE FUNCTION platform.reject_mutation() RETURNS trigger
        LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on %.% is not allowed: the table is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$;
    `,
  },
  {
    id: '0002_outbox',
    sql: `
      CREATE TABLE IF NOT EXISTS platform.outbox (
        position bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        type text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        payload jsonb NOT NULL,
        actor_id uuid,
        aggregate_type text,
        aggregate_id text,
        correlation_id text NOT NULL,
        causation_id text,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz
      );
      CREATE UNIQUE INDEX IF NOT EXISTS outbox_position_idx ON platform.outbox (position);
      CREATE INDEX IF NOT EXISTS outbox_pending_idx ON platform.outbox (position) WHERE dispatched_at IS NULL;
      CREATE INDEX IF NOT EXISTS outbox_occurred_idx ON platform.outbox (occurred_at);

      ALTER TABLE platform.outbox ENABLE ROW LEVEL SECURITY;
      ALTER TABLE platform.outbox FORCE ROW LEVEL SECURITY;
      DROP POLICY IF EXISTS tenant_isolation ON platform.outbox;
      CREATE POLICY tenant_isolation ON platform.outbox
        USING (tenant_id = platform.current_tenant_id() OR platform.is_system())
        WITH CHECK (tenant_id = platform.current_tenant_id() OR platform.is_system());

      -- Wake the dispatcher when a writing transaction commits (NOTIFY is delivered at commit).
      CREATE OR REPLACE FUNCTION platform.notify_outbox() RETURNS trigger
        LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('ubos_outbox', '');
        RETURN NULL;
      END $$;
      DROP TRIGGER IF EXISTS outbox_notify ON platform.outbox;
      CREATE TRIGGER outbox_notify AFTER INSERT ON platform.outbox
        FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_outbox();

      CREATE TABLE IF NOT EXISTS platform.processed_events (
        subscription text NOT NULL,
        event_id uuid NOT NULL,
        tenant_id uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subscription, event_id)
      );
      ALTER TABLE platform.processed_events ENABLE ROW LEVEL SECURITY;
      ALTER TABLE platform.processed_events FORCE ROW LEVEL SECURITY;
      DROP POLICY IF EXISTS tenant_isolation ON platform.processed_events;
      CREATE POLICY tenant_isolation ON platform.processed_events
        USING (tenant_id = platform.current_tenant_id() OR platform.is_system())
        WITH CHECK (tenant_id = platform.current_tenant_id() OR platform.is_system());

      CREATE TABLE IF NOT EXISTS platform.idempotency_keys (
        tenant_id uuid NOT NULL,
        scope text NOT NULL,
        key text NOT NULL,
        result jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, scope, key)
      );
      SELECT platform.enable_tenant_rls('platform.idempotency_keys');

      GRANT USAGE ON SCHEMA platform TO ubos_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON platform.outbox, platform.processed_events, platform.idempotency_keys TO ubos_app;
      GRANT SELECT ON platform.schema_migrations TO ubos_app;
    `,
  },
  {
    // Per-tenant reads of the outbox in order (search index rebuild, per-tenant replay) walk this
    // index instead of every tenant's positions.
    id: '0003_outbox_tenant_position',
    sql: `
      CREATE INDEX IF NOT EXISTS outbox_tenant_position_idx ON platform.outbox (tenant_id, position);
    `,
  },
  // The connections registry and OAuth states (§7).
  ...integrationsMigrations,
  // Verified webhook deliveries (§7).
  ...webhookMigrations,
  {
    // The app role writes and reads events; it no longer rewrites or deletes them. Marking rows
    // dispatched and pruning old ones go through two SECURITY DEFINER functions (owner), each doing
    // exactly that one thing in the system scope.
    id: '0004_outbox_app_grants',
    sql: `
      CREATE OR REPLACE FUNCTION platform.claim_outbox(p_batch integer)
        RETURNS SETOF platform.outbox
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
      BEGIN
        IF NOT platform.is_system() THEN
          RAISE EXCEPTION 'Claiming outbox rows is the dispatcher''s work (system scope)' USING ERRCODE = 'insufficient_privilege';
        END IF;
        -- Dispatchers of several processes never interleave batches: jobs of one aggregate are
        -- created in outbox order. A row another dispatcher marked meanwhile fails FOR UPDATE's recheck.
        PERFORM pg_advisory_xact_lock(hashtext('ubos.outbox.dispatch'));
        RETURN QUERY
          WITH claimed AS (
            SELECT o.position FROM platform.outbox o
             WHERE o.dispatched_at IS NULL
             ORDER BY o.position
             LIMIT greatest(1, least(p_batch, 10000))
               FOR UPDATE OF o SKIP LOCKED)
          UPDATE platform.outbox o SET dispatched_at = now()
            FROM claimed WHERE o.position = claimed.position
          RETURNING o.*;
      END $fn$;

      CREATE OR REPLACE FUNCTION platform.prune_outbox(p_retention_days integer, p_chunk integer)
        RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
      DECLARE
        pruned integer;
      BEGIN
        IF NOT platform.is_system() THEN
          RAISE EXCEPTION 'Pruning the outbox is the retention job''s work (system scope)' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF p_retention_days < 1 THEN
          RAISE EXCEPTION 'The outbox keeps events at least one day' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- Only dispatched rows older than the window: an undispatched event is never lost.
        DELETE FROM platform.outbox
         WHERE position IN (
           SELECT position FROM platform.outbox
            WHERE dispatched_at IS NOT NULL
              AND occurred_at < now() - make_interval(days => p_retention_days)
            ORDER BY position
            LIMIT greatest(1, least(p_chunk, 100000)));
        GET DIAGNOSTICS pruned = ROW_COUNT;
        RETURN pruned;
      END $fn$;

      REVOKE ALL ON FUNCTION platform.claim_outbox(integer) FROM PUBLIC;
      REVOKE ALL ON FUNCTION platform.prune_outbox(integer, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION platform.claim_outbox(integer) TO ubos_app;
      GRANT EXECUTE ON FUNCTION platform.prune_outbox(integer, integer) TO ubos_app;
      REVOKE UPDATE, DELETE, TRUNCATE ON platform.outbox FROM ubos_app;
    `,
  },
  {
    // The W3C traceparent of the transaction that wrote an event (null with tracing off): handlers
    // continue that trace. claim_outbox returns the row type, so it is re-created with the column.
    id: '0005_outbox_trace_context',
    sql: `
      ALTER TABLE platform.outbox ADD COLUMN IF NOT EXISTS trace_context text CHECK (trace_context IS NULL OR length(trace_context) <= 200);
      CREATE OR REPLACE FUNCTION platform.claim_outbox(p_batch integer)
        RETURNS SETOF platform.outbox
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
      BEGIN
        IF NOT platform.is_system() THEN
          RAISE EXCEPTION 'Claiming outbox rows is the dispatcher''s work (system scope)' USING ERRCODE = 'insufficient_privilege';
        END IF;
        PERFORM pg_advisory_xact_lock(hashtext('ubos.outbox.dispatch'));
        RETURN QUERY
          WITH claimed AS (
            SELECT o.position FROM platform.outbox o
             WHERE o.dispatched_at IS NULL
             ORDER BY o.position
             LIMIT greatest(1, least(p_batch, 10000))
               FOR UPDATE OF o SKIP LOCKED)
          UPDATE platform.outbox o SET dispatched_at = now()
            FROM claimed WHERE o.position = claimed.position
          RETURNING o.*;
      END $fn$;
    `,
  },
  // The system-mail log and mail branding (§7 "Mail port").
  ...mailMigrations,
  {
    // Which ids exist in which tenant, for references across domains (§4 "References"): a project
    // names a crm client, a task a member. Kept by triggers on the owning tables, so every write path
    // (imports, merges, deletes) keeps it true in the same transaction; domains check ids with
    // ctx.requireReferences, never by reading another domain's tables.
    id: '0006_entity_references',
    sql: `
      CREATE TABLE IF NOT EXISTS platform.entity_references (
        tenant_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind ~ '^[a-z]+\\.[a-z_]+$'),
        id uuid NOT NULL,
        PRIMARY KEY (tenant_id, kind, id)
      );
      SELECT platform.enable_tenant_rls('platform.entity_references');
      GRANT SELECT, INSERT, DELETE ON platform.entity_references TO ubos_app;

      CREATE OR REPLACE FUNCTION platform.maintain_entity_reference() RETURNS trigger
        LANGUAGE plpgsql AS $fn$
      DECLARE
        ref_id uuid;
      BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
          ref_id := (to_jsonb(OLD) ->> TG_ARGV[1])::uuid;
          DELETE FROM platform.entity_references WHERE tenant_id = OLD.tenant_id AND kind = TG_ARGV[0] AND id = ref_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          ref_id := (to_jsonb(NEW) ->> TG_ARGV[1])::uuid;
          INSERT INTO platform.entity_references (tenant_id, kind, id) VALUES (NEW.tenant_id, TG_ARGV[0], ref_id) ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
      END $fn$;

      -- For a domain migration: keeps platform.entity_references in step with target's rows
      -- (kind names them, id_column holds the id) and records the rows already there.
      CREATE OR REPLACE FUNCTION platform.track_entity_references(target regclass, kind text, id_column text DEFAULT 'id') RETURNS void
        LANGUAGE plpgsql AS $fn$
      DECLARE
        trigger_name text := 'entity_reference_' || replace(kind, '.', '_');
      BEGIN
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', trigger_name, target);
        EXECUTE format(
          'CREATE TRIGGER %I AFTER INSERT OR DELETE OR UPDATE OF %I, tenant_id ON %s FOR EACH ROW EXECUTE FUNCTION platform.maintain_entity_reference(%L, %L)',
          trigger_name, id_column, target, kind, id_column);
        -- The rows already there, of every tenant: the owner reads past RLS only for this statement
        -- (the migration's transaction re-forces it before anyone else sees the tables).
        EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', target);
        ALTER TABLE platform.entity_references NO FORCE ROW LEVEL SECURITY;
        EXECUTE format(
          'INSERT INTO platform.entity_references (tenant_id, kind, id) SELECT tenant_id, %L, %I FROM %s ON CONFLICT DO NOTHING',
          kind, id_column, target);
        ALTER TABLE platform.entity_references FORCE ROW LEVEL SECURITY;
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
      END $fn$;
      REVOKE EXECUTE ON FUNCTION platform.track_entity_references(regclass, text, text) FROM PUBLIC, ubos_app;
    `,
  },
];
