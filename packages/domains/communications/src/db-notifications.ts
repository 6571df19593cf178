import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type NotificationKind = 'workflow' | 'task_assigned' | 'mention' | 'message' | 'appointment';
export type EmailPreference = 'off' | 'immediately' | 'daily_digest';

/** Kysely types of the notification tables (communications schema only). */
export interface NotificationsDB {
  'communications.notifications': {
    id: string;
    tenant_id: string;
    user_id: string;
    kind: NotificationKind;
    title: string;
    body: Generated<string>;
    link: string | null;
    source_key: string;
    in_app: Generated<boolean>;
    read_at: NullableTimestamp;
    emailed_at: NullableTimestamp;
    digested_at: NullableTimestamp;
    created_at: CreatedAt;
  };
  'communications.notification_preferences': {
    tenant_id: string;
    user_id: string;
    in_app: Generated<boolean>;
    email: Generated<EmailPreference>;
    digest_hour: Generated<number>;
    last_digest_at: NullableTimestamp;
    updated_at: CreatedAt;
  };
  'communications.staff_directory': {
    tenant_id: string;
    user_id: string;
    email: string;
    name: string | null;
    active: Generated<boolean>;
    updated_at: CreatedAt;
  };
  'communications.invitation_emails': {
    tenant_id: string;
    invitation_id: string;
    email: string;
  };
  /** B's copy of crm contact emails (migrations/client-email.ts): read to email a contact. */
  'communications.contact_emails': {
    tenant_id: string;
    contact_id: string;
    email: string | null;
    active: boolean;
  };
}
