import type { ColumnType, Generated, Selectable } from 'kysely';

export const systemMailStatuses = ['queued', 'sent', 'failed', 'kept_in_log'] as const;
export type SystemMailStatus = (typeof systemMailStatuses)[number];

export interface SystemMailAttachment {
  filename: string;
  contentType: string;
  /** Text content (an .ics, a CSV); binary files belong in the blob store, linked from the message. */
  content: string;
}

/** Kysely types of the kernel's mail tables. */
export interface MailDB {
  'platform.system_mail': {
    id: string;
    tenant_id: string;
    to_email: string;
    to_name: ColumnType<string | null, string | null | undefined, string | null>;
    template: string;
    subject: string;
    html: string;
    text: string;
    attachments: ColumnType<SystemMailAttachment[], string | undefined, string>;
    status: Generated<SystemMailStatus>;
    attempts: Generated<number>;
    last_error: ColumnType<string | null, string | null | undefined, string | null>;
    provider_message_id: ColumnType<string | null, string | null | undefined, string | null>;
    actor_id: ColumnType<string | null, string | null | undefined, string | null>;
    correlation_id: ColumnType<string | null, string | null | undefined, string | null>;
    created_at: Generated<Date | string>;
    updated_at: Generated<Date | string>;
    enqueued_at: ColumnType<Date | string | null, never, Date | string | null>;
    sent_at: ColumnType<Date | string | null, never, Date | string | null>;
  };
  'platform.mail_branding': {
    tenant_id: string;
    name: string;
    logo_url: string | null;
    updated_at: Generated<Date | string>;
  };
}

/** One row of the system-mail log as procedures show it. */
export interface SystemMailRecord {
  id: string;
  to: { email: string; name: string | null };
  template: string;
  subject: string;
  status: SystemMailStatus;
  attempts: number;
  lastError: string | null;
  providerMessageId: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  attachments: { filename: string; contentType: string; size: number }[];
}

export interface SystemMailDetail extends SystemMailRecord {
  html: string;
  text: string;
}

export type SystemMailRow = Selectable<MailDB['platform.system_mail']>;
