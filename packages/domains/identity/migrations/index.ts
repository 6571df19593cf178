import { OWNER_ROLE, type Migration } from '@ubos/platform';

/**
 * Schema `identity`.
 * - Global tables (no tenant): users, sessions. tenants is the organization registry,
 *   visible to the current tenant and to members of it (RLS).
 * - Tenant tables: memberships, invitations, role_permissions (RLS enabled + forced).
 * - memberships are readable across tenants for the signed-in user (app.user_id), written
 *   only inside the current tenant.
 * - Invitation lookup by token before a tenant is known goes through a SECURITY DEFINER
 *   function owned by the owner role; only the owner role gets the read-all policy it needs.
 */
export const identityMigrations: Migration[] = [
  {
    id: '0001_identity_core',
    sql: `
      CREATE TABLE IF NOT EXISTS identity.tenants (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE IF NOT EXISTS identity.users (
        id uuid PRIMARY KEY,
        email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        password_hash text NOT NULL,
        disabled_at timestamptz,
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX IF NOT EXISTS users_email_unique ON identity.users (lower(email));

      CREATE TABLE IF NOT EXISTS identity.sessions (
        id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
        user_id uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        active_tenant_id uuid REFERENCES identity.tenants (id) ON DELETE SET NULL,
        ttl_seconds integer NOT NULL CHECK (ttl_seconds > 0),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        ip text,
        user_agent text
      );
      CREATE INDEX IF NOT EXISTS sessions_user_idx ON identity.sessions (user_id);
      CREATE INDEX IF NOT EXISTS sessions_active_tenant_idx ON identity.sessions (active_tenant_id);
      CREATE INDEX IF NOT EXISTS sessions_expires_idx ON identity.sessions (expires_at);

      CREATE TABLE IF NOT EXISTS identity.memberships (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES identity.tenants (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT memberships_tenant_user_unique UNIQUE (tenant_id, user_id)
      );
      CREATE INDEX IF NOT EXISTS memberships_user_idx ON identity.memberships (user_id);

      CREATE TABLE IF NOT EXISTS identity.invitations (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES identity.tenants (id) ON DELETE CASCADE,
        email text NOT NULL CHECK (email = lower(email)),
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        token_hash text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        invited_by uuid REFERENCES identity.users (id) ON DELETE SET NULL,
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        accepted_by uuid REFERENCES identity.users (id) ON DELETE SET NULL,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX IF NOT EXISTS invitations_token_hash_unique ON identity.invitations (token_hash);
      CREATE INDEX IF NOT EXISTS invitations_tenant_idx ON identity.invitations (tenant_id, created_at);

      CREATE TABLE IF NOT EXISTS identity.role_permissions (
        tenant_id uuid NOT NULL REFERENCES identity.tenants (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        permission text NOT NULL CHECK (length(permission) BETWEEN 1 AND 200),
        granted boolean NOT NULL,
        updated_by uuid,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, role, permission)
      );

      -- Tenant tables: the standard policy (USING + WITH CHECK on the current tenant).
      SELECT platform.enable_tenant_rls('identity.memberships');
      SELECT platform.enable_tenant_rls('identity.invitations');
      SELECT platform.enable_tenant_rls('identity.role_permissions');

      -- A signed-in user reads their own memberships in every tenant (organization switcher).
      DROP POLICY IF EXISTS memberships_own_read ON identity.memberships;
      CREATE POLICY memberships_own_read ON identity.memberships FOR SELECT
        USING (user_id = platform.current_user_id());

      -- Organizations: readable by the current tenant and by their members; written only
      -- as the current tenant (sign-up creates a tenant inside withTenant(newId)).
      ALTER TABLE identity.tenants ENABLE ROW LEVEL SECURITY;
      ALTER TABLE identity.tenants FORCE ROW LEVEL SECURITY;
      DROP POLICY IF EXISTS tenant_isolation ON identity.tenants;
      CREATE POLICY tenant_isolation ON identity.tenants
        USING (id = platform.current_tenant_id())
        WITH CHECK (id = platform.current_tenant_id());
      DROP POLICY IF EXISTS tenants_member_read ON identity.tenants;
      CREATE POLICY tenants_member_read ON identity.tenants FOR SELECT
        USING (EXISTS (
          SELECT 1 FROM identity.memberships m
          WHERE m.tenant_id = tenants.id AND m.user_id = platform.current_user_id()
        ));

      -- Only the owner role (i.e. the SECURITY DEFINER lookup below) may read across tenants.
      DROP POLICY IF EXISTS invitations_definer_lookup ON identity.invitations;
      CREATE POLICY invitations_definer_lookup ON identity.invitations FOR SELECT TO ${OWNER_ROLE} USING (true);
      DROP POLICY IF EXISTS tenants_definer_lookup ON identity.tenants;
      CREATE POLICY tenants_definer_lookup ON identity.tenants FOR SELECT TO ${OWNER_ROLE} USING (true);

      -- Invitation lookup by token hash before any tenant is known. Returns that one
      -- invitation (or nothing), never a list; the token itself is never stored.
      CREATE OR REPLACE FUNCTION identity.invitation_by_token_hash(p_token_hash text)
        RETURNS TABLE (
          id uuid, tenant_id uuid, organization_name text, email text, role text,
          expires_at timestamptz, accepted_at timestamptz, revoked_at timestamptz
        )
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$
          SELECT i.id, i.tenant_id, t.name, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at
          FROM identity.invitations i
          JOIN identity.tenants t ON t.id = i.tenant_id
          WHERE i.token_hash = p_token_hash
          LIMIT 1
        $fn$;
      REVOKE EXECUTE ON FUNCTION identity.invitation_by_token_hash(text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION identity.invitation_by_token_hash(text) TO ubos_app;

      GRANT SELECT, INSERT, UPDATE, DELETE ON
        identity.tenants, identity.users, identity.sessions, identity.memberships,
        identity.invitations, identity.role_permissions
        TO ubos_app;
    `,
  },
  {
    id: '0002_identity_no_deletes',
    sql: `
      -- Organizations, users and invitations are never deleted by a request (users are disabled,
      -- invitations revoked): the runtime role loses DELETE on them, so a bug cannot cascade.
      REVOKE DELETE ON identity.tenants, identity.users, identity.invitations FROM ubos_app;
    `,
  },
  {
    id: '0003_password_resets',
    sql: `
      -- Forgot password (§7): one row per emailed link; only the SHA-256 of the 256-bit token is kept.
      -- Users are global (no tenant), so are their reset links, like sessions.
      CREATE TABLE IF NOT EXISTS identity.password_resets (
        token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        user_id uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz,
        requested_ip text,
        CHECK (expires_at > created_at)
      );
      CREATE INDEX IF NOT EXISTS password_resets_user_idx ON identity.password_resets (user_id, created_at);
      GRANT SELECT, INSERT, UPDATE, DELETE ON identity.password_resets TO ubos_app;
    `,
  },
  {
    // Members are referenced by other domains (a task's assignee, a client's owner): the kernel's
    // reference registry follows memberships by trigger (the id is the member's user id).
    id: '0004_entity_references',
    sql: `
      SELECT platform.track_entity_references('identity.memberships', 'identity.member', 'user_id');
    `,
  },
  {
    // My account → active sessions: when each session was last used (written at most once a
    // minute, when a request misses the session cache).
    id: '0005_session_last_seen',
    sql: `ALTER TABLE identity.sessions ADD COLUMN IF NOT EXISTS last_seen_at timestamptz;`,
  },
  {
    // API keys (§7 "API keys and the service principal"): a tenant's service principals. Only the
    // SHA-256 of the 256-bit secret is kept.
    id: '0006_api_keys',
    sql: `
      CREATE TABLE IF NOT EXISTS identity.api_keys (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES identity.tenants (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        secret_hash text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
        -- The first characters of the secret, shown in lists so a person can tell keys apart.
        secret_prefix text NOT NULL CHECK (length(secret_prefix) BETWEEN 6 AND 20),
        -- The role the key acts in; permissions NULL: all of that role's (as the matrix says at call
        -- time), else only these (always intersected with the role's at call time).
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        permissions text[],
        created_by uuid REFERENCES identity.users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        revoked_by uuid REFERENCES identity.users (id) ON DELETE SET NULL,
        CHECK (expires_at > created_at)
      );
      CREATE UNIQUE INDEX IF NOT EXISTS api_keys_secret_hash_unique ON identity.api_keys (secret_hash);
      CREATE INDEX IF NOT EXISTS api_keys_tenant_idx ON identity.api_keys (tenant_id, created_at DESC);
      SELECT platform.enable_tenant_rls('identity.api_keys');
      GRANT SELECT, INSERT, UPDATE ON identity.api_keys TO ubos_app;

      -- Only the owner role (the SECURITY DEFINER lookup below) reads across tenants.
      DROP POLICY IF EXISTS api_keys_definer_lookup ON identity.api_keys;
      CREATE POLICY api_keys_definer_lookup ON identity.api_keys FOR SELECT TO ${OWNER_ROLE} USING (true);

      -- A bearer key's tenant from its hash, before any tenant is known: that one key, never a list.
      CREATE OR REPLACE FUNCTION identity.api_key_tenant(p_secret_hash text)
        RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$
          SELECT k.tenant_id FROM identity.api_keys k WHERE k.secret_hash = p_secret_hash AND k.revoked_at IS NULL LIMIT 1
        $fn$;
      REVOKE EXECUTE ON FUNCTION identity.api_key_tenant(text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION identity.api_key_tenant(text) TO ubos_app;
    `,
  },
];
