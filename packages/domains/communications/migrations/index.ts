import type { Migration } from '@ubos/platform';
import { notificationMigrations } from './notifications.ts';
import { clientEmailMigrations } from './client-email.ts';

/**
 * Schema `communications` (ARCHITECTURE.md §4). Forward-only and idempotent: never edit an applied
 * migration, add the next one. Every tenant table carries tenant_id and forced RLS.
 */
export const communicationsMigrations: Migration[] = [
  {
    id: '0001_settings',
    sql: `
      CREATE SCHEMA IF NOT EXISTS communications;

      -- One row per tenant, written on the first change: no row means the defaults apply.
      CREATE TABLE IF NOT EXISTS communications.settings (
        tenant_id uuid PRIMARY KEY,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid
      );
      SELECT platform.enable_tenant_rls('communications.settings');
    `,
  },
  // 0002: notifications, preferences, the staff directory.
  ...notificationMigrations,
  ...clientEmailMigrations,
  {
    // Hosts are told of bookings, reschedules and cancellations made by someone else.
    id: '0005_appointment_notifications',
    sql: `
      ALTER TABLE communications.notifications DROP CONSTRAINT IF EXISTS notifications_kind_check;
      ALTER TABLE communications.notifications
        ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('workflow', 'task_assigned', 'mention', 'message', 'appointment'));
    `,
  },
];
