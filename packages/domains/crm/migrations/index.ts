import { APP_ROLE, OWNER_ROLE, type Migration } from '@ubos/platform';

/**
 * Schema `crm`: the golden record (clients, contacts, relationships, notes, custom fields,
 * pipelines, deals, engagements), the client profile read model and CSV imports.
 * Every table carries tenant_id and forced RLS.
 */
export const crmMigrations: Migration[] = [
  {
    id: '0001_crm_core',
    sql: `
      -- Trigram similarity for duplicate detection. Trusted extension (PG13+): the database
      -- owner may create it. Installed in public so every schema can reuse it.
      CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

      CREATE TABLE IF NOT EXISTS crm.clients (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
        name_normalized text NOT NULL,
        domain text,
        website text,
        status text NOT NULL DEFAULT 'lead' CHECK (status IN ('lead', 'active', 'past')),
        owner_id uuid,
        tags text[] NOT NULL DEFAULT '{}',
        custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        merged_into uuid
      );
      CREATE INDEX IF NOT EXISTS clients_name_idx ON crm.clients (tenant_id, lower(name), id) WHERE deleted_at IS NULL;
      CREATE INDEX IF NOT EXISTS clients_created_idx ON crm.clients (tenant_id, created_at, id) WHERE deleted_at IS NULL;
      CREATE INDEX IF NOT EXISTS clients_updated_idx ON crm.clients (tenant_id, updated_at, id) WHERE deleted_at IS NULL;
      CREATE INDEX IF NOT EXISTS clients_domain_idx ON crm.clients (tenant_id, domain) WHERE deleted_at IS NULL;
      CREATE INDEX IF NOT EXISTS clients_name_norm_idx ON crm.clients (tenant_id, name_normalized) WHERE deleted_at IS NULL;
      CREATE INDEX IF NOT EXISTS clients_tags_idx ON crm.clients USING gin (tags);
      CREATE INDEX IF NOT EXISTS clients_custom_idx ON crm.clients USING gin (custom_fields jsonb_path_ops);
      SELECT platform.enable_tenant_rls('crm.clients');

      CREATE TABLE IF NOT EXISTS crm.contacts (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
        email text,
        email_normalized text,
        phone text,
        title text,
        owner_id uuid,
        tags text[] NOT NULL DEFAULT '{}',
        custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        merged_into uuid
      );
      CREATE INDEX IF NOT EXISTS contacts_name_idx ON crm.contacts (tenant_id, lower(name), id) WHERE deleted_at IS NULL;
      CREATE INDEX IF NOT EXISTS contacts_created_idx ON crm.contacts (tenant_id, created_at, id) WHERE deleted_at IS NULL;
      CREATE INDEX IF NOT EXISTS contacts_updated_idx ON crm.contacts (tenant_id, updated_at, id) WHERE deleted_at IS NULL;
      CREATE INDEX IF NOT EXISTS contacts_email_idx ON crm.contacts (tenant_id, email_normalized) WHERE deleted_at IS NULL;
      CREATE INDEX IF NOT EXISTS contacts_tags_idx ON crm.contacts USING gin (tags);
      CREATE INDEX IF NOT EXISTS contacts_custom_idx ON crm.contacts USING gin (custom_fields jsonb_path_ops);
      SELECT platform.enable_tenant_rls('crm.contacts');

      CREATE TABLE IF NOT EXISTS crm.relationships (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        contact_id uuid NOT NULL REFERENCES crm.contacts (id),
        client_id uuid NOT NULL REFERENCES crm.clients (id),
        role text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, contact_id, client_id)
      );
      CREATE INDEX IF NOT EXISTS relationships_client_idx ON crm.relationships (tenant_id, client_id);
      SELECT platform.enable_tenant_rls('crm.relationships');

      CREATE TABLE IF NOT EXISTS crm.notes (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        subject_type text NOT NULL CHECK (subject_type IN ('client', 'contact', 'deal')),
        subject_id uuid NOT NULL,
        client_id uuid,
        body text NOT NULL,
        author_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS notes_subject_idx ON crm.notes (tenant_id, subject_type, subject_id, created_at, id);
      SELECT platform.enable_tenant_rls('crm.notes');

      CREATE TABLE IF NOT EXISTS crm.custom_fields (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        entity text NOT NULL CHECK (entity IN ('client', 'contact', 'deal')),
        key text NOT NULL,
        label text NOT NULL,
        type text NOT NULL CHECK (type IN ('text', 'number', 'date', 'select', 'multi_select', 'boolean', 'email', 'url', 'currency')),
        options text[] NOT NULL DEFAULT '{}',
        required boolean NOT NULL DEFAULT false,
        position integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE UNIQUE INDEX IF NOT EXISTS custom_fields_key_idx ON crm.custom_fields (tenant_id, entity, key) WHERE deleted_at IS NULL;
      SELECT platform.enable_tenant_rls('crm.custom_fields');

      CREATE TABLE IF NOT EXISTS crm.pipelines (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL,
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX IF NOT EXISTS pipelines_default_idx ON crm.pipelines (tenant_id) WHERE is_default;
      SELECT platform.enable_tenant_rls('crm.pipelines');

      CREATE TABLE IF NOT EXISTS crm.pipeline_stages (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        pipeline_id uuid NOT NULL REFERENCES crm.pipelines (id),
        name text NOT NULL,
        position integer NOT NULL,
        kind text NOT NULL DEFAULT 'open' CHECK (kind IN ('open', 'won', 'lost')),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX IF NOT EXISTS pipeline_stages_idx ON crm.pipeline_stages (tenant_id, pipeline_id, position);
      SELECT platform.enable_tenant_rls('crm.pipeline_stages');

      CREATE TABLE IF NOT EXISTS crm.deals (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        client_id uuid NOT NULL REFERENCES crm.clients (id),
        contact_id uuid REFERENCES crm.contacts (id),
        pipeline_id uuid NOT NULL REFERENCES crm.pipelines (id),
        stage_id uuid NOT NULL REFERENCES crm.pipeline_stages (id),
        rank double precision NOT NULL DEFAULT 0,
        title text NOT NULL,
        value_minor bigint NOT NULL DEFAULT 0 CHECK (value_minor >= 0),
        currency char(3) NOT NULL,
        expected_close date,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
        close_reason text,
        closed_at timestamptz,
        owner_id uuid,
        custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS deals_board_idx ON crm.deals (tenant_id, stage_id, rank, id) WHERE deleted_at IS NULL;
      CREATE INDEX IF NOT EXISTS deals_client_idx ON crm.deals (tenant_id, client_id);
      CREATE INDEX IF NOT EXISTS deals_created_idx ON crm.deals (tenant_id, created_at, id) WHERE deleted_at IS NULL;
      SELECT platform.enable_tenant_rls('crm.deals');

      CREATE TABLE IF NOT EXISTS crm.engagements (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        client_id uuid NOT NULL REFERENCES crm.clients (id),
        deal_id uuid REFERENCES crm.deals (id),
        name text NOT NULL,
        project_ids uuid[] NOT NULL DEFAULT '{}',
        invoice_ids uuid[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX IF NOT EXISTS engagements_deal_idx ON crm.engagements (tenant_id, deal_id) WHERE deal_id IS NOT NULL;
      CREATE INDEX IF NOT EXISTS engagements_client_idx ON crm.engagements (tenant_id, client_id);
      SELECT platform.enable_tenant_rls('crm.engagements');

      -- Read model, maintained from events only (subscription crm.client-profile).
      CREATE TABLE IF NOT EXISTS crm.client_profiles (
        tenant_id uuid NOT NULL,
        client_id uuid NOT NULL,
        name text,
        status text,
        archived boolean NOT NULL DEFAULT false,
        merged_into uuid,
        contacts jsonb NOT NULL DEFAULT '{}'::jsonb,
        open_deals jsonb NOT NULL DEFAULT '{}'::jsonb,
        active_project_ids uuid[] NOT NULL DEFAULT '{}',
        open_task_ids uuid[] NOT NULL DEFAULT '{}',
        last_activity_at timestamptz,
        last_event_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, client_id)
      );
      SELECT platform.enable_tenant_rls('crm.client_profiles');

      CREATE TABLE IF NOT EXISTS crm.imports (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('clients', 'contacts')),
        mapping jsonb NOT NULL,
        file_name text,
        file_sha256 text NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        total_rows integer NOT NULL,
        total_chunks integer NOT NULL,
        next_chunk integer NOT NULL DEFAULT 0,
        rows_done integer NOT NULL DEFAULT 0,
        created_count integer NOT NULL DEFAULT 0,
        duplicate_count integer NOT NULL DEFAULT 0,
        error_count integer NOT NULL DEFAULT 0,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      SELECT platform.enable_tenant_rls('crm.imports');

      -- The uploaded file, stored in pieces of whole CSV records (one piece per chunk).
      CREATE TABLE IF NOT EXISTS crm.import_files (
        tenant_id uuid NOT NULL,
        import_id uuid NOT NULL REFERENCES crm.imports (id),
        chunk integer NOT NULL,
        first_row integer NOT NULL,
        row_count integer NOT NULL,
        content text NOT NULL,
        PRIMARY KEY (import_id, chunk)
      );
      SELECT platform.enable_tenant_rls('crm.import_files');

      CREATE TABLE IF NOT EXISTS crm.import_errors (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        import_id uuid NOT NULL REFERENCES crm.imports (id),
        row_number integer NOT NULL,
        field text,
        message text NOT NULL
      );
      CREATE INDEX IF NOT EXISTS import_errors_idx ON crm.import_errors (import_id, row_number, id);
      SELECT platform.enable_tenant_rls('crm.import_errors');
    `,
  },
  {
    id: '0002_stage_soft_delete',
    sql: `
      -- Stages removed from a pipeline are soft-deleted: archived deals keep pointing at them.
      ALTER TABLE crm.pipeline_stages ADD COLUMN IF NOT EXISTS deleted_at timestamptz;
    `,
  },
  {
    id: '0003_import_error',
    sql: `
      -- Why an import stopped: a chunk that exhausted its retries (dead-lettered) marks it failed.
      ALTER TABLE crm.imports ADD COLUMN IF NOT EXISTS error text;
    `,
  },
  {
    // Clients, engagements and contacts are referenced by other domains (a project's client, a
    // booking's contact): the kernel's reference registry follows these tables by trigger.
    id: '0004_entity_references',
    sql: `
      SELECT platform.track_entity_references('crm.clients', 'crm.client');
      SELECT platform.track_entity_references('crm.engagements', 'crm.engagement');
      SELECT platform.track_entity_references('crm.contacts', 'crm.contact');
    `,
  },
  {
    // The project template a won deal opens: a first-class, optional choice (the deal-won workflow
    // reads event.payload.project_template_id), checked against projects' templates on write.
    id: '0005_deal_project_template',
    sql: `ALTER TABLE crm.deals ADD COLUMN IF NOT EXISTS project_template_id uuid;`,
  },
  {
    // The list filters match anywhere in a name, domain or email (ILIKE '%…%'), fast at 100k rows
    // (bench/crm.bench.ts). The RLS pitfall (ARCHITECTURE §10, as search.query_documents): ILIKE is
    // not LEAKPROOF, so under the tenant policy it can never drive an index. The match runs in
    // SECURITY DEFINER functions owned by the owner role, which read through an owner-only SELECT
    // policy and apply the tenant explicitly (none set: nothing), over GIN (tenant_id, col trigram)
    // indexes (btree_gin for the uuid), and return the matching rows, which the list then filters,
    // sorts and pages as it does the table. pg_trgm is created by 0001 (WITH SCHEMA public).
    id: '0006_trigram_filters',
    sql: `
      CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public;
      CREATE INDEX IF NOT EXISTS clients_name_trgm_idx ON crm.clients USING gin (tenant_id, name public.gin_trgm_ops);
      CREATE INDEX IF NOT EXISTS clients_domain_trgm_idx ON crm.clients USING gin (tenant_id, domain public.gin_trgm_ops);
      CREATE INDEX IF NOT EXISTS contacts_name_trgm_idx ON crm.contacts USING gin (tenant_id, name public.gin_trgm_ops);
      CREATE INDEX IF NOT EXISTS contacts_email_trgm_idx ON crm.contacts USING gin (tenant_id, email_normalized public.gin_trgm_ops);

      DROP POLICY IF EXISTS definer_reads_all ON crm.clients;
      CREATE POLICY definer_reads_all ON crm.clients AS PERMISSIVE FOR SELECT TO ${OWNER_ROLE} USING (true);
      DROP POLICY IF EXISTS definer_reads_all ON crm.contacts;
      CREATE POLICY definer_reads_all ON crm.contacts AS PERMISSIVE FOR SELECT TO ${OWNER_ROLE} USING (true);

      CREATE OR REPLACE FUNCTION crm.match_clients(p_pattern text) RETURNS SETOF crm.clients
        LANGUAGE sql STABLE SECURITY DEFINER ROWS 100 SET search_path = pg_catalog, public AS $fn$
        SELECT * FROM crm.clients
        WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
          AND (name ILIKE p_pattern OR domain ILIKE p_pattern)
      $fn$;
      CREATE OR REPLACE FUNCTION crm.match_contacts(p_pattern text) RETURNS SETOF crm.contacts
        LANGUAGE sql STABLE SECURITY DEFINER ROWS 100 SET search_path = pg_catalog, public AS $fn$
        SELECT * FROM crm.contacts
        WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
          AND (name ILIKE p_pattern OR email_normalized ILIKE p_pattern)
      $fn$;
      REVOKE EXECUTE ON FUNCTION crm.match_clients(text), crm.match_contacts(text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION crm.match_clients(text), crm.match_contacts(text) TO ${APP_ROLE};
    `,
  },
];
