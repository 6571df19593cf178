// Notifications, delivery preferences and the system-mail log (Sent by UBOS): events, inputs, DTOs.
import { defineEvent, systemMailStatuses } from '@ubos/platform';
import { z } from 'zod';

export const notificationKinds = ['workflow', 'task_assigned', 'mention', 'message', 'appointment'] as const;
export const notificationKindSchema = z.enum(notificationKinds);
export const emailPreferences = ['off', 'immediately', 'daily_digest'] as const;
export const emailPreferenceSchema = z.enum(emailPreferences);

/** A path inside the app (`/projects/…`): links in notifications never leave UBOS. */
export const appPathSchema = z
  .string()
  .trim()
  .max(2000)
  .regex(/^\/[^/\\]/, { message: 'Use a path inside UBOS, starting with one "/"' });

// ---------------------------------------------------------------- events

export const notificationCreated = defineEvent({
  type: 'communications.notification.created',
  version: 1,
  aggregateType: 'communications.notification',
  payload: z.object({
    notification_id: z.uuid(),
    user_id: z.uuid(),
    kind: notificationKindSchema,
    title: z.string(),
    link: z.string().nullable(),
    /** Where it went: the bell, an email now, the next digest. */
    channels: z.array(z.enum(['in_app', 'email', 'digest'])),
  }),
});

export const notificationsRead = defineEvent({
  type: 'communications.notifications.read',
  version: 1,
  aggregateType: 'communications.notification',
  payload: z.object({ user_id: z.uuid(), notification_ids: z.array(z.uuid()), all: z.boolean() }),
});

export const notificationPreferencesUpdated = defineEvent({
  type: 'communications.notification_preferences.updated',
  version: 1,
  aggregateType: 'communications.notification_preferences',
  payload: z.object({ user_id: z.uuid(), in_app: z.boolean(), email: emailPreferenceSchema, digest_hour: z.number().int() }),
});

/** A templated email the workflow action `communications.sendEmail` queued through the mail port. */
export const systemEmailQueued = defineEvent({
  type: 'communications.system_email.queued',
  version: 1,
  aggregateType: 'communications.system_email',
  payload: z.object({
    mail_id: z.uuid(),
    template: z.string(),
    subject: z.string(),
    recipient: z.enum(['user', 'contact', 'address']),
    recipient_id: z.uuid().nullable(),
    run_id: z.string().nullable(),
  }),
});

export const notificationEvents = [notificationCreated, notificationsRead, notificationPreferencesUpdated, systemEmailQueued] as const;

// ---------------------------------------------------------------- inputs

export const listNotificationsInput = z.object({
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).nullish(),
  unreadOnly: z.boolean().default(false),
});
export type ListNotificationsInput = z.infer<typeof listNotificationsInput>;

export const markReadInput = z.object({ ids: z.array(z.uuid()).min(1, { message: 'Choose at least one notification' }).max(200) });

export const updatePreferencesInput = z
  .strictObject({
    inApp: z.boolean().optional(),
    email: emailPreferenceSchema.optional(),
    digestHour: z.number().int().min(0, { message: 'Pick an hour from 0 to 23' }).max(23, { message: 'Pick an hour from 0 to 23' }).optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), { message: 'Change at least one preference' });
export type UpdatePreferencesInput = z.infer<typeof updatePreferencesInput>;

export const listOutgoingInput = z.object({
  limit: z.number().int().min(1).max(100).default(25),
  cursor: z.string().max(400).nullish(),
  status: z.enum(systemMailStatuses).nullish(),
  to: z.string().trim().max(320).nullish(),
});
export const getOutgoingInput = z.object({ id: z.uuid() });

// ---------------------------------------------------------------- workflow action inputs

export const notifyActionInput = z.strictObject({
  userId: z.uuid(),
  title: z.string().trim().min(1).max(300),
  body: z.string().max(5000).optional(),
  link: appPathSchema.optional(),
});
export const notifyActionOutput = z.object({ notificationId: z.uuid() });

const recipientSchema = z.union([
  z.strictObject({ userId: z.uuid() }),
  z.strictObject({ contactId: z.uuid() }),
  z.strictObject({ email: z.email({ message: 'Enter a valid email address' }), name: z.string().max(300).optional() }),
]);

export const sendEmailActionInput = z.strictObject({
  to: recipientSchema,
  subject: z.string().trim().min(1).max(250),
  body: z.string().trim().min(1).max(20_000),
  /** An https link or a path inside UBOS, shown as a button and as a plain line in the text. */
  link: z.string().trim().max(2000).optional(),
  linkLabel: z.string().trim().max(80).optional(),
});
export const sendEmailActionOutput = z.object({ mailId: z.uuid(), to: z.string() });

// ---------------------------------------------------------------- DTOs

export const notificationDto = z.object({
  id: z.uuid(),
  kind: notificationKindSchema,
  title: z.string(),
  body: z.string(),
  link: z.string().nullable(),
  readAt: z.string().nullable(),
  createdAt: z.string(),
});
export type NotificationDto = z.infer<typeof notificationDto>;

export const notificationPageDto = z.object({ items: z.array(notificationDto), nextCursor: z.string().nullable(), unread: z.number().int() });
export const markReadDto = z.object({ marked: z.number().int(), unread: z.number().int() });

export const preferencesDto = z.object({
  inApp: z.boolean(),
  email: emailPreferenceSchema,
  digestHour: z.number().int(),
  /** Whether UBOS knows this user's address (from identity's events); email choices need it. */
  emailAddress: z.string().nullable(),
});
export type PreferencesDto = z.infer<typeof preferencesDto>;

export const outgoingMailDto = z.object({
  id: z.uuid(),
  to: z.object({ email: z.string(), name: z.string().nullable() }),
  template: z.string(),
  subject: z.string(),
  status: z.enum(systemMailStatuses),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  sentAt: z.string().nullable(),
  attachments: z.array(z.object({ filename: z.string(), contentType: z.string(), size: z.number().int() })),
});
export const outgoingPageDto = z.object({ items: z.array(outgoingMailDto), nextCursor: z.string().nullable() });
export const outgoingMailDetailDto = outgoingMailDto.extend({ html: z.string(), text: z.string() });
