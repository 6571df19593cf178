import type { Migration } from '../db/migrations.ts';
import { systemMailStatuses } from './types.ts';

const quoted = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/**
 * The system-mail log (§7 "Mail port"): every message UBOS sends, rendered, with its delivery state.
 * `enqueued_at IS NULL` marks rows the mail relay has not handed to pg-boss yet.
 */
export const mailMigrations: Migration[] = [
  {
    id: 'mail_0001_system_mail',
    sql: `
      CREATE TABLE IF NOT EXISTS platform.system_mail (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        to_email text NOT NULL CHECK (length(to_email) BETWEEN 3 AND 320 AND position('@' in to_email) > 1),
        to_name text CHECK (to_name IS NULL OR length(to_name) <= 300),
        template text NOT NULL CHECK (length(template) BETWEEN 1 AND 64),
        subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
        html text NOT NULL,
        text text NOT NULL,
        attachments jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(attachments) = 'array'),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN (${quoted(systemMailStatuses)})),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        last_error text,
        provider_message_id text,
        -- Who or what caused it (a user, a workflow step), for the log.
        actor_id uuid,
        correlation_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        enqueued_at timestamptz,
        sent_at timestamptz,
        CHECK ((status IN ('sent', 'kept_in_log')) = (sent_at IS NOT NULL))
      );
      CREATE INDEX IF NOT EXISTS system_mail_tenant_created_idx ON platform.system_mail (tenant_id, created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS system_mail_unqueued_idx ON platform.system_mail (created_at) WHERE enqueued_at IS NULL;
      SELECT platform.enable_tenant_rls('platform.system_mail');
      -- The mail relay claims unqueued rows of every tenant in the system scope (as the outbox dispatcher does).
      DROP POLICY IF EXISTS system_mail_relay ON platform.system_mail;
      CREATE POLICY system_mail_relay ON platform.system_mail USING (platform.is_system()) WITH CHECK (platform.is_system());

      CREATE OR REPLACE FUNCTION platform.notify_system_mail() RETURNS trigger
        LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('ubos_mail', '');
        RETURN NULL;
      END $$;
      DROP TRIGGER IF EXISTS system_mail_notify ON platform.system_mail;
      CREATE TRIGGER system_mail_notify AFTER INSERT ON platform.system_mail
        FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_system_mail();

      -- The name and logo system mail shows, per tenant, written by identity through setMailBranding.
      CREATE TABLE IF NOT EXISTS platform.mail_branding (
        tenant_id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        logo_url text CHECK (logo_url IS NULL OR logo_url ~ '^https?://'),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      SELECT platform.enable_tenant_rls('platform.mail_branding');

      GRANT SELECT, INSERT, UPDATE ON platform.system_mail, platform.mail_branding TO ubos_app;
    `,
  },
];
