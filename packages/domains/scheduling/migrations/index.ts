import { OWNER_ROLE, type Migration } from '@ubos/platform';

/**
 * Schema `scheduling` (ARCHITECTURE.md §4). Forward-only and idempotent: never edit an applied
 * migration, add the next one. Every tenant table carries tenant_id and forced RLS.
 */
export const schedulingMigrations: Migration[] = [
  {
    id: '0001_settings',
    sql: `
      CREATE SCHEMA IF NOT EXISTS scheduling;

      -- One row per tenant, written on the first change: no row means the defaults apply.
      CREATE TABLE IF NOT EXISTS scheduling.settings (
        tenant_id uuid PRIMARY KEY,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid
      );
      SELECT platform.enable_tenant_rls('scheduling.settings');
    `,
  },
  {
    id: '0002_scheduling',
    sql: `
      -- btree_gist lets one exclusion constraint mix equality (tenant, host) with range overlap.
      -- It is a trusted extension (PostgreSQL 13+): the owner role may create it.
      CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public;

      -- The tenant's public booking address: /book/<slug>/<page slug>. Slugs are global.
      CREATE TABLE IF NOT EXISTS scheduling.sites (
        tenant_id uuid PRIMARY KEY,
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      SELECT platform.enable_tenant_rls('scheduling.sites');
      DROP POLICY IF EXISTS sites_definer_lookup ON scheduling.sites;
      CREATE POLICY sites_definer_lookup ON scheduling.sites FOR SELECT TO ${OWNER_ROLE} USING (true);

      -- Appointment types. Types sharing a page_slug form one booking page.
      CREATE TABLE IF NOT EXISTS scheduling.appointment_types (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        page_slug text NOT NULL CHECK (page_slug ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'),
        slug text NOT NULL CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
        duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 720),
        location_kind text NOT NULL CHECK (location_kind IN ('in_person', 'phone', 'video')),
        location_detail text NOT NULL DEFAULT '' CHECK (length(location_detail) <= 500),
        buffer_before_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 240),
        buffer_after_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 240),
        minimum_notice_minutes integer NOT NULL DEFAULT 0 CHECK (minimum_notice_minutes BETWEEN 0 AND 525600),
        booking_window_days integer NOT NULL DEFAULT 60 CHECK (booking_window_days BETWEEN 1 AND 730),
        max_per_day integer CHECK (max_per_day IS NULL OR max_per_day BETWEEN 1 AND 100),
        slot_interval_minutes integer CHECK (slot_interval_minutes IS NULL OR slot_interval_minutes BETWEEN 5 AND 720),
        questions jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(questions) = 'array'),
        assignment text NOT NULL CHECK (assignment IN ('single', 'round_robin', 'collective')),
        host_ids uuid[] NOT NULL CHECK (cardinality(host_ids) BETWEEN 1 AND 20),
        reminder_minutes integer[] NOT NULL DEFAULT '{1440,60}',
        project_template_id uuid,
        active boolean NOT NULL DEFAULT true,
        archived_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id),
        CHECK (assignment <> 'single' OR cardinality(host_ids) = 1)
      );
      SELECT platform.enable_tenant_rls('scheduling.appointment_types');
      CREATE UNIQUE INDEX IF NOT EXISTS appointment_types_slug_key ON scheduling.appointment_types (tenant_id, page_slug, slug)
        WHERE archived_at IS NULL;

      -- Weekly hours per user, in the user's IANA time zone: weekly = {"1": [[540, 1020]], ...}
      -- (ISO weekday -> [start, end) minutes after local midnight).
      CREATE TABLE IF NOT EXISTS scheduling.schedules (
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL,
        time_zone text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
        weekly jsonb NOT NULL CHECK (jsonb_typeof(weekly) = 'object'),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id)
      );
      SELECT platform.enable_tenant_rls('scheduling.schedules');

      -- A date's hours replacing the weekly ones (an empty list is a day off).
      CREATE TABLE IF NOT EXISTS scheduling.date_overrides (
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL,
        date date NOT NULL,
        ranges jsonb NOT NULL CHECK (jsonb_typeof(ranges) = 'array'),
        PRIMARY KEY (tenant_id, user_id, date)
      );
      SELECT platform.enable_tenant_rls('scheduling.date_overrides');

      -- The organization's holidays: nobody is bookable (a date override still wins for its user).
      CREATE TABLE IF NOT EXISTS scheduling.holidays (
        tenant_id uuid NOT NULL,
        date date NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        PRIMARY KEY (tenant_id, date)
      );
      SELECT platform.enable_tenant_rls('scheduling.holidays');

      CREATE TABLE IF NOT EXISTS scheduling.appointments (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        type_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('held', 'booked', 'cancelled', 'completed', 'no_show')),
        start_at timestamptz NOT NULL,
        end_at timestamptz NOT NULL,
        host_ids uuid[] NOT NULL CHECK (cardinality(host_ids) >= 1),
        attendee_name text NOT NULL CHECK (length(attendee_name) BETWEEN 1 AND 200),
        attendee_email text NOT NULL CHECK (length(attendee_email) BETWEEN 3 AND 320),
        attendee_time_zone text NOT NULL,
        answers jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(answers) = 'object'),
        client_id uuid,
        contact_id uuid,
        source text NOT NULL CHECK (source IN ('public', 'staff', 'workflow')),
        cancel_reason text,
        reschedule_reason text,
        cancelled_by text CHECK (cancelled_by IS NULL OR cancelled_by IN ('attendee', 'staff', 'system')),
        manage_token_hash text NOT NULL UNIQUE,
        manage_expires_at timestamptz NOT NULL,
        ical_uid text NOT NULL,
        sequence integer NOT NULL DEFAULT 0,
        hold_expires_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id),
        FOREIGN KEY (tenant_id, type_id) REFERENCES scheduling.appointment_types (tenant_id, id),
        CHECK (end_at > start_at)
      );
      SELECT platform.enable_tenant_rls('scheduling.appointments');
      DROP POLICY IF EXISTS appointments_definer_lookup ON scheduling.appointments;
      CREATE POLICY appointments_definer_lookup ON scheduling.appointments FOR SELECT TO ${OWNER_ROLE} USING (true);
      CREATE INDEX IF NOT EXISTS appointments_start_idx ON scheduling.appointments (tenant_id, start_at);
      CREATE INDEX IF NOT EXISTS appointments_client_idx ON scheduling.appointments (tenant_id, client_id, start_at) WHERE client_id IS NOT NULL;

      -- One row per (appointment, host): the invariant. A host never holds two live appointments
      -- whose ranges (buffers included) overlap, whatever the code path.
      CREATE TABLE IF NOT EXISTS scheduling.appointment_hosts (
        tenant_id uuid NOT NULL,
        appointment_id uuid NOT NULL,
        host_id uuid NOT NULL,
        type_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('held', 'booked', 'cancelled', 'completed', 'no_show')),
        -- The appointment's own start (blocked starts earlier by the buffer): max-per-day counts it.
        starts_at timestamptz NOT NULL,
        blocked tstzrange NOT NULL CHECK (NOT isempty(blocked)),
        PRIMARY KEY (appointment_id, host_id),
        FOREIGN KEY (tenant_id, appointment_id) REFERENCES scheduling.appointments (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('scheduling.appointment_hosts');
      DO $$ BEGIN
        ALTER TABLE scheduling.appointment_hosts ADD CONSTRAINT appointment_hosts_no_overlap
          EXCLUDE USING gist (tenant_id WITH =, host_id WITH =, blocked WITH &&) WHERE (status IN ('held', 'booked'));
      EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL; END $$;

      -- External calendars (CalDAV today) of a user, through an integrations connection.
      CREATE TABLE IF NOT EXISTS scheduling.calendars (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL,
        connection_id uuid NOT NULL,
        provider text NOT NULL,
        url text NOT NULL,
        display_name text NOT NULL,
        is_primary boolean NOT NULL DEFAULT false,
        check_busy boolean NOT NULL DEFAULT true,
        sync_token text,
        ctag text,
        last_synced_at timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id),
        UNIQUE (tenant_id, connection_id, url)
      );
      SELECT platform.enable_tenant_rls('scheduling.calendars');
      CREATE UNIQUE INDEX IF NOT EXISTS calendars_one_primary ON scheduling.calendars (tenant_id, user_id) WHERE is_primary;

      -- Busy time read from external calendars; external_id is the event's href.
      CREATE TABLE IF NOT EXISTS scheduling.busy_intervals (
        tenant_id uuid NOT NULL,
        calendar_id uuid NOT NULL,
        user_id uuid NOT NULL,
        external_id text NOT NULL,
        -- 0 for a single event; n for the n-th expanded occurrence of a recurring one.
        occurrence integer NOT NULL DEFAULT 0,
        etag text,
        during tstzrange NOT NULL,
        PRIMARY KEY (calendar_id, external_id, occurrence),
        FOREIGN KEY (tenant_id, calendar_id) REFERENCES scheduling.calendars (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('scheduling.busy_intervals');
      CREATE INDEX IF NOT EXISTS busy_intervals_user_idx ON scheduling.busy_intervals USING gist (tenant_id, user_id, during);
      CREATE INDEX IF NOT EXISTS appointment_hosts_range_idx ON scheduling.appointment_hosts USING gist (tenant_id, host_id, blocked);

      -- UBOS appointments written to a host's primary external calendar.
      -- What each appointment should look like there (wanted, at wanted_version) and what was
      -- last written: the calendar job writes rows whose written_version lags (an outbox).
      CREATE TABLE IF NOT EXISTS scheduling.calendar_events (
        tenant_id uuid NOT NULL,
        appointment_id uuid NOT NULL,
        calendar_id uuid NOT NULL,
        url text,
        etag text,
        wanted text NOT NULL CHECK (wanted IN ('present', 'absent')),
        wanted_version integer NOT NULL DEFAULT 0,
        written_version integer NOT NULL DEFAULT -1,
        last_error text,
        PRIMARY KEY (appointment_id, calendar_id),
        FOREIGN KEY (tenant_id, calendar_id) REFERENCES scheduling.calendars (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('scheduling.calendar_events');

      -- A local copy of crm's contact emails, kept from crm's contract events (never crm's tables).
      CREATE TABLE IF NOT EXISTS scheduling.contact_emails (
        tenant_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        email_normalized text,
        client_id uuid,
        archived boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, contact_id)
      );
      SELECT platform.enable_tenant_rls('scheduling.contact_emails');
      CREATE INDEX IF NOT EXISTS contact_emails_email_idx ON scheduling.contact_emails (tenant_id, email_normalized) WHERE NOT archived;

      -- One row per reminder of an appointment; sent once (conditional UPDATE), never after a cancel.
      CREATE TABLE IF NOT EXISTS scheduling.reminders (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        appointment_id uuid NOT NULL,
        offset_minutes integer NOT NULL,
        due_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'cancelled')),
        sent_at timestamptz,
        UNIQUE (appointment_id, offset_minutes),
        FOREIGN KEY (tenant_id, appointment_id) REFERENCES scheduling.appointments (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('scheduling.reminders');
      DROP POLICY IF EXISTS reminders_definer_lookup ON scheduling.reminders;
      CREATE POLICY reminders_definer_lookup ON scheduling.reminders FOR SELECT TO ${OWNER_ROLE} USING (true);
      CREATE INDEX IF NOT EXISTS reminders_due_idx ON scheduling.reminders (due_at) WHERE status = 'pending';

      -- Public lookups before any tenant is known (SECURITY DEFINER, like files' request links).
      CREATE OR REPLACE FUNCTION scheduling.site_by_slug(p_slug text)
        RETURNS TABLE (tenant_id uuid, name text)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$ SELECT s.tenant_id, s.name FROM scheduling.sites s WHERE s.slug = p_slug LIMIT 1 $fn$;
      REVOKE EXECUTE ON FUNCTION scheduling.site_by_slug(text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION scheduling.site_by_slug(text) TO ubos_app;

      CREATE OR REPLACE FUNCTION scheduling.appointment_by_token_hash(p_hash text)
        RETURNS TABLE (id uuid, tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$ SELECT a.id, a.tenant_id FROM scheduling.appointments a WHERE a.manage_token_hash = p_hash LIMIT 1 $fn$;
      REVOKE EXECUTE ON FUNCTION scheduling.appointment_by_token_hash(text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION scheduling.appointment_by_token_hash(text) TO ubos_app;

      -- The reminder job's work list: due pending reminders of any tenant, oldest first.
      CREATE OR REPLACE FUNCTION scheduling.due_reminders(p_limit integer)
        RETURNS TABLE (id uuid, tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$ SELECT r.id, r.tenant_id FROM scheduling.reminders r WHERE r.status = 'pending' AND r.due_at <= now() ORDER BY r.due_at LIMIT p_limit $fn$;
      REVOKE EXECUTE ON FUNCTION scheduling.due_reminders(integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION scheduling.due_reminders(integer) TO ubos_app;

      -- Held slots past their expiry, any tenant (the hold sweeper releases them).
      CREATE OR REPLACE FUNCTION scheduling.expired_holds(p_limit integer)
        RETURNS TABLE (id uuid, tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$ SELECT a.id, a.tenant_id FROM scheduling.appointments a WHERE a.status = 'held' AND a.hold_expires_at < now() LIMIT p_limit $fn$;
      REVOKE EXECUTE ON FUNCTION scheduling.expired_holds(integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION scheduling.expired_holds(integer) TO ubos_app;

      -- The calendar job's work list: every connected calendar, any tenant.
      DROP POLICY IF EXISTS calendars_definer_lookup ON scheduling.calendars;
      CREATE POLICY calendars_definer_lookup ON scheduling.calendars FOR SELECT TO ${OWNER_ROLE} USING (true);
      CREATE OR REPLACE FUNCTION scheduling.calendars_to_sync(p_limit integer)
        RETURNS TABLE (id uuid, tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$ SELECT c.id, c.tenant_id FROM scheduling.calendars c ORDER BY c.last_synced_at NULLS FIRST LIMIT p_limit $fn$;
      REVOKE EXECUTE ON FUNCTION scheduling.calendars_to_sync(integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION scheduling.calendars_to_sync(integer) TO ubos_app;
    `,
  },
];
