import { OWNER_ROLE, type Migration } from '@ubos/platform';

/**
 * Schema `portal` (ARCHITECTURE.md §4). Forward-only and idempotent: never edit an applied
 * migration, add the next one. Every tenant table carries tenant_id and forced RLS.
 */
export const portalMigrations: Migration[] = [
  {
    id: '0001_settings',
    sql: `
      CREATE SCHEMA IF NOT EXISTS portal;

      -- One row per tenant, written on the first change: no row means the defaults apply.
      CREATE TABLE IF NOT EXISTS portal.settings (
        tenant_id uuid PRIMARY KEY,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid
      );
      SELECT platform.enable_tenant_rls('portal.settings');
    `,
  },
  {
    id: '0002_portal',
    sql: `
      -- Local copies kept from other domains' contract events (§3: portal reads only its own schema).
      -- The organization's portal address (slug) and name, from identity.organization.created.
      CREATE TABLE IF NOT EXISTS portal.organizations (
        tenant_id uuid PRIMARY KEY,
        name text NOT NULL,
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      SELECT platform.enable_tenant_rls('portal.organizations');

      -- Clients and contacts, from crm.client.* and crm.contact.* (never a read of crm's tables).
      CREATE TABLE IF NOT EXISTS portal.clients (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        name text NOT NULL,
        archived boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('portal.clients');
      CREATE TABLE IF NOT EXISTS portal.contacts (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        name text NOT NULL,
        email text,
        client_ids uuid[] NOT NULL DEFAULT '{}',
        archived boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('portal.contacts');

      -- Portal users: contacts of a client that staff invited. One per contact (invite is
      -- idempotent per contact), one live sign-in address per tenant (a link request names
      -- exactly one user). Revoked users keep their row (the timeline names them).
      CREATE TABLE IF NOT EXISTS portal.users (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        client_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        email text NOT NULL CHECK (email = lower(email) AND position('@' in email) > 1),
        name text NOT NULL,
        invited_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_access_at timestamptz,
        revoked_at timestamptz,
        revoked_by uuid,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, contact_id)
      );
      SELECT platform.enable_tenant_rls('portal.users');
      CREATE UNIQUE INDEX IF NOT EXISTS users_live_email_idx ON portal.users (tenant_id, email) WHERE revoked_at IS NULL;
      CREATE INDEX IF NOT EXISTS users_client_idx ON portal.users (tenant_id, client_id);

      -- Magic links: only SHA-256 of the 256-bit token is stored; single use is the conditional
      -- UPDATE ... WHERE used_at IS NULL AND expires_at > now() RETURNING of the consume POST.
      CREATE TABLE IF NOT EXISTS portal.magic_links (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        portal_user_id uuid NOT NULL,
        token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_ip text,
        used_ip text,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, portal_user_id) REFERENCES portal.users (tenant_id, id),
        CHECK (expires_at <= created_at + interval '15 minutes')
      );
      SELECT platform.enable_tenant_rls('portal.magic_links');
      CREATE INDEX IF NOT EXISTS magic_links_user_idx ON portal.magic_links (tenant_id, portal_user_id);

      -- Portal sessions: id = SHA-256 of the cookie's token. Idle 30 minutes, absolute 12 hours.
      CREATE TABLE IF NOT EXISTS portal.sessions (
        tenant_id uuid NOT NULL,
        id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
        portal_user_id uuid NOT NULL,
        magic_link_id uuid NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ended_at timestamptz,
        ip text,
        user_agent text,
        FOREIGN KEY (tenant_id, portal_user_id) REFERENCES portal.users (tenant_id, id),
        FOREIGN KEY (tenant_id, magic_link_id) REFERENCES portal.magic_links (tenant_id, id),
        CHECK (expires_at <= created_at + interval '12 hours')
      );
      SELECT platform.enable_tenant_rls('portal.sessions');
      CREATE INDEX IF NOT EXISTS sessions_user_idx ON portal.sessions (tenant_id, portal_user_id) WHERE ended_at IS NULL;

      -- Projects, milestones and tasks of clients, from projects.* events.
      CREATE TABLE IF NOT EXISTS portal.projects (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        client_id uuid,
        name text NOT NULL,
        status text NOT NULL,
        start_date text,
        due_date text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('portal.projects');
      CREATE INDEX IF NOT EXISTS projects_client_idx ON portal.projects (tenant_id, client_id, updated_at DESC);
      CREATE TABLE IF NOT EXISTS portal.milestones (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        project_id uuid NOT NULL,
        client_id uuid,
        name text NOT NULL,
        due_date text,
        reached_at timestamptz,
        PRIMARY KEY (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('portal.milestones');
      CREATE INDEX IF NOT EXISTS milestones_project_idx ON portal.milestones (tenant_id, project_id);
      CREATE TABLE IF NOT EXISTS portal.tasks (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        project_id uuid NOT NULL,
        client_id uuid,
        title text NOT NULL,
        status text NOT NULL,
        due_date text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('portal.tasks');
      CREATE INDEX IF NOT EXISTS tasks_project_idx ON portal.tasks (tenant_id, project_id);

      -- Folders, files and file requests of clients, from files.* events.
      CREATE TABLE IF NOT EXISTS portal.folders (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        parent_id uuid,
        client_id uuid,
        name text NOT NULL,
        archived boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('portal.folders');
      CREATE TABLE IF NOT EXISTS portal.files (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        folder_id uuid NOT NULL,
        client_id uuid,
        name text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        size bigint NOT NULL,
        content_type text NOT NULL,
        sha256 text NOT NULL,
        archived boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('portal.files');
      CREATE INDEX IF NOT EXISTS files_folder_idx ON portal.files (tenant_id, folder_id, name);
      CREATE TABLE IF NOT EXISTS portal.file_requests (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        folder_id uuid NOT NULL,
        client_id uuid,
        label text NOT NULL,
        expires_at timestamptz NOT NULL,
        state text NOT NULL CHECK (state IN ('open', 'revoked', 'completed')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('portal.file_requests');
      CREATE INDEX IF NOT EXISTS file_requests_client_idx ON portal.file_requests (tenant_id, client_id) WHERE state = 'open';

      -- What staff shared with a client: folders (with everything below them) and tasks.
      CREATE TABLE IF NOT EXISTS portal.shares (
        tenant_id uuid NOT NULL,
        client_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('folder', 'task')),
        target_id uuid NOT NULL,
        shared_by uuid,
        shared_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, client_id, kind, target_id)
      );
      SELECT platform.enable_tenant_rls('portal.shares');

      -- Approvals: a deliverable (a file, followed version by version, or a text) submitted to a
      -- client. A decision is bound to the exact version: one per (approval, version), taken only
      -- while that version is the current one (conditional INSERT ... SELECT).
      CREATE TABLE IF NOT EXISTS portal.approvals (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        client_id uuid NOT NULL,
        title text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('file', 'text')),
        file_id uuid,
        body text,
        current_version integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
        subject_hash text NOT NULL,
        requested_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        cancelled_at timestamptz,
        cancelled_by uuid,
        PRIMARY KEY (tenant_id, id),
        CHECK ((kind = 'file') = (file_id IS NOT NULL)),
        CHECK ((kind = 'text') = (body IS NOT NULL))
      );
      SELECT platform.enable_tenant_rls('portal.approvals');
      CREATE INDEX IF NOT EXISTS approvals_client_idx ON portal.approvals (tenant_id, client_id, created_at DESC);
      CREATE INDEX IF NOT EXISTS approvals_file_idx ON portal.approvals (tenant_id, file_id) WHERE file_id IS NOT NULL AND cancelled_at IS NULL;
      CREATE TABLE IF NOT EXISTS portal.approval_decisions (
        tenant_id uuid NOT NULL,
        approval_id uuid NOT NULL,
        version integer NOT NULL,
        subject_hash text NOT NULL,
        decision text NOT NULL CHECK (decision IN ('approved', 'changes_requested')),
        comment text,
        decided_by uuid NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now(),
        ip text,
        user_agent text,
        PRIMARY KEY (tenant_id, approval_id, version),
        FOREIGN KEY (tenant_id, approval_id) REFERENCES portal.approvals (tenant_id, id),
        CHECK (decision = 'approved' OR (comment IS NOT NULL AND length(comment) > 0))
      );
      SELECT platform.enable_tenant_rls('portal.approval_decisions');

      -- Only the owner role (the SECURITY DEFINER lookups below) reads across tenants.
      DROP POLICY IF EXISTS organizations_definer_lookup ON portal.organizations;
      CREATE POLICY organizations_definer_lookup ON portal.organizations FOR SELECT TO ${OWNER_ROLE} USING (true);
      DROP POLICY IF EXISTS sessions_definer_lookup ON portal.sessions;
      CREATE POLICY sessions_definer_lookup ON portal.sessions FOR SELECT TO ${OWNER_ROLE} USING (true);

      -- A portal address's tenant before any tenant is known (sign-in pages, link requests).
      CREATE OR REPLACE FUNCTION portal.tenant_by_slug(p_slug text)
        RETURNS TABLE (tenant_id uuid, name text)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$
          SELECT o.tenant_id, o.name FROM portal.organizations o WHERE o.slug = p_slug LIMIT 1
        $fn$;
      REVOKE EXECUTE ON FUNCTION portal.tenant_by_slug(text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION portal.tenant_by_slug(text) TO ubos_app;

      -- A portal session's tenant from its id (the token's hash): that one session, never a list.
      CREATE OR REPLACE FUNCTION portal.session_tenant(p_session_id text)
        RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$
          SELECT s.tenant_id FROM portal.sessions s WHERE s.id = p_session_id AND s.ended_at IS NULL LIMIT 1
        $fn$;
      REVOKE EXECUTE ON FUNCTION portal.session_tenant(text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION portal.session_tenant(text) TO ubos_app;
    `,
  },
  {
    id: '0003_home_indexes',
    sql: `
      -- The portal home's "recent updates" and counts: newest live files of the shared folders, and
      -- a client's open approvals, each one index range (tenant-leading, as RLS needs).
      CREATE INDEX IF NOT EXISTS files_folder_recent_idx ON portal.files (tenant_id, folder_id, updated_at DESC) WHERE NOT archived;
      CREATE INDEX IF NOT EXISTS approvals_client_open_idx ON portal.approvals (tenant_id, client_id, created_at DESC) WHERE cancelled_at IS NULL;
      CREATE INDEX IF NOT EXISTS decisions_recent_idx ON portal.approval_decisions (tenant_id, decided_at DESC);
    `,
  },
  {
    // crm merges (README "crm merges"): a merged client's id keeps arriving in other domains'
    // events (files does not re-point its folders), so the portal records each merge and a trigger
    // on every copy that names a client writes the survivor instead, now and for later events.
    id: '0004_client_merges',
    sql: `
      CREATE TABLE IF NOT EXISTS portal.client_merges (
        tenant_id uuid NOT NULL,
        merged_id uuid NOT NULL,
        survivor_id uuid NOT NULL,
        merged_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, merged_id),
        CHECK (merged_id <> survivor_id)
      );
      SELECT platform.enable_tenant_rls('portal.client_merges');

      CREATE OR REPLACE FUNCTION portal.resolve_merged_client() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.client_id IS NOT NULL THEN
          NEW.client_id := coalesce(
            (SELECT m.survivor_id FROM portal.client_merges m WHERE m.tenant_id = NEW.tenant_id AND m.merged_id = NEW.client_id),
            NEW.client_id);
        END IF;
        RETURN NEW;
      END $$;
      CREATE OR REPLACE FUNCTION portal.resolve_merged_clients() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.client_ids := ARRAY(
          SELECT DISTINCT coalesce(m.survivor_id, c.id)
            FROM unnest(NEW.client_ids) AS c(id)
            LEFT JOIN portal.client_merges m ON m.tenant_id = NEW.tenant_id AND m.merged_id = c.id);
        RETURN NEW;
      END $$;

      DO $$
      DECLARE t text;
      BEGIN
        FOREACH t IN ARRAY ARRAY['users', 'projects', 'milestones', 'tasks', 'folders', 'files', 'file_requests', 'approvals', 'shares'] LOOP
          EXECUTE format('DROP TRIGGER IF EXISTS resolve_merged_client ON portal.%I', t);
          EXECUTE format('CREATE TRIGGER resolve_merged_client BEFORE INSERT OR UPDATE OF client_id ON portal.%I FOR EACH ROW EXECUTE FUNCTION portal.resolve_merged_client()', t);
        END LOOP;
      END $$;
      DROP TRIGGER IF EXISTS resolve_merged_clients ON portal.contacts;
      CREATE TRIGGER resolve_merged_clients BEFORE INSERT OR UPDATE OF client_ids ON portal.contacts
        FOR EACH ROW EXECUTE FUNCTION portal.resolve_merged_clients();
    `,
  },
];
