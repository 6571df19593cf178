// Public contracts of the scheduling domain: event and DTO schemas other packages may import
// (ARCHITECTURE.md §2). Procedure and event names are public API.
import { defineEvent } from '@ubos/platform';
import { z } from 'zod';

// ---------------------------------------------------------------- shared shapes

/**
 * The tenant's settings of the domain. Keys are single words so the camelCase DTO and the
 * snake_case event payload can share them; map explicitly once a key needs two words.
 */
export const settingsSchema = z.object({
  /** Whether the domain is switched on for the tenant. */
  enabled: z.boolean(),
  /** What the tenant calls this area in its workspace; null keeps the default name. */
  label: z.string().trim().min(1).max(100).nullable(),
});
export type Settings = z.infer<typeof settingsSchema>;
export const settingKeySchema = settingsSchema.keyof();
export type SettingKey = z.infer<typeof settingKeySchema>;

/** What a tenant that never changed anything gets. */
export const defaultSettings: Settings = { enabled: true, label: null };

// ---------------------------------------------------------------- event payloads

export const settingsUpdatedPayload = z.object({
  enabled: z.boolean(),
  label: z.string().nullable(),
  /** The settings this change altered (at least one). */
  changed_keys: z.array(settingKeySchema).min(1),
  updated_by: z.uuid().nullable(),
});
export type SettingsUpdatedPayload = z.infer<typeof settingsUpdatedPayload>;

/** The tenant's settings changed; aggregate id = tenant id (one settings record per tenant). */
export const settingsUpdated = defineEvent({
  type: 'scheduling.settings.updated',
  version: 1,
  aggregateType: 'scheduling.settings',
  payload: settingsUpdatedPayload,
});

// ---------------------------------------------------------------- procedure inputs

/** Only the settings to change; at least one, unknown keys are refused. */
export const updateSettingsInput = z
  .strictObject({
    enabled: settingsSchema.shape.enabled.optional(),
    label: settingsSchema.shape.label.optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), { message: 'Change at least one setting' });
export type UpdateSettingsInput = z.infer<typeof updateSettingsInput>;

// ---------------------------------------------------------------- DTOs

export const settingsDto = z.object({
  settings: settingsSchema,
  /** When the tenant last changed them; null while the defaults apply. */
  updatedAt: z.date().nullable(),
  updatedBy: z.uuid().nullable(),
});
export type SettingsDto = z.infer<typeof settingsDto>;

// ================================================================ scheduling

const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'Use lowercase letters, digits and dashes (up to 64), starting and ending with a letter or digit');
const timeZoneSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'Not a time zone this server knows; use an IANA name such as Europe/Berlin');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date as YYYY-MM-DD');
const emailSchema = z.string().trim().toLowerCase().email('Enter an email address such as ana@example.com').max(320);

export const appointmentStatuses = ['held', 'booked', 'cancelled', 'completed', 'no_show'] as const;
export const appointmentStatusSchema = z.enum(appointmentStatuses);
export type AppointmentStatus = z.infer<typeof appointmentStatusSchema>;
export const locationKindSchema = z.enum(['in_person', 'phone', 'video']);
export const assignmentSchema = z.enum(['single', 'round_robin', 'collective']);
export const appointmentSourceSchema = z.enum(['public', 'staff', 'workflow']);

/** [start, end) minutes after local midnight. */
export const minuteRangeSchema = z
  .tuple([z.number().int().min(0).max(1439), z.number().int().min(1).max(1440)])
  .refine(([start, end]) => end > start, 'A range must end after it starts');
const rangesSchema = z.array(minuteRangeSchema).max(12);
export const weeklySchema = z
  .object({ '1': rangesSchema, '2': rangesSchema, '3': rangesSchema, '4': rangesSchema, '5': rangesSchema, '6': rangesSchema, '7': rangesSchema })
  .partial();
export type Weekly = z.infer<typeof weeklySchema>;

export const questionSchema = z.object({
  id: z
    .string()
    .trim()
    .regex(/^[a-z0-9_]{1,40}$/, 'Use lowercase letters, digits and underscores'),
  label: z.string().trim().min(1).max(200),
  kind: z.enum(['text', 'long_text', 'phone']),
  required: z.boolean(),
});
export type Question = z.infer<typeof questionSchema>;

// ---------------------------------------------------------------- event payloads

export const appointmentPayload = z.object({
  appointment_id: z.uuid(),
  type_id: z.uuid(),
  type_name: z.string(),
  /** The host the appointment is with (the assigned one for round robin, the first for collective). */
  host_id: z.uuid(),
  host_ids: z.array(z.uuid()),
  attendee_name: z.string(),
  attendee_email: z.string(),
  attendee_time_zone: z.string(),
  start_at: z.string(),
  end_at: z.string(),
  /** The host's time zone, so a summary can say the time as the host reads it. */
  host_time_zone: z.string(),
  client_id: z.uuid().nullable(),
  contact_id: z.uuid().nullable(),
  source: appointmentSourceSchema,
});

export const appointmentBooked = defineEvent({
  type: 'scheduling.appointment.booked',
  version: 1,
  aggregateType: 'scheduling.appointment',
  payload: appointmentPayload.extend({
    answers: z.record(z.string(), z.string()),
    /** The type's configured project template: the onboarding workflow creates the project from it. */
    project_template_id: z.uuid().nullable(),
  }),
});
export const appointmentRescheduled = defineEvent({
  type: 'scheduling.appointment.rescheduled',
  version: 1,
  aggregateType: 'scheduling.appointment',
  payload: appointmentPayload.extend({
    previous_start_at: z.string(),
    previous_end_at: z.string(),
    reason: z.string().nullable(),
    sequence: z.number().int(),
    by: z.enum(['attendee', 'staff']),
  }),
});
export const appointmentCancelled = defineEvent({
  type: 'scheduling.appointment.cancelled',
  version: 1,
  aggregateType: 'scheduling.appointment',
  payload: appointmentPayload.extend({ reason: z.string().nullable(), by: z.enum(['attendee', 'staff', 'system']) }),
});
export const appointmentCompleted = defineEvent({
  type: 'scheduling.appointment.completed',
  version: 1,
  aggregateType: 'scheduling.appointment',
  payload: appointmentPayload,
});
export const appointmentNoShow = defineEvent({
  type: 'scheduling.appointment.no_show',
  version: 1,
  aggregateType: 'scheduling.appointment',
  payload: appointmentPayload,
});

const typePayload = z.object({
  type_id: z.uuid(),
  name: z.string(),
  page_slug: z.string(),
  slug: z.string(),
  duration_minutes: z.number().int(),
  assignment: assignmentSchema,
  host_ids: z.array(z.uuid()),
  active: z.boolean(),
});
export const typeCreated = defineEvent({ type: 'scheduling.type.created', version: 1, aggregateType: 'scheduling.type', payload: typePayload });
export const typeUpdated = defineEvent({ type: 'scheduling.type.updated', version: 1, aggregateType: 'scheduling.type', payload: typePayload });
export const typeArchived = defineEvent({ type: 'scheduling.type.archived', version: 1, aggregateType: 'scheduling.type', payload: typePayload });
export const availabilityUpdated = defineEvent({
  type: 'scheduling.availability.updated',
  version: 1,
  aggregateType: 'scheduling.availability',
  payload: z.object({ user_id: z.uuid(), time_zone: z.string(), override_count: z.number().int(), weekly_hours: z.number() }),
});
export const siteUpdated = defineEvent({
  type: 'scheduling.site.updated',
  version: 1,
  aggregateType: 'scheduling.site',
  payload: z.object({ slug: z.string(), name: z.string() }),
});
export const calendarConnected = defineEvent({
  type: 'scheduling.calendar.connected',
  version: 1,
  aggregateType: 'scheduling.calendar',
  payload: z.object({ calendar_id: z.uuid(), user_id: z.uuid(), provider: z.string(), display_name: z.string(), connection_id: z.uuid() }),
});
export const calendarPrimarySet = defineEvent({
  type: 'scheduling.calendar.primary_set',
  version: 1,
  aggregateType: 'scheduling.calendar',
  payload: z.object({ calendar_id: z.uuid(), user_id: z.uuid(), display_name: z.string() }),
});

export const schedulingEvents = [
  settingsUpdated,
  appointmentBooked,
  appointmentRescheduled,
  appointmentCancelled,
  appointmentCompleted,
  appointmentNoShow,
  typeCreated,
  typeUpdated,
  typeArchived,
  availabilityUpdated,
  siteUpdated,
  calendarConnected,
  calendarPrimarySet,
] as const;

// ---------------------------------------------------------------- staff inputs

export const siteInput = z.strictObject({ slug: slugSchema, name: z.string().trim().min(1).max(200) });
export type SiteInput = z.infer<typeof siteInput>;

const typeFields = {
  name: z.string().trim().min(1, 'Give the appointment type a name').max(200),
  pageSlug: slugSchema,
  slug: slugSchema,
  description: z.string().trim().max(2000).default(''),
  durationMinutes: z.number().int().min(5, 'At least 5 minutes').max(720, 'At most 12 hours'),
  locationKind: locationKindSchema,
  locationDetail: z.string().trim().max(500).default(''),
  bufferBeforeMinutes: z.number().int().min(0).max(240).default(0),
  bufferAfterMinutes: z.number().int().min(0).max(240).default(0),
  minimumNoticeMinutes: z.number().int().min(0).max(525_600).default(0),
  bookingWindowDays: z.number().int().min(1).max(730).default(60),
  maxPerDay: z.number().int().min(1).max(100).nullable().default(null),
  slotIntervalMinutes: z.number().int().min(5).max(720).nullable().default(null),
  questions: z.array(questionSchema).max(20).default([]),
  assignment: assignmentSchema.default('single'),
  hostIds: z.array(z.uuid()).min(1, 'Choose at least one host').max(20),
  reminderMinutes: z.array(z.number().int().min(5).max(20_160)).max(5).default([1440, 60]),
  projectTemplateId: z.uuid().nullable().default(null),
  active: z.boolean().default(true),
};
const singleHostRule = (input: { assignment?: string | undefined; hostIds?: string[] | undefined }) =>
  input.assignment !== 'single' || input.hostIds === undefined || input.hostIds.length === 1;
const singleHostIssue = { message: 'A type with one host names exactly one; choose round robin or collective for several', path: ['hostIds'] };
export const createTypeInput = z.strictObject(typeFields).refine(singleHostRule, singleHostIssue);
export type CreateTypeInput = z.infer<typeof createTypeInput>;
export const updateTypeInput = z
  .strictObject({
    id: z.uuid(),
    name: typeFields.name.optional(),
    pageSlug: slugSchema.optional(),
    slug: slugSchema.optional(),
    description: z.string().trim().max(2000).optional(),
    durationMinutes: typeFields.durationMinutes.optional(),
    locationKind: locationKindSchema.optional(),
    locationDetail: z.string().trim().max(500).optional(),
    bufferBeforeMinutes: z.number().int().min(0).max(240).optional(),
    bufferAfterMinutes: z.number().int().min(0).max(240).optional(),
    minimumNoticeMinutes: z.number().int().min(0).max(525_600).optional(),
    bookingWindowDays: z.number().int().min(1).max(730).optional(),
    maxPerDay: z.number().int().min(1).max(100).nullable().optional(),
    slotIntervalMinutes: z.number().int().min(5).max(720).nullable().optional(),
    questions: z.array(questionSchema).max(20).optional(),
    assignment: assignmentSchema.optional(),
    hostIds: z.array(z.uuid()).min(1).max(20).optional(),
    reminderMinutes: z.array(z.number().int().min(5).max(20_160)).max(5).optional(),
    projectTemplateId: z.uuid().nullable().optional(),
    active: z.boolean().optional(),
  })
  .refine(singleHostRule, singleHostIssue);
export type UpdateTypeInput = z.infer<typeof updateTypeInput>;
export const idInput = z.strictObject({ id: z.uuid() });
export const listTypesInput = z.strictObject({ includeArchived: z.boolean().default(false) }).default({ includeArchived: false });

export const availabilityGetInput = z.strictObject({ userId: z.uuid().optional() }).default({});
export const overrideSchema = z.object({ date: isoDate, ranges: rangesSchema });
export const holidaySchema = z.object({ date: isoDate, name: z.string().trim().min(1).max(200) });
export const availabilitySetInput = z.strictObject({
  userId: z.uuid().optional(),
  timeZone: timeZoneSchema,
  weekly: weeklySchema,
  overrides: z.array(overrideSchema).max(400).default([]),
  /** The organization's holidays (replaced when given; managers only). */
  holidays: z.array(holidaySchema).max(200).optional(),
});
export type AvailabilitySetInput = z.infer<typeof availabilitySetInput>;

export const listAppointmentsInput = z.strictObject({
  from: z.coerce.date(),
  to: z.coerce.date(),
  hostId: z.uuid().optional(),
  clientId: z.uuid().optional(),
  statuses: z.array(appointmentStatusSchema).optional(),
  limit: z.number().int().min(1).max(500).default(200),
});
export type ListAppointmentsInput = z.infer<typeof listAppointmentsInput>;
export const clientAppointmentsInput = z.strictObject({ clientId: z.uuid(), limit: z.number().int().min(1).max(200).default(50) });

const attendeeFields = {
  attendeeName: z.string().trim().min(1, 'Enter a name').max(200),
  attendeeEmail: emailSchema,
  attendeeTimeZone: timeZoneSchema,
  answers: z.record(z.string().max(40), z.string().max(2000)).default({}),
};
export const createAppointmentInput = z.strictObject({
  typeId: z.uuid(),
  start: z.coerce.date(),
  /** For round robin: the host to book with; omitted = the first free host in turn. */
  hostId: z.uuid().optional(),
  ...attendeeFields,
});
export type CreateAppointmentInput = z.infer<typeof createAppointmentInput>;
const reasonSchema = z.string().trim().max(500).nullable().default(null);
export const rescheduleAppointmentInput = z.strictObject({ id: z.uuid(), start: z.coerce.date(), reason: reasonSchema });
export type RescheduleAppointmentInput = z.infer<typeof rescheduleAppointmentInput>;
export const cancelAppointmentInput = z.strictObject({ id: z.uuid(), reason: reasonSchema });
export type CancelAppointmentInput = z.infer<typeof cancelAppointmentInput>;

export const connectCalendarInput = z.discriminatedUnion('provider', [
  z.strictObject({
    provider: z.literal('caldav'),
    serverUrl: z.url('Enter the address of the CalDAV server'),
    username: z.string().trim().min(1).max(200),
    password: z.string().min(1).max(500),
    accountLabel: z.string().trim().min(1).max(200).optional(),
  }),
  /** A calendar of a Google account already connected through Settings → Integrations (OAuth). */
  z.strictObject({ provider: z.literal('google'), connectionId: z.uuid(), calendarId: z.string().trim().min(1).max(300).default('primary') }),
  /** A calendar of a Microsoft 365 / Outlook account connected the same way (`primary` = the default calendar). */
  z.strictObject({ provider: z.literal('microsoft'), connectionId: z.uuid(), calendarId: z.string().trim().min(1).max(300).default('primary') }),
]);
export type ConnectCalendarInput = z.infer<typeof connectCalendarInput>;
export const busyInput = z.strictObject({ from: z.coerce.date(), to: z.coerce.date(), userId: z.uuid().optional() });

// ---------------------------------------------------------------- public inputs

export const bookingPageInput = z.strictObject({ tenantSlug: slugSchema, pageSlug: slugSchema });
export const bookingSlotsInput = z.strictObject({
  tenantSlug: slugSchema,
  pageSlug: slugSchema,
  typeSlug: slugSchema,
  from: z.coerce.date(),
  to: z.coerce.date(),
  timeZone: timeZoneSchema,
});
export type BookingSlotsInput = z.infer<typeof bookingSlotsInput>;
export const bookInput = z.strictObject({
  tenantSlug: slugSchema,
  pageSlug: slugSchema,
  typeSlug: slugSchema,
  start: z.coerce.date(),
  ...attendeeFields,
});
export type BookInput = z.infer<typeof bookInput>;
const manageToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This manage link is not complete; copy all of it');
export const manageInput = z.strictObject({ token: manageToken });
export const publicRescheduleInput = z.strictObject({ token: manageToken, start: z.coerce.date(), reason: reasonSchema });
export const publicCancelInput = z.strictObject({ token: manageToken, reason: reasonSchema });
export const manageSlotsInput = z.strictObject({ token: manageToken, from: z.coerce.date(), to: z.coerce.date(), timeZone: timeZoneSchema });

/** The manage page of an appointment (the web app's route; the token is its last segment). */
export function manageLinkPath(token: string): string {
  return `/book/manage/${token}`;
}

// ---------------------------------------------------------------- DTOs

export const siteDto = z.object({ slug: z.string(), name: z.string() }).nullable();
export const typeDto = z.object({
  id: z.uuid(),
  name: z.string(),
  pageSlug: z.string(),
  slug: z.string(),
  description: z.string(),
  durationMinutes: z.number().int(),
  locationKind: locationKindSchema,
  locationDetail: z.string(),
  bufferBeforeMinutes: z.number().int(),
  bufferAfterMinutes: z.number().int(),
  minimumNoticeMinutes: z.number().int(),
  bookingWindowDays: z.number().int(),
  maxPerDay: z.number().int().nullable(),
  slotIntervalMinutes: z.number().int().nullable(),
  questions: z.array(questionSchema),
  assignment: assignmentSchema,
  hostIds: z.array(z.uuid()),
  reminderMinutes: z.array(z.number().int()),
  projectTemplateId: z.uuid().nullable(),
  active: z.boolean(),
  archivedAt: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type TypeDto = z.infer<typeof typeDto>;

export const availabilityDto = z.object({
  userId: z.uuid(),
  timeZone: z.string(),
  weekly: weeklySchema,
  overrides: z.array(overrideSchema),
  holidays: z.array(holidaySchema),
  /** False while the user never saved hours (the defaults are shown). */
  saved: z.boolean(),
});
export type AvailabilityDto = z.infer<typeof availabilityDto>;

export const appointmentDto = z.object({
  id: z.uuid(),
  typeId: z.uuid(),
  typeName: z.string(),
  status: appointmentStatusSchema,
  start: z.date(),
  end: z.date(),
  hostIds: z.array(z.uuid()),
  attendeeName: z.string(),
  attendeeEmail: z.string(),
  attendeeTimeZone: z.string(),
  answers: z.record(z.string(), z.string()),
  clientId: z.uuid().nullable(),
  contactId: z.uuid().nullable(),
  source: appointmentSourceSchema,
  cancelReason: z.string().nullable(),
  rescheduleReason: z.string().nullable(),
  sequence: z.number().int(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type AppointmentDto = z.infer<typeof appointmentDto>;

export const busyDto = z.object({ calendarId: z.uuid(), userId: z.uuid(), start: z.date(), end: z.date() });
export const calendarDto = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  connectionId: z.uuid(),
  provider: z.string(),
  url: z.string(),
  displayName: z.string(),
  isPrimary: z.boolean(),
  lastSyncedAt: z.date().nullable(),
  lastError: z.string().nullable(),
});
export type CalendarDto = z.infer<typeof calendarDto>;

export const slotDto = z.object({
  start: z.date(),
  end: z.date(),
  /** The slot's wall time in the visitor's time zone. */
  date: z.string(),
  time: z.string(),
});
export type SlotDto = z.infer<typeof slotDto>;
export const slotsDto = z.object({ timeZone: z.string(), slots: z.array(slotDto) });
export type SlotsDto = z.infer<typeof slotsDto>;

export const publicTypeDto = z.object({
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  durationMinutes: z.number().int(),
  locationKind: locationKindSchema,
  questions: z.array(questionSchema),
});
export const bookingPageDto = z.object({ organization: z.string(), pageSlug: z.string(), types: z.array(publicTypeDto) });
export type BookingPageDto = z.infer<typeof bookingPageDto>;

export const bookedDto = z.object({
  appointmentId: z.uuid(),
  start: z.date(),
  end: z.date(),
  /** The manage token, shown once: only its SHA-256 is stored. */
  token: z.string(),
  manageUrl: z.string(),
  /** The confirmation as an iCalendar invitation (METHOD:REQUEST). */
  ics: z.string(),
});
export type BookedDto = z.infer<typeof bookedDto>;

export const managedAppointmentDto = z.object({
  appointmentId: z.uuid(),
  organization: z.string(),
  typeName: z.string(),
  durationMinutes: z.number().int(),
  locationKind: locationKindSchema,
  locationDetail: z.string(),
  status: appointmentStatusSchema,
  start: z.date(),
  end: z.date(),
  attendeeName: z.string(),
  attendeeTimeZone: z.string(),
  /** Whether the attendee may still cancel or reschedule (before the start, not cancelled). */
  changeable: z.boolean(),
  ics: z.string(),
});
export type ManagedAppointmentDto = z.infer<typeof managedAppointmentDto>;
