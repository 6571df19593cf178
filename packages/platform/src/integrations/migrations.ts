import type { Migration } from '../db/migrations.ts';
import { OWNER_ROLE } from '../db/roles.ts';
import { connectionStatuses, providers } from './ports.ts';

const quoted = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/**
 * The connections registry and the OAuth connect states (§7). Secrets are vault ciphertexts
 * (`credentials`, `webhook_secrets`, `code_verifier`); everything else is health and labels.
 */
export const integrationsMigrations: Migration[] = [
  {
    id: 'integrations_0001_connections',
    sql: `
      CREATE TABLE IF NOT EXISTS platform.integration_connections (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        provider text NOT NULL CHECK (provider IN (${quoted(providers)})),
        account_label text NOT NULL CHECK (length(account_label) BETWEEN 1 AND 300),
        external_account_id text,
        owner_user_id uuid,
        scopes text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'connected' CHECK (status IN (${quoted(connectionStatuses)})),
        last_success_at timestamptz,
        last_error_message text,
        last_error_code text,
        last_error_at timestamptz,
        consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
        next_retry_at timestamptz,
        breaker_state text NOT NULL DEFAULT 'closed' CHECK (breaker_state IN ('closed', 'open', 'half_open')),
        breaker_opened_at timestamptz,
        -- Vault ciphertexts (§7): the webhook signing secrets (several while a key rotates) and
        -- the OAuth tokens as one JSON document. Never selected into a DTO.
        webhook_secrets text[] NOT NULL DEFAULT '{}',
        credentials text,
        token_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        disconnected_at timestamptz,
        CHECK ((status = 'disconnected') = (disconnected_at IS NOT NULL))
      );
      CREATE INDEX IF NOT EXISTS integration_connections_tenant_idx ON platform.integration_connections (tenant_id, provider, created_at);
      -- One live connection per provider account in a tenant: reconnecting updates it.
      CREATE UNIQUE INDEX IF NOT EXISTS integration_connections_account_idx
        ON platform.integration_connections (tenant_id, provider, external_account_id)
        WHERE disconnected_at IS NULL AND external_account_id IS NOT NULL;
      SELECT platform.enable_tenant_rls('platform.integration_connections');

      CREATE TABLE IF NOT EXISTS platform.integration_oauth_states (
        state_hash text PRIMARY KEY CHECK (length(state_hash) = 64),
        tenant_id uuid NOT NULL,
        session_id text NOT NULL,
        user_id uuid NOT NULL,
        provider text NOT NULL CHECK (provider IN (${quoted(providers)})),
        connection_id uuid,
        redirect_uri text NOT NULL,
        code_verifier text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS integration_oauth_states_expiry_idx ON platform.integration_oauth_states (expires_at);
      SELECT platform.enable_tenant_rls('platform.integration_oauth_states');

      GRANT SELECT, INSERT, UPDATE, DELETE ON platform.integration_connections, platform.integration_oauth_states TO ubos_app;

      -- Webhook ingress learns the tenant from the URL's connection id before any tenant is
      -- known: this lookup (as the owner role, like identity.invitation_by_token_hash) returns
      -- that one connection's tenant and webhook secret ciphertexts, never a list.
      DROP POLICY IF EXISTS integration_connections_definer_lookup ON platform.integration_connections;
      CREATE POLICY integration_connections_definer_lookup ON platform.integration_connections
        FOR SELECT TO ${OWNER_ROLE} USING (true);
      CREATE OR REPLACE FUNCTION platform.integration_webhook_target(p_provider text, p_connection_id uuid)
        RETURNS TABLE (tenant_id uuid, connection_id uuid, provider text, webhook_secrets text[])
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$
          SELECT c.tenant_id, c.id, c.provider, c.webhook_secrets
          FROM platform.integration_connections c
          WHERE c.id = p_connection_id AND c.provider = p_provider AND c.disconnected_at IS NULL
          LIMIT 1
        $fn$;
      REVOKE EXECUTE ON FUNCTION platform.integration_webhook_target(text, uuid) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION platform.integration_webhook_target(text, uuid) TO ubos_app;

      -- The tenants holding vault ciphertexts, for \`pnpm ubos vault:rotate\` (which then works
      -- tenant by tenant under RLS). Ids only.
      DROP POLICY IF EXISTS integration_oauth_states_definer_lookup ON platform.integration_oauth_states;
      CREATE POLICY integration_oauth_states_definer_lookup ON platform.integration_oauth_states
        FOR SELECT TO ${OWNER_ROLE} USING (true);
      CREATE OR REPLACE FUNCTION platform.integration_vault_tenants()
        RETURNS TABLE (tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$
          SELECT tenant_id FROM platform.integration_connections
          UNION
          SELECT tenant_id FROM platform.integration_oauth_states WHERE consumed_at IS NULL
        $fn$;
      REVOKE EXECUTE ON FUNCTION platform.integration_vault_tenants() FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION platform.integration_vault_tenants() TO ubos_app;
    `,
  },
];
