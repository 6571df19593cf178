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
];
