import type { Migration } from '@ubos/platform';

/**
 * Schema `timeline`: one append-only row per domain event. RLS forced on tenant_id; the app
 * role may only SELECT and INSERT (UPDATE, DELETE and TRUNCATE revoked), and a trigger rejects
 * UPDATE/DELETE for every role that could still try (the owner included).
 */
export const timelineMigrations: Migration[] = [
  {
    id: '0001_activity_events',
    sql: `
      CREATE TABLE IF NOT EXISTS timeline.activity_events (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        event_id uuid NOT NULL,
        type text NOT NULL,
        event_version integer NOT NULL,
        actor_id uuid,
        entity_type text,
        entity_id text,
        client_id uuid,
        summary text NOT NULL,
        payload jsonb NOT NULL,
        correlation_id text,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT activity_events_event_unique UNIQUE (tenant_id, event_id)
      );
      -- Newest first, keyset on (occurred_at, id), per filter.
      CREATE INDEX IF NOT EXISTS activity_events_recent_idx
        ON timeline.activity_events (tenant_id, occurred_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS activity_events_entity_idx
        ON timeline.activity_events (tenant_id, entity_type, entity_id, occurred_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS activity_events_client_idx
        ON timeline.activity_events (tenant_id, client_id, occurred_at DESC, id DESC) WHERE client_id IS NOT NULL;
      CREATE INDEX IF NOT EXISTS activity_events_actor_idx
        ON timeline.activity_events (tenant_id, actor_id, occurred_at DESC, id DESC) WHERE actor_id IS NOT NULL;
      CREATE INDEX IF NOT EXISTS activity_events_type_idx
        ON timeline.activity_events (tenant_id, type, occurred_at DESC, id DESC);

      SELECT platform.enable_tenant_rls('timeline.activity_events');

      REVOKE ALL ON timeline.activity_events FROM ubos_app;
      GRANT SELECT, INSERT ON timeline.activity_events TO ubos_app;

      DROP TRIGGER IF EXISTS activity_events_append_only ON timeline.activity_events;
      CREATE TRIGGER activity_events_append_only
        BEFORE UPDATE OR DELETE ON timeline.activity_events
        FOR EACH ROW EXECUTE FUNCTION platform.reject_mutation();
    `,
  },
  {
    // Tamper evidence (docs/ARCHITECTURE.md §7): each tenant's entries form a hash chain, appended
    // only through timeline.append_activity (SECURITY DEFINER, owner), which refuses an entry whose
    // event is not in the tenant's outbox. The app role loses INSERT on the table. Entries recorded
    // before this migration keep seq NULL and are reported as unchained by timeline.verify_chain().
    id: '0002_hash_chain',
    sql: `
      ALTER TABLE timeline.activity_events ADD COLUMN IF NOT EXISTS seq bigint;
      ALTER TABLE timeline.activity_events ADD COLUMN IF NOT EXISTS prev_hash bytea;
      ALTER TABLE timeline.activity_events ADD COLUMN IF NOT EXISTS hash bytea;
      CREATE UNIQUE INDEX IF NOT EXISTS activity_events_chain_idx ON timeline.activity_events (tenant_id, seq) WHERE seq IS NOT NULL;

      CREATE TABLE IF NOT EXISTS timeline.chain_heads (
        tenant_id uuid PRIMARY KEY,
        seq bigint NOT NULL CHECK (seq >= 0),
        head_hash bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      SELECT platform.enable_tenant_rls('timeline.chain_heads');
      REVOKE ALL ON timeline.chain_heads FROM ubos_app;
      GRANT SELECT ON timeline.chain_heads TO ubos_app;

      -- The chain's first link: a tenant's own genesis value.
      CREATE OR REPLACE FUNCTION timeline.chain_genesis(p_tenant_id uuid) RETURNS bytea
        LANGUAGE sql IMMUTABLE AS $fn$ SELECT sha256(convert_to('ubos-timeline:' || p_tenant_id::text, 'UTF8')) $fn$;

      -- SHA-256 of the previous hash followed by the entry's content as a JSON array (exact text,
      -- nulls distinct from empty strings, times in UTC with microseconds).
      CREATE OR REPLACE FUNCTION timeline.entry_hash(
        p_prev bytea, p_seq bigint, p_id uuid, p_tenant_id uuid, p_event_id uuid, p_type text, p_event_version integer,
        p_actor_id uuid, p_entity_type text, p_entity_id text, p_client_id uuid, p_summary text, p_payload jsonb,
        p_correlation_id text, p_occurred_at timestamptz, p_recorded_at timestamptz
      ) RETURNS bytea LANGUAGE sql IMMUTABLE AS $fn$
        SELECT sha256(p_prev || convert_to(jsonb_build_array(
          p_seq, p_id, p_tenant_id, p_event_id, p_type, p_event_version, p_actor_id, p_entity_type, p_entity_id, p_client_id,
          p_summary, p_payload, p_correlation_id,
          to_char(p_occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          to_char(p_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text, 'UTF8'))
      $fn$;

      CREATE OR REPLACE FUNCTION timeline.append_activity(
        p_id uuid, p_tenant_id uuid, p_event_id uuid, p_type text, p_event_version integer, p_actor_id uuid,
        p_entity_type text, p_entity_id text, p_client_id uuid, p_summary text, p_payload jsonb,
        p_correlation_id text, p_occurred_at timestamptz
      ) RETURNS boolean
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
      DECLARE
        head_seq bigint;
        head_hash bytea;
        recorded timestamptz := now();
        next_hash bytea;
      BEGIN
        IF p_tenant_id IS DISTINCT FROM platform.current_tenant_id() THEN
          RAISE EXCEPTION 'A timeline entry is written in its own tenant''s transaction' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM platform.outbox o WHERE o.id = p_event_id AND o.tenant_id = p_tenant_id AND o.type = p_type) THEN
          RAISE EXCEPTION 'A timeline entry records an event of the outbox; % is not one', p_event_id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF EXISTS (SELECT 1 FROM timeline.activity_events a WHERE a.tenant_id = p_tenant_id AND a.event_id = p_event_id) THEN
          RETURN false;
        END IF;
        INSERT INTO timeline.chain_heads (tenant_id, seq, head_hash) VALUES (p_tenant_id, 0, timeline.chain_genesis(p_tenant_id))
          ON CONFLICT (tenant_id) DO NOTHING;
        -- One writer per tenant at a time: the head row is the lock.
        SELECT c.seq, c.head_hash INTO head_seq, head_hash FROM timeline.chain_heads c WHERE c.tenant_id = p_tenant_id FOR UPDATE;
        -- A delivery of the same event that committed while this one waited for the lock.
        IF EXISTS (SELECT 1 FROM timeline.activity_events a WHERE a.tenant_id = p_tenant_id AND a.event_id = p_event_id) THEN
          RETURN false;
        END IF;
        next_hash := timeline.entry_hash(head_hash, head_seq + 1, p_id, p_tenant_id, p_event_id, p_type, p_event_version, p_actor_id,
          p_entity_type, p_entity_id, p_client_id, p_summary, p_payload, p_correlation_id, p_occurred_at, recorded);
        INSERT INTO timeline.activity_events (id, tenant_id, event_id, type, event_version, actor_id, entity_type, entity_id, client_id,
            summary, payload, correlation_id, occurred_at, recorded_at, seq, prev_hash, hash)
          VALUES (p_id, p_tenant_id, p_event_id, p_type, p_event_version, p_actor_id, p_entity_type, p_entity_id, p_client_id,
            p_summary, p_payload, p_correlation_id, p_occurred_at, recorded, head_seq + 1, head_hash, next_hash);
        UPDATE timeline.chain_heads SET seq = head_seq + 1, head_hash = next_hash, updated_at = now() WHERE tenant_id = p_tenant_id;
        RETURN true;
      END $fn$;
      REVOKE ALL ON FUNCTION timeline.append_activity(uuid, uuid, uuid, text, integer, uuid, text, text, uuid, text, jsonb, text, timestamptz) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION timeline.append_activity(uuid, uuid, uuid, text, integer, uuid, text, text, uuid, text, jsonb, text, timestamptz) TO ubos_app;
      REVOKE INSERT ON timeline.activity_events FROM ubos_app;

      -- Walks the current tenant's chain (RLS) and reports the first broken link, if any.
      CREATE OR REPLACE FUNCTION timeline.verify_chain()
        RETURNS TABLE (entries bigint, unchained bigint, head_seq bigint, head_hash text, broken_at bigint, problem text)
        LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
      DECLARE
        tenant uuid := platform.current_tenant_id();
        entry record;
        expected_prev bytea;
        expected_seq bigint := 1;
        stored_seq bigint;
        stored_hash bytea;
        has_head boolean;
      BEGIN
        entries := 0;
        SELECT count(*) INTO unchained FROM timeline.activity_events a WHERE a.seq IS NULL;
        SELECT c.seq, c.head_hash INTO stored_seq, stored_hash FROM timeline.chain_heads c WHERE c.tenant_id = tenant;
        has_head := FOUND;
        expected_prev := timeline.chain_genesis(tenant);
        FOR entry IN SELECT * FROM timeline.activity_events a WHERE a.seq IS NOT NULL ORDER BY a.seq LOOP
          IF entry.seq <> expected_seq THEN
            broken_at := expected_seq;
            problem := format('Entry %s is missing: the next one kept is %s', expected_seq, entry.seq);
            EXIT;
          END IF;
          IF entry.prev_hash IS DISTINCT FROM expected_prev THEN
            broken_at := entry.seq;
            problem := format('Entry %s does not follow entry %s: its link to the previous entry was changed', entry.seq, entry.seq - 1);
            EXIT;
          END IF;
          IF entry.hash IS DISTINCT FROM timeline.entry_hash(entry.prev_hash, entry.seq, entry.id, entry.tenant_id, entry.event_id, entry.type,
              entry.event_version, entry.actor_id, entry.entity_type, entry.entity_id, entry.client_id, entry.summary, entry.payload,
              entry.correlation_id, entry.occurred_at, entry.recorded_at) THEN
            broken_at := entry.seq;
            problem := format('Entry %s was altered after it was recorded', entry.seq);
            EXIT;
          END IF;
          expected_prev := entry.hash;
          expected_seq := expected_seq + 1;
          entries := entries + 1;
        END LOOP;
        IF problem IS NULL AND NOT has_head AND entries > 0 THEN
          broken_at := 1;
          problem := 'The chain head is missing';
        ELSIF problem IS NULL AND has_head AND stored_seq <> expected_seq - 1 THEN
          broken_at := expected_seq;
          problem := format('Entries %s to %s are missing (the chain head is at %s)', expected_seq, stored_seq, stored_seq);
        ELSIF problem IS NULL AND has_head AND stored_hash IS DISTINCT FROM expected_prev THEN
          broken_at := expected_seq - 1;
          problem := 'The chain head does not match the last entry';
        END IF;
        head_seq := CASE WHEN has_head THEN stored_seq ELSE 0 END;
        head_hash := CASE WHEN has_head THEN encode(stored_hash, 'hex') ELSE NULL END;
        RETURN NEXT;
      END $fn$;
    `,
  },
];
