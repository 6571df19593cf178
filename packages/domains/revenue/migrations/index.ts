import type { Migration } from '@ubos/platform';
import { billsMigrations } from './migrations-bills.ts';

/**
 * Schema `revenue` (ARCHITECTURE.md §4). Forward-only and idempotent: never edit an applied
 * migration, add the next one. Every tenant table carries tenant_id and forced RLS.
 */
export const revenueMigrations: Migration[] = [
  {
    id: '0001_settings',
    sql: `
      CREATE SCHEMA IF NOT EXISTS revenue;

      -- One row per tenant, written on the first change: no row means the defaults apply.
      CREATE TABLE IF NOT EXISTS revenue.settings (
        tenant_id uuid PRIMARY KEY,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid
      );
      SELECT platform.enable_tenant_rls('revenue.settings');
    `,
  },
  // Money out and approvals (0020 onward), kept last.
  ...billsMigrations,
];
