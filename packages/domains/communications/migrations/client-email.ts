import { OWNER_ROLE, type Migration } from '@ubos/platform';

/**
 * Client email (issue 12): accounts, folders with their sync cursor, messages stored once per
 * account, where each sits (folder + UID), threads, participants, attachments, links to clients
 * and communications' own copy of crm contact emails. Forward-only and idempotent; every table
 * tenant_id-leading with forced RLS.
 */
export const clientEmailMigrations: Migration[] = [
  {
    id: '0003_client_email',
    sql: `
      CREATE SCHEMA IF NOT EXISTS communications;

      -- One mailbox of a staff user. The password lives in the vault on the registry's connection
      -- (platform.integration_connections, provider 'imap'); this row keeps what is not secret.
      CREATE TABLE IF NOT EXISTS communications.email_accounts (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        owner_user_id uuid NOT NULL,
        connection_id uuid NOT NULL,
        provider text NOT NULL DEFAULT 'imap' CHECK (provider IN ('imap', 'gmail', 'graph')),
        email_address text NOT NULL CHECK (email_address = lower(email_address) AND email_address LIKE '%_@_%'),
        display_name text,
        imap_host text NOT NULL,
        imap_port integer NOT NULL CHECK (imap_port BETWEEN 1 AND 65535),
        imap_tls boolean NOT NULL,
        smtp_host text NOT NULL,
        smtp_port integer NOT NULL CHECK (smtp_port BETWEEN 1 AND 65535),
        smtp_security text NOT NULL CHECK (smtp_security IN ('tls', 'starttls', 'none')),
        username text NOT NULL,
        poll_interval_seconds integer NOT NULL DEFAULT 60 CHECK (poll_interval_seconds BETWEEN 30 AND 86400),
        last_synced_at timestamptz,
        last_sync_error text,
        reconciled_at timestamptz,
        reconcile_report jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        disconnected_at timestamptz
      );
      SELECT platform.enable_tenant_rls('communications.email_accounts');
      -- One live account per address and user.
      CREATE UNIQUE INDEX IF NOT EXISTS email_accounts_live_address
        ON communications.email_accounts (tenant_id, owner_user_id, email_address) WHERE disconnected_at IS NULL;
      CREATE INDEX IF NOT EXISTS email_accounts_owner ON communications.email_accounts (tenant_id, owner_user_id);

      -- A folder and its cursor: UIDVALIDITY + highest UID stored (+ HIGHESTMODSEQ when offered),
      -- written in the same transaction as the messages it covers.
      CREATE TABLE IF NOT EXISTS communications.email_folders (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        account_id uuid NOT NULL REFERENCES communications.email_accounts (id),
        path text NOT NULL,
        special_use text,
        uidvalidity bigint,
        highest_uid bigint NOT NULL DEFAULT 0 CHECK (highest_uid >= 0),
        highest_modseq numeric(20, 0),
        full_resyncs integer NOT NULL DEFAULT 0,
        next_sync_at timestamptz NOT NULL DEFAULT now(),
        last_synced_at timestamptz,
        last_error text,
        server_count integer,
        UNIQUE (account_id, path)
      );
      SELECT platform.enable_tenant_rls('communications.email_folders');
      CREATE INDEX IF NOT EXISTS email_folders_due ON communications.email_folders (next_sync_at);

      CREATE TABLE IF NOT EXISTS communications.email_threads (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        account_id uuid NOT NULL REFERENCES communications.email_accounts (id),
        owner_user_id uuid NOT NULL,
        subject text NOT NULL,
        subject_key text NOT NULL,
        provider_thread_id text,
        first_message_at timestamptz NOT NULL,
        last_message_at timestamptz NOT NULL,
        message_count integer NOT NULL DEFAULT 0,
        participants text[] NOT NULL DEFAULT '{}',
        snippet text NOT NULL DEFAULT '',
        -- Only staff addresses (the tenant's mailboxes): personal/internal, never on a client.
        internal boolean NOT NULL DEFAULT true,
        merged_into uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      SELECT platform.enable_tenant_rls('communications.email_threads');
      -- The inbox: my threads, newest first (keyset on last_message_at, id).
      CREATE INDEX IF NOT EXISTS email_threads_inbox
        ON communications.email_threads (tenant_id, owner_user_id, last_message_at DESC, id DESC) WHERE merged_into IS NULL;
      CREATE INDEX IF NOT EXISTS email_threads_subject
        ON communications.email_threads (account_id, subject_key, last_message_at DESC) WHERE merged_into IS NULL;
      CREATE INDEX IF NOT EXISTS email_threads_provider
        ON communications.email_threads (account_id, provider_thread_id) WHERE provider_thread_id IS NOT NULL;

      -- A message once per account, whichever folders or labels hold it (dedupe_key: the
      -- Message-ID, else a hash of the headers).
      CREATE TABLE IF NOT EXISTS communications.email_messages (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        account_id uuid NOT NULL REFERENCES communications.email_accounts (id),
        thread_id uuid NOT NULL REFERENCES communications.email_threads (id),
        dedupe_key text NOT NULL,
        message_id_header text,
        in_reply_to text,
        reference_ids text[] NOT NULL DEFAULT '{}',
        direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        subject text NOT NULL DEFAULT '',
        from_address text,
        from_name text,
        sent_at timestamptz NOT NULL,
        snippet text NOT NULL DEFAULT '',
        text_body text NOT NULL DEFAULT '',
        html_body text,
        remote_images integer NOT NULL DEFAULT 0,
        size_bytes integer NOT NULL DEFAULT 0,
        provider_thread_id text,
        -- Outbound only: the send job's state.
        send_status text CHECK (send_status IN ('queued', 'sent', 'failed')),
        send_error text,
        send_attempts integer NOT NULL DEFAULT 0,
        sent_by uuid,
        deleted_on_server_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (account_id, dedupe_key),
        CHECK (send_status IS NULL OR direction = 'outbound')
      );
      SELECT platform.enable_tenant_rls('communications.email_messages');
      CREATE INDEX IF NOT EXISTS email_messages_thread ON communications.email_messages (thread_id, sent_at, id);
      CREATE INDEX IF NOT EXISTS email_messages_queued ON communications.email_messages (tenant_id, send_status) WHERE send_status = 'queued';

      -- Where a message sits: (folder, UIDVALIDITY, UID) is unique, so a replayed chunk stores nothing twice.
      CREATE TABLE IF NOT EXISTS communications.email_locations (
        tenant_id uuid NOT NULL,
        folder_id uuid NOT NULL REFERENCES communications.email_folders (id),
        uidvalidity bigint NOT NULL,
        uid bigint NOT NULL CHECK (uid > 0),
        message_id uuid NOT NULL REFERENCES communications.email_messages (id),
        seen boolean NOT NULL DEFAULT false,
        removed_at timestamptz,
        PRIMARY KEY (folder_id, uidvalidity, uid)
      );
      SELECT platform.enable_tenant_rls('communications.email_locations');
      CREATE INDEX IF NOT EXISTS email_locations_message ON communications.email_locations (message_id);

      -- Threading by Message-ID: every id a message carries (its own, In-Reply-To, References)
      -- points at its thread, so a reply found before its parent still joins it.
      CREATE TABLE IF NOT EXISTS communications.email_thread_refs (
        tenant_id uuid NOT NULL,
        account_id uuid NOT NULL,
        ref text NOT NULL,
        thread_id uuid NOT NULL REFERENCES communications.email_threads (id),
        PRIMARY KEY (account_id, ref)
      );
      SELECT platform.enable_tenant_rls('communications.email_thread_refs');
      CREATE INDEX IF NOT EXISTS email_thread_refs_thread ON communications.email_thread_refs (thread_id);

      CREATE TABLE IF NOT EXISTS communications.email_participants (
        tenant_id uuid NOT NULL,
        message_id uuid NOT NULL REFERENCES communications.email_messages (id),
        thread_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('from', 'to', 'cc', 'bcc', 'reply_to')),
        address text NOT NULL CHECK (address = lower(address)),
        name text,
        PRIMARY KEY (message_id, role, address)
      );
      SELECT platform.enable_tenant_rls('communications.email_participants');
      CREATE INDEX IF NOT EXISTS email_participants_address ON communications.email_participants (tenant_id, address);
      CREATE INDEX IF NOT EXISTS email_participants_thread ON communications.email_participants (thread_id);

      CREATE TABLE IF NOT EXISTS communications.email_attachments (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        message_id uuid NOT NULL REFERENCES communications.email_messages (id),
        filename text NOT NULL,
        content_type text NOT NULL,
        size_bytes integer NOT NULL CHECK (size_bytes >= 0),
        content_id text,
        inline boolean NOT NULL DEFAULT false,
        blob_key text NOT NULL UNIQUE
      );
      SELECT platform.enable_tenant_rls('communications.email_attachments');
      CREATE INDEX IF NOT EXISTS email_attachments_message ON communications.email_attachments (message_id);

      -- A thread's clients. state 'unlinked' + source 'manual' is a person's "not this client":
      -- automatic linking never inserts over an existing row, so the choice sticks.
      CREATE TABLE IF NOT EXISTS communications.thread_links (
        tenant_id uuid NOT NULL,
        thread_id uuid NOT NULL REFERENCES communications.email_threads (id),
        client_id uuid NOT NULL,
        state text NOT NULL CHECK (state IN ('linked', 'unlinked')),
        source text NOT NULL CHECK (source IN ('auto', 'manual')),
        contact_id uuid,
        changed_by uuid,
        changed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (thread_id, client_id)
      );
      SELECT platform.enable_tenant_rls('communications.thread_links');
      CREATE INDEX IF NOT EXISTS thread_links_client ON communications.thread_links (tenant_id, client_id) WHERE state = 'linked';

      -- communications' copy of crm contact emails, kept from crm's contract events (never crm's tables).
      CREATE TABLE IF NOT EXISTS communications.contact_emails (
        tenant_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        email text,
        client_ids uuid[] NOT NULL DEFAULT '{}',
        active boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, contact_id),
        CHECK (email IS NULL OR email = lower(email))
      );
      SELECT platform.enable_tenant_rls('communications.contact_emails');
      CREATE INDEX IF NOT EXISTS contact_emails_email ON communications.contact_emails (tenant_id, email) WHERE active AND email IS NOT NULL;

      -- Only the owner role (the SECURITY DEFINER functions below) reads across tenants.
      DROP POLICY IF EXISTS email_folders_definer_lookup ON communications.email_folders;
      CREATE POLICY email_folders_definer_lookup ON communications.email_folders FOR SELECT TO ${OWNER_ROLE} USING (true);
      DROP POLICY IF EXISTS email_accounts_definer_lookup ON communications.email_accounts;
      CREATE POLICY email_accounts_definer_lookup ON communications.email_accounts FOR SELECT TO ${OWNER_ROLE} USING (true);

      -- The scheduler's work list across tenants (as files.expired_uploads): due folders of live accounts.
      CREATE OR REPLACE FUNCTION communications.due_folders(max_rows integer)
      RETURNS TABLE (tenant_id uuid, folder_id uuid, account_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        SELECT f.tenant_id, f.id, f.account_id
          FROM communications.email_folders f
          JOIN communications.email_accounts a ON a.id = f.account_id
         WHERE a.disconnected_at IS NULL AND f.next_sync_at <= now()
         ORDER BY f.next_sync_at
         LIMIT max_rows
      $$;
      REVOKE ALL ON FUNCTION communications.due_folders(integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION communications.due_folders(integer) TO ubos_app;

      CREATE OR REPLACE FUNCTION communications.live_accounts(max_rows integer)
      RETURNS TABLE (tenant_id uuid, account_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        SELECT tenant_id, id FROM communications.email_accounts WHERE disconnected_at IS NULL ORDER BY id LIMIT max_rows
      $$;
      REVOKE ALL ON FUNCTION communications.live_accounts(integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION communications.live_accounts(integer) TO ubos_app;
    `,
  },
  {
    id: '0004_email_send_claim',
    sql: `
      -- The send job's lease: one worker holds a queued message while it talks to SMTP, so two
      -- workers given the same job send it once; a crashed worker's lease runs out.
      ALTER TABLE communications.email_messages ADD COLUMN IF NOT EXISTS send_claimed_until timestamptz;
    `,
  },
];
