// Public contracts of the crm domain (ARCHITECTURE.md §2): its events, procedure inputs and DTOs.
// The only file of this package other packages may import (`@ubos/crm/contracts`).
import { defineEvent } from '@ubos/platform';
import { z } from 'zod';
import { normalizeDomain } from './normalize.ts';

// ---------------------------------------------------------------- shared shapes

export const clientStatusSchema = z.enum(['lead', 'active', 'past']);
export type ClientStatus = z.infer<typeof clientStatusSchema>;
export const customFieldEntitySchema = z.enum(['client', 'contact', 'deal']);
export const customFieldTypeSchema = z.enum(['text', 'number', 'date', 'select', 'multi_select', 'boolean', 'email', 'url', 'currency']);
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'Use an ISO 4217 currency code such as EUR');
const customFieldValuesSchema = z.record(z.string(), z.unknown());

// ---------------------------------------------------------------- event payloads

/** Snapshot of a client carried by every crm.client.* event (subscribers need no read-back). */
export const clientSnapshotSchema = z.object({
  client_id: z.uuid(),
  name: z.string(),
  domain: z.string().nullable(),
  website: z.string().nullable(),
  status: clientStatusSchema,
  owner_id: z.uuid().nullable(),
  tags: z.array(z.string()),
  custom_fields: customFieldValuesSchema,
});
export type ClientSnapshot = z.infer<typeof clientSnapshotSchema>;

export const contactSnapshotSchema = z.object({
  contact_id: z.uuid(),
  /** The first linked client (for filing under a client); null when unlinked. */
  client_id: z.uuid().nullable(),
  client_ids: z.array(z.uuid()),
  relationships: z.array(z.object({ client_id: z.uuid(), role: z.string().nullable() })),
  name: z.string(),
  email: z.string().nullable(),
  email_normalized: z.string().nullable(),
  phone: z.string().nullable(),
  title: z.string().nullable(),
  owner_id: z.uuid().nullable(),
  tags: z.array(z.string()),
  custom_fields: customFieldValuesSchema,
});
export type ContactSnapshot = z.infer<typeof contactSnapshotSchema>;

export const dealSnapshotSchema = z.object({
  deal_id: z.uuid(),
  client_id: z.uuid(),
  contact_id: z.uuid().nullable(),
  pipeline_id: z.uuid(),
  stage_id: z.uuid(),
  stage_name: z.string(),
  title: z.string(),
  value_minor: z.number().int(),
  currency: z.string(),
  expected_close: z.string().nullable(),
  status: z.enum(['open', 'won', 'lost']),
  owner_id: z.uuid().nullable(),
  custom_fields: customFieldValuesSchema,
  /** The project template a won deal opens (projects.templates.id); absent on events written before it existed, read as none. */
  project_template_id: z.uuid().nullable().optional(),
});
export type DealSnapshot = z.infer<typeof dealSnapshotSchema>;

const mergedSchema = z.object({ survivor_id: z.uuid(), merged_id: z.uuid() });

const noteSchema = z.object({
  note_id: z.uuid(),
  client_id: z.uuid().nullable(),
  subject_type: z.enum(['client', 'contact', 'deal']),
  subject_id: z.uuid(),
  body: z.string(),
});

const engagementSchema = z.object({
  engagement_id: z.uuid(),
  client_id: z.uuid(),
  deal_id: z.uuid().nullable(),
  name: z.string(),
  project_ids: z.array(z.uuid()),
  invoice_ids: z.array(z.uuid()),
});

const customFieldEventSchema = z.object({
  field_id: z.uuid(),
  entity: customFieldEntitySchema,
  key: z.string(),
  type: customFieldTypeSchema,
  label: z.string(),
});

// ---------------------------------------------------------------- events

export const clientCreated = defineEvent({ type: 'crm.client.created', version: 1, aggregateType: 'crm.client', payload: clientSnapshotSchema });
export const clientUpdated = defineEvent({ type: 'crm.client.updated', version: 1, aggregateType: 'crm.client', payload: clientSnapshotSchema });
export const clientArchived = defineEvent({ type: 'crm.client.archived', version: 1, aggregateType: 'crm.client', payload: clientSnapshotSchema });
export const clientRestored = defineEvent({ type: 'crm.client.restored', version: 1, aggregateType: 'crm.client', payload: clientSnapshotSchema });
/** The loser (merged_id) is soft-deleted; every reference to it must move to survivor_id. client_id = survivor. */
export const clientMerged = defineEvent({
  type: 'crm.client.merged',
  version: 1,
  aggregateType: 'crm.client',
  payload: mergedSchema.extend({ client_id: z.uuid() }),
});

export const contactCreated = defineEvent({ type: 'crm.contact.created', version: 1, aggregateType: 'crm.contact', payload: contactSnapshotSchema });
/** Also emitted when a contact is linked to / unlinked from a client (relationships change). */
export const contactUpdated = defineEvent({ type: 'crm.contact.updated', version: 1, aggregateType: 'crm.contact', payload: contactSnapshotSchema });
export const contactArchived = defineEvent({ type: 'crm.contact.archived', version: 1, aggregateType: 'crm.contact', payload: contactSnapshotSchema });
export const contactRestored = defineEvent({ type: 'crm.contact.restored', version: 1, aggregateType: 'crm.contact', payload: contactSnapshotSchema });
/** client_id/client_ids: the survivor's clients after the merge. */
export const contactMerged = defineEvent({
  type: 'crm.contact.merged',
  version: 1,
  aggregateType: 'crm.contact',
  payload: mergedSchema.extend({ contact_id: z.uuid(), client_id: z.uuid().nullable(), client_ids: z.array(z.uuid()) }),
});

export const noteCreated = defineEvent({ type: 'crm.note.created', version: 1, aggregateType: 'crm.note', payload: noteSchema });
export const noteUpdated = defineEvent({ type: 'crm.note.updated', version: 1, aggregateType: 'crm.note', payload: noteSchema });
export const noteArchived = defineEvent({ type: 'crm.note.archived', version: 1, aggregateType: 'crm.note', payload: noteSchema });

export const customFieldCreated = defineEvent({
  type: 'crm.custom_field.created',
  version: 1,
  aggregateType: 'crm.custom_field',
  payload: customFieldEventSchema,
});
export const customFieldUpdated = defineEvent({
  type: 'crm.custom_field.updated',
  version: 1,
  aggregateType: 'crm.custom_field',
  payload: customFieldEventSchema,
});
export const customFieldArchived = defineEvent({
  type: 'crm.custom_field.archived',
  version: 1,
  aggregateType: 'crm.custom_field',
  payload: customFieldEventSchema,
});

export const pipelineCreated = defineEvent({
  type: 'crm.pipeline.created',
  version: 1,
  aggregateType: 'crm.pipeline',
  payload: z.object({ pipeline_id: z.uuid(), name: z.string(), stages: z.array(z.object({ stage_id: z.uuid(), name: z.string(), kind: z.string() })) }),
});

export const pipelineUpdated = defineEvent({
  type: 'crm.pipeline.updated',
  version: 1,
  aggregateType: 'crm.pipeline',
  payload: z.object({ pipeline_id: z.uuid(), name: z.string(), stages: z.array(z.object({ stage_id: z.uuid(), name: z.string(), kind: z.string() })) }),
});

export const dealCreated = defineEvent({ type: 'crm.deal.created', version: 1, aggregateType: 'crm.deal', payload: dealSnapshotSchema });
export const dealUpdated = defineEvent({ type: 'crm.deal.updated', version: 1, aggregateType: 'crm.deal', payload: dealSnapshotSchema });
export const dealStageChanged = defineEvent({
  type: 'crm.deal.stage_changed',
  version: 1,
  aggregateType: 'crm.deal',
  payload: dealSnapshotSchema.extend({ from_stage_id: z.uuid(), to_stage_id: z.uuid() }),
});
export const dealWon = defineEvent({
  type: 'crm.deal.won',
  version: 1,
  aggregateType: 'crm.deal',
  payload: dealSnapshotSchema.extend({ reason: z.string().nullable() }),
});
export const dealLost = defineEvent({
  type: 'crm.deal.lost',
  version: 1,
  aggregateType: 'crm.deal',
  payload: dealSnapshotSchema.extend({ reason: z.string() }),
});
export const dealArchived = defineEvent({ type: 'crm.deal.archived', version: 1, aggregateType: 'crm.deal', payload: dealSnapshotSchema });

export const engagementCreated = defineEvent({ type: 'crm.engagement.created', version: 1, aggregateType: 'crm.engagement', payload: engagementSchema });
export const engagementUpdated = defineEvent({ type: 'crm.engagement.updated', version: 1, aggregateType: 'crm.engagement', payload: engagementSchema });

export const importRequested = defineEvent({
  type: 'crm.import.requested',
  version: 1,
  aggregateType: 'crm.import',
  payload: z.object({ import_id: z.uuid(), kind: z.enum(['clients', 'contacts']), total_rows: z.number().int(), total_chunks: z.number().int() }),
});
/** Emitted after each committed chunk; the import subscription reacts by processing `next_chunk`. */
export const importChunkProcessed = defineEvent({
  type: 'crm.import.chunk_processed',
  version: 1,
  aggregateType: 'crm.import',
  payload: z.object({ import_id: z.uuid(), chunk: z.number().int(), next_chunk: z.number().int(), rows_done: z.number().int(), total_rows: z.number().int() }),
});
export const importCompleted = defineEvent({
  type: 'crm.import.completed',
  version: 1,
  aggregateType: 'crm.import',
  payload: z.object({
    import_id: z.uuid(),
    kind: z.enum(['clients', 'contacts']),
    created_count: z.number().int(),
    duplicate_count: z.number().int(),
    error_count: z.number().int(),
  }),
});

/** A chunk exhausted its retries (dead-lettered): the import stops at `chunk` and says why. */
export const importFailed = defineEvent({
  type: 'crm.import.failed',
  version: 1,
  aggregateType: 'crm.import',
  payload: z.object({
    import_id: z.uuid(),
    kind: z.enum(['clients', 'contacts']),
    chunk: z.number().int(),
    rows_done: z.number().int(),
    total_rows: z.number().int(),
    error: z.string(),
  }),
});
/** The failed chunk was delivered again (a redriven dead letter): the import continues from it. */
export const importResumed = defineEvent({
  type: 'crm.import.resumed',
  version: 1,
  aggregateType: 'crm.import',
  payload: z.object({ import_id: z.uuid(), chunk: z.number().int() }),
});

// ---------------------------------------------------------------- DTOs (procedure outputs)

export const clientDto = z.object({
  id: z.uuid(),
  name: z.string(),
  domain: z.string().nullable(),
  website: z.string().nullable(),
  status: clientStatusSchema,
  ownerId: z.uuid().nullable(),
  tags: z.array(z.string()),
  customFields: customFieldValuesSchema,
  createdAt: z.date(),
  updatedAt: z.date(),
  archivedAt: z.date().nullable(),
  mergedInto: z.uuid().nullable(),
});
export type ClientDto = z.infer<typeof clientDto>;

export const relationshipDto = z.object({ clientId: z.uuid(), contactId: z.uuid(), role: z.string().nullable() });

export const contactDto = z.object({
  id: z.uuid(),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  title: z.string().nullable(),
  ownerId: z.uuid().nullable(),
  tags: z.array(z.string()),
  customFields: customFieldValuesSchema,
  relationships: z.array(relationshipDto),
  createdAt: z.date(),
  updatedAt: z.date(),
  archivedAt: z.date().nullable(),
  mergedInto: z.uuid().nullable(),
});
export type ContactDto = z.infer<typeof contactDto>;

export const noteDto = z.object({
  id: z.uuid(),
  subjectType: z.enum(['client', 'contact', 'deal']),
  subjectId: z.uuid(),
  clientId: z.uuid().nullable(),
  body: z.string(),
  authorId: z.uuid().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type NoteDto = z.infer<typeof noteDto>;

export const customFieldDto = z.object({
  id: z.uuid(),
  entity: customFieldEntitySchema,
  key: z.string(),
  label: z.string(),
  type: customFieldTypeSchema,
  options: z.array(z.string()),
  required: z.boolean(),
  position: z.number().int(),
});
export type CustomFieldDto = z.infer<typeof customFieldDto>;

export const stageDto = z.object({ id: z.uuid(), name: z.string(), position: z.number().int(), kind: z.enum(['open', 'won', 'lost']) });
export const pipelineDto = z.object({ id: z.uuid(), name: z.string(), isDefault: z.boolean(), stages: z.array(stageDto) });
export type PipelineDto = z.infer<typeof pipelineDto>;

export const dealDto = z.object({
  id: z.uuid(),
  clientId: z.uuid(),
  contactId: z.uuid().nullable(),
  pipelineId: z.uuid(),
  stageId: z.uuid(),
  rank: z.number(),
  title: z.string(),
  valueMinor: z.number().int(),
  currency: z.string(),
  expectedClose: z.string().nullable(),
  status: z.enum(['open', 'won', 'lost']),
  closeReason: z.string().nullable(),
  closedAt: z.date().nullable(),
  ownerId: z.uuid().nullable(),
  customFields: customFieldValuesSchema,
  projectTemplateId: z.uuid().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  archivedAt: z.date().nullable(),
});
export type DealDto = z.infer<typeof dealDto>;

export const engagementDto = z.object({
  id: z.uuid(),
  clientId: z.uuid(),
  dealId: z.uuid().nullable(),
  name: z.string(),
  projectIds: z.array(z.uuid()),
  invoiceIds: z.array(z.uuid()),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type EngagementDto = z.infer<typeof engagementDto>;

export const clientProfileDto = z.object({
  clientId: z.uuid(),
  name: z.string().nullable(),
  status: z.string().nullable(),
  archived: z.boolean(),
  mergedInto: z.uuid().nullable(),
  contacts: z.array(z.object({ id: z.uuid(), name: z.string(), email: z.string().nullable(), role: z.string().nullable() })),
  openDeals: z.array(z.object({ id: z.uuid(), title: z.string(), valueMinor: z.number().int(), currency: z.string(), stageId: z.uuid() })),
  openDealsCount: z.number().int(),
  activeProjectsCount: z.number().int(),
  openTaskCount: z.number().int(),
  lastActivityAt: z.date().nullable(),
});
export type ClientProfileDto = z.infer<typeof clientProfileDto>;

export const importDto = z.object({
  id: z.uuid(),
  kind: z.enum(['clients', 'contacts']),
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  fileName: z.string().nullable(),
  totalRows: z.number().int(),
  rowsDone: z.number().int(),
  createdCount: z.number().int(),
  duplicateCount: z.number().int(),
  errorCount: z.number().int(),
  errors: z.array(z.object({ row: z.number().int(), field: z.string().nullable(), message: z.string() })),
  /** Why a failed import stopped (the last error of the chunk that exhausted its retries). */
  error: z.string().nullable(),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
});
export type ImportDto = z.infer<typeof importDto>;

export const duplicateGroupDto = z.object({
  reason: z.enum(['email', 'domain', 'name', 'similar_name']),
  key: z.string(),
  score: z.number(),
  records: z.array(z.object({ id: z.uuid(), name: z.string(), detail: z.string().nullable() })),
});
export type DuplicateGroupDto = z.infer<typeof duplicateGroupDto>;

export const csvFileDto = z.object({ fileName: z.string(), contentType: z.literal('text/csv'), rows: z.number().int(), content: z.string() });
export type CsvFileDto = z.infer<typeof csvFileDto>;

export const tagCountDto = z.object({ tag: z.string(), clients: z.number().int(), contacts: z.number().int() });
export type TagCountDto = z.infer<typeof tagCountDto>;

export const dealBoardDto = z.object({ pipeline: pipelineDto, columns: z.array(z.object({ stageId: z.uuid(), deals: z.array(dealDto) })) });
export type DealBoardDto = z.infer<typeof dealBoardDto>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

// ---------------------------------------------------------------- procedure inputs

export const idInput = z.object({ id: z.uuid() });
const nameInput = z.string().trim().min(1, 'Enter a name').max(300);
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();
/** A host name once a pasted address is trimmed of scheme, www. and path: `acme.com`, `mail.acme.co.uk`. */
const domainPattern = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const domainInput = z
  .string()
  .trim()
  .max(253)
  .refine((value) => value === '' || domainPattern.test(normalizeDomain(value) ?? ''), 'Enter a domain such as acme.com')
  .nullable()
  .optional();
const tagsInput = z.array(z.string().trim().min(1).max(50)).max(50).optional();
const customFieldsInput = z.record(z.string(), z.unknown()).optional();

const listRecordsInput = z.object({
  archived: z.boolean().optional(),
  ownerId: z.uuid().optional(),
  tag: z.string().min(1).max(50).optional(),
  q: z.string().max(200).optional(),
  customField: z.object({ key: z.string().min(1).max(64), value: z.union([z.string().max(500), z.number(), z.boolean()]) }).optional(),
  sort: z.enum(['name', 'created_at', 'updated_at']).optional(),
  direction: z.enum(['asc', 'desc']).optional(),
  limit: z.number().int().min(1).max(100).optional(),
  cursor: z.string().max(500).optional(),
});

const clientFields = {
  name: nameInput,
  domain: domainInput,
  website: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .nullable()
    .optional(),
  status: clientStatusSchema.optional(),
  ownerId: z.uuid().nullable().optional(),
  tags: tagsInput,
  customFields: customFieldsInput,
};
export const createClientInput = z.object(clientFields);
export const updateClientInput = z.object({ id: z.uuid(), ...clientFields, name: nameInput.optional() });
export const listClientsInput = listRecordsInput.extend({ status: clientStatusSchema.optional() });

const contactFields = {
  name: nameInput,
  email: z.string().trim().max(320).pipe(z.email()).nullable().optional(),
  phone: optionalText(50),
  title: optionalText(200),
  ownerId: z.uuid().nullable().optional(),
  tags: tagsInput,
  customFields: customFieldsInput,
};
export const createContactInput = z.object({
  ...contactFields,
  clients: z
    .array(z.object({ clientId: z.uuid(), role: optionalText(100) }))
    .max(50)
    .optional(),
});
export const updateContactInput = z.object({ id: z.uuid(), ...contactFields, name: nameInput.optional() });
export const listContactsInput = listRecordsInput.extend({ clientId: z.uuid().optional() });
export const linkSuggestionsInput = z.object({ limit: z.number().int().min(1).max(100).optional() }).optional();
export const linkSuggestionDto = z.object({
  contactId: z.uuid(),
  contactName: z.string(),
  email: z.string().nullable(),
  clientId: z.uuid(),
  clientName: z.string(),
});
export type LinkSuggestionDto = z.infer<typeof linkSuggestionDto>;
export const linkClientInput = z.object({ contactId: z.uuid(), clientId: z.uuid(), role: optionalText(100) });
export const unlinkClientInput = z.object({ contactId: z.uuid(), clientId: z.uuid() });
export const mergeRecordsInput = z.object({ survivorId: z.uuid(), mergedId: z.uuid() });

const subjectType = z.enum(['client', 'contact', 'deal']);
const noteBody = z.string().trim().min(1, 'Write the note first').max(20_000);
export const createNoteInput = z.object({ subjectType, subjectId: z.uuid(), body: noteBody });
export const updateNoteInput = z.object({ id: z.uuid(), body: noteBody });
export const listNotesInput = z.object({
  subjectType,
  subjectId: z.uuid(),
  limit: z.number().int().min(1).max(100).optional(),
  cursor: z.string().max(500).optional(),
});

export const createCustomFieldInput = z.object({
  entity: customFieldEntitySchema,
  key: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'Use lower-case letters, digits and underscores'),
  label: z.string().trim().min(1).max(100),
  type: customFieldTypeSchema,
  options: z.array(z.string().trim().min(1).max(100)).max(200).optional(),
  required: z.boolean().optional(),
  position: z.number().int().min(0).max(10_000).optional(),
});
export const updateCustomFieldInput = z.object({
  id: z.uuid(),
  label: z.string().trim().min(1).max(100).optional(),
  options: z.array(z.string().trim().min(1).max(100)).max(200).optional(),
  required: z.boolean().optional(),
  position: z.number().int().min(0).max(10_000).optional(),
});
export const listCustomFieldsInput = z.object({ entity: customFieldEntitySchema.optional() }).optional();

const money = { valueMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), currency: currencySchema };

const dealFields = {
  contactId: z.uuid().nullable().optional(),
  title: z.string().trim().min(1).max(300),
  valueMinor: money.valueMinor.optional(),
  currency: money.currency,
  expectedClose: z.iso.date().nullable().optional(),
  ownerId: z.uuid().nullable().optional(),
  customFields: customFieldsInput,
  /** The project template a won deal opens (the deal-won workflow); null for none. */
  projectTemplateId: z.uuid().nullable().optional(),
};
export const createDealInput = z.object({ clientId: z.uuid(), stageId: z.uuid().optional(), ...dealFields });
export const updateDealInput = z.object({ id: z.uuid(), ...dealFields, title: dealFields.title.optional(), currency: money.currency.optional() });
export const listDealsInput = z.object({
  clientId: z.uuid().optional(),
  stageId: z.uuid().optional(),
  status: z.enum(['open', 'won', 'lost']).optional(),
  limit: z.number().int().min(1).max(100).optional(),
  cursor: z.string().max(500).optional(),
});
export const moveStageInput = z.object({
  id: z.uuid(),
  stageId: z.uuid(),
  position: z.number().int().min(0).max(100_000).optional(),
  reason: z.string().trim().min(1).max(1000).optional(),
});
export const markWonInput = z.object({ id: z.uuid(), reason: z.string().trim().min(1).max(1000).optional() });
export const markLostInput = z.object({ id: z.uuid(), reason: z.string().trim().min(1, 'Say why the deal was lost').max(1000) });
export const createEngagementInput = z.object({ clientId: z.uuid(), dealId: z.uuid().optional(), name: z.string().trim().min(1).max(300).optional() });
export const clientIdInput = z.object({ clientId: z.uuid() });
export const listDuplicatesInput = z.object({ kind: z.enum(['client', 'contact']), limit: z.number().int().min(1).max(100).optional() });
export const createImportInput = z.object({
  kind: z.enum(['clients', 'contacts']),
  fileName: z.string().trim().min(1).max(255).optional(),
  /** The CSV text (UTF-8), header row first. */
  csv: z.string().min(1).max(30_000_000),
  /** CSV column name -> field (`name`, `email`, `custom.<key>`, ...). Unmapped columns are ignored. */
  mapping: z.record(z.string().max(200), z.string().max(80)),
});
export const updateStagesInput = z.object({
  stages: z
    .array(z.object({ id: z.uuid().optional(), name: z.string().trim().min(1).max(100), kind: z.enum(['open', 'won', 'lost']) }))
    .min(3)
    .max(30),
});
export const exportClientsInput = listClientsInput.omit({ cursor: true, limit: true });
export const exportContactsInput = listContactsInput.omit({ cursor: true, limit: true });
