import { OWNER_ROLE, type Migration } from '@ubos/platform';

/**
 * In-app notifications, per-user delivery preferences and the staff directory notifications
 * email from (communications' copy of identity's user emails, kept from identity's events).
 */
export const notificationMigrations: Migration[] = [
  {
    id: '0002_notifications',
    sql: `
      CREATE SCHEMA IF NOT EXISTS communications;

      CREATE TABLE IF NOT EXISTS communications.notifications (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('workflow', 'task_assigned', 'mention', 'message')),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
        body text NOT NULL DEFAULT '' CHECK (length(body) <= 5000),
        -- A path inside the app ('/projects/…'), never another site.
        link text CHECK (link IS NULL OR (link ~ '^/[^/\\\\]' AND length(link) <= 2000)),
        -- What caused it (an event id, a workflow step key): one notification per cause and user.
        source_key text NOT NULL CHECK (length(source_key) BETWEEN 1 AND 300),
        -- Whether the bell shows it (the user's in-app preference when it was created).
        in_app boolean NOT NULL DEFAULT true,
        read_at timestamptz,
        emailed_at timestamptz,
        digested_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notifications_source_unique UNIQUE (tenant_id, user_id, source_key)
      );
      CREATE INDEX IF NOT EXISTS notifications_user_created ON communications.notifications (tenant_id, user_id, created_at DESC, id DESC) WHERE in_app;
      CREATE INDEX IF NOT EXISTS notifications_user_unread ON communications.notifications (tenant_id, user_id) WHERE in_app AND read_at IS NULL;
      CREATE INDEX IF NOT EXISTS notifications_user_undigested ON communications.notifications (tenant_id, user_id, created_at) WHERE digested_at IS NULL;
      SELECT platform.enable_tenant_rls('communications.notifications');

      -- No row = the defaults (in-app on, email off, digest at 08:00 UTC).
      CREATE TABLE IF NOT EXISTS communications.notification_preferences (
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL,
        in_app boolean NOT NULL DEFAULT true,
        email text NOT NULL DEFAULT 'off' CHECK (email IN ('off', 'immediately', 'daily_digest')),
        digest_hour integer NOT NULL DEFAULT 8 CHECK (digest_hour BETWEEN 0 AND 23),
        last_digest_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id)
      );
      SELECT platform.enable_tenant_rls('communications.notification_preferences');

      -- Staff of the tenant with the address notifications go to (identity.user.created,
      -- identity.member.invited + joined, identity.member.removed).
      CREATE TABLE IF NOT EXISTS communications.staff_directory (
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL,
        email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
        name text,
        active boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id)
      );
      SELECT platform.enable_tenant_rls('communications.staff_directory');
      CREATE TABLE IF NOT EXISTS communications.invitation_emails (
        tenant_id uuid NOT NULL,
        invitation_id uuid NOT NULL,
        email text NOT NULL,
        PRIMARY KEY (tenant_id, invitation_id)
      );
      SELECT platform.enable_tenant_rls('communications.invitation_emails');

      -- The digest job's work list across tenants (as files.expired_uploads): who is due this hour.
      DROP POLICY IF EXISTS notification_preferences_definer_lookup ON communications.notification_preferences;
      CREATE POLICY notification_preferences_definer_lookup ON communications.notification_preferences FOR SELECT TO ${OWNER_ROLE} USING (true);
      CREATE OR REPLACE FUNCTION communications.due_digests(p_hour integer, max_rows integer)
      RETURNS TABLE (tenant_id uuid, user_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        SELECT p.tenant_id, p.user_id
          FROM communications.notification_preferences p
         WHERE p.email = 'daily_digest' AND p.digest_hour = p_hour
           AND (p.last_digest_at IS NULL OR p.last_digest_at < now() - interval '20 hours')
         ORDER BY p.tenant_id, p.user_id
         LIMIT max_rows
      $$;
      REVOKE ALL ON FUNCTION communications.due_digests(integer, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION communications.due_digests(integer, integer) TO ubos_app;
    `,
  },
];
