import type { Migration } from '../db/migrations.ts';

/**
 * Verified webhook deliveries (§7, §10): one row per provider event, unique per (tenant, provider,
 * provider event id) so a redelivery inserts nothing; the raw body is kept (signatures cover it) with
 * the headers minus credentials. Written by the ingress route under the tenant's RLS scope.
 */
export const webhookMigrations: Migration[] = [
  {
    id: 'webhooks_0001_deliveries',
    sql: `
      CREATE TABLE IF NOT EXISTS platform.webhook_deliveries (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        connection_id uuid NOT NULL,
        provider text NOT NULL,
        provider_event_id text NOT NULL CHECK (length(provider_event_id) BETWEEN 1 AND 1000),
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        raw_body bytea NOT NULL,
        headers jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_deliveries_event_key UNIQUE (tenant_id, provider, provider_event_id)
      );
      CREATE INDEX IF NOT EXISTS webhook_deliveries_connection_idx ON platform.webhook_deliveries (tenant_id, connection_id, received_at);
      SELECT platform.enable_tenant_rls('platform.webhook_deliveries');
      GRANT SELECT, INSERT ON platform.webhook_deliveries TO ubos_app;
    `,
  },
];
