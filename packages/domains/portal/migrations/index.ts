import type { Migration } from '@ubos/platform';

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
];
