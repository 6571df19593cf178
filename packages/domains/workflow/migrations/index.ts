import type { Migration } from '@ubos/platform';

export const workflowMigrations: Migration[] = [
  {
    id: '0001_workflow_core',
    sql: `
      CREATE TABLE IF NOT EXISTS workflow.definitions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        trigger_event text NOT NULL,
        current_version integer NOT NULL CHECK (current_version >= 1),
        enabled boolean NOT NULL DEFAULT false,
        template_key text,
        missing_actions text[] NOT NULL DEFAULT '{}',
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS definitions_trigger_idx
        ON workflow.definitions (tenant_id, trigger_event) WHERE enabled AND deleted_at IS NULL;
      CREATE INDEX IF NOT EXISTS definitions_list_idx ON workflow.definitions (tenant_id, id);
      SELECT platform.enable_tenant_rls('workflow.definitions');

      CREATE TABLE IF NOT EXISTS workflow.definition_versions (
        tenant_id uuid NOT NULL,
        definition_id uuid NOT NULL REFERENCES workflow.definitions (id),
        version integer NOT NULL CHECK (version >= 1),
        spec jsonb NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (definition_id, version)
      );
      SELECT platform.enable_tenant_rls('workflow.definition_versions');

      CREATE TABLE IF NOT EXISTS workflow.runs (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        definition_id uuid NOT NULL REFERENCES workflow.definitions (id),
        definition_version integer NOT NULL,
        trigger_event_id uuid NOT NULL,
        trigger_event_type text NOT NULL,
        trigger_event jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('pending','running','succeeded','failed','skipped','cancelled','compensated')),
        current_step integer NOT NULL DEFAULT 0,
        error jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        -- A matching event starts at most one run per definition, however often it is delivered.
        CONSTRAINT runs_one_per_event UNIQUE (tenant_id, definition_id, trigger_event_id)
      );
      CREATE INDEX IF NOT EXISTS runs_list_idx ON workflow.runs (tenant_id, id DESC);
      CREATE INDEX IF NOT EXISTS runs_definition_idx ON workflow.runs (tenant_id, definition_id, id DESC);
      CREATE INDEX IF NOT EXISTS runs_status_idx ON workflow.runs (tenant_id, status, id DESC);
      SELECT platform.enable_tenant_rls('workflow.runs');

      CREATE TABLE IF NOT EXISTS workflow.run_steps (
        tenant_id uuid NOT NULL,
        run_id uuid NOT NULL REFERENCES workflow.runs (id),
        step_index integer NOT NULL CHECK (step_index >= 0),
        step_key text NOT NULL,
        action text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending','running','succeeded','failed','skipped','cancelled','compensated')),
        input jsonb,
        output jsonb,
        error jsonb,
        attempts integer NOT NULL DEFAULT 0,
        scheduled_for timestamptz,
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, step_index),
        UNIQUE (run_id, step_key)
      );
      SELECT platform.enable_tenant_rls('workflow.run_steps');

      -- Hand-off of steps to the engine from places that cannot reach pg-boss (event
      -- subscriptions, API procedures): written in the tenant transaction, moved into a pg-boss
      -- job by the engine's dispatcher in one transaction (claim with SKIP LOCKED), like the outbox.
      CREATE TABLE IF NOT EXISTS workflow.step_wakeups (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL,
        run_id uuid NOT NULL,
        step_index integer NOT NULL,
        due_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      SELECT platform.enable_tenant_rls('workflow.step_wakeups');
      -- The dispatcher works across tenants inside withSystem().
      DROP POLICY IF EXISTS system_dispatch ON workflow.step_wakeups;
      CREATE POLICY system_dispatch ON workflow.step_wakeups
        USING (platform.is_system()) WITH CHECK (platform.is_system());

      CREATE OR REPLACE FUNCTION workflow.notify_wakeup() RETURNS trigger
        LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('ubos_workflow', '');
        RETURN NULL;
      END $$;
      DROP TRIGGER IF EXISTS step_wakeups_notify ON workflow.step_wakeups;
      CREATE TRIGGER step_wakeups_notify AFTER INSERT ON workflow.step_wakeups
        FOR EACH STATEMENT EXECUTE FUNCTION workflow.notify_wakeup();

      CREATE TABLE IF NOT EXISTS workflow.notifications (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL,
        title text NOT NULL,
        body text NOT NULL DEFAULT '',
        link text,
        run_id uuid,
        idempotency_key text,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS notifications_user_idx ON workflow.notifications (tenant_id, user_id, id DESC);
      SELECT platform.enable_tenant_rls('workflow.notifications');

      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA workflow TO ubos_app;
    `,
  },
  {
    id: '0002_schedules',
    sql: `
      -- Enabled scheduled (cron) definitions. Maintained by the API in the tenant transaction;
      -- the engine mirrors it into pg-boss schedules, reading across tenants inside withSystem().
      CREATE TABLE IF NOT EXISTS workflow.schedules (
        definition_id uuid PRIMARY KEY REFERENCES workflow.definitions (id),
        tenant_id uuid NOT NULL,
        cron text NOT NULL,
        timezone text NOT NULL DEFAULT 'UTC',
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      SELECT platform.enable_tenant_rls('workflow.schedules');
      DROP POLICY IF EXISTS system_sync ON workflow.schedules;
      CREATE POLICY system_sync ON workflow.schedules USING (platform.is_system());

      CREATE OR REPLACE FUNCTION workflow.notify_schedules() RETURNS trigger
        LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('ubos_workflow', 'schedules');
        RETURN NULL;
      END $$;
      DROP TRIGGER IF EXISTS schedules_notify ON workflow.schedules;
      CREATE TRIGGER schedules_notify AFTER INSERT OR UPDATE OR DELETE ON workflow.schedules
        FOR EACH STATEMENT EXECUTE FUNCTION workflow.notify_schedules();

      GRANT SELECT, INSERT, UPDATE, DELETE ON workflow.schedules TO ubos_app;
    `,
  },
  {
    // The cross-tenant schedule sync only reads: make that policy SELECT-only so no
    // system-context write can bypass the tenant WITH CHECK.
    id: '0003_schedules_system_read_only',
    sql: `
      DROP POLICY IF EXISTS system_sync ON workflow.schedules;
      CREATE POLICY system_sync ON workflow.schedules FOR SELECT USING (platform.is_system());
    `,
  },
  {
    // Waiting for an event (README "Waiting for an event"): a step whose action is still waiting is
    // parked ('waiting') with one row here; workflow.trigger, which sees every event, wakes it when a
    // matching event arrives, and a job at expires_at ends a wait that timed out.
    id: '0004_step_waits',
    sql: `
      ALTER TABLE workflow.run_steps DROP CONSTRAINT IF EXISTS run_steps_status_check;
      ALTER TABLE workflow.run_steps ADD CONSTRAINT run_steps_status_check
        CHECK (status IN ('pending','running','waiting','succeeded','failed','skipped','cancelled','compensated'));

      CREATE TABLE IF NOT EXISTS workflow.step_waits (
        tenant_id uuid NOT NULL,
        run_id uuid NOT NULL,
        step_index integer NOT NULL,
        event_type text NOT NULL CHECK (event_type ~ '^[a-z][a-z_]*(\\.[a-z][a-z_]*)+$'),
        match jsonb NOT NULL CHECK (jsonb_typeof(match) = 'object'),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        -- Set when a matching event woke the step; cleared when the step waits again.
        woken_at timestamptz,
        woken_by_event uuid,
        PRIMARY KEY (tenant_id, run_id, step_index),
        FOREIGN KEY (run_id, step_index) REFERENCES workflow.run_steps (run_id, step_index)
      );
      SELECT platform.enable_tenant_rls('workflow.step_waits');
      CREATE INDEX IF NOT EXISTS step_waits_event_idx ON workflow.step_waits (tenant_id, event_type) WHERE woken_at IS NULL;
      GRANT SELECT, INSERT, UPDATE, DELETE ON workflow.step_waits TO ubos_app;
    `,
  },
];
