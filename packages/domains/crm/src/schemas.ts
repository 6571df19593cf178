import { z } from 'zod';
import { clientStatusSchema, currencySchema, customFieldEntitySchema, customFieldTypeSchema } from './contracts.ts';

/** Procedure input schemas (outputs are the DTOs in contracts.ts). */

export const idInput = z.object({ id: z.uuid() });
const name = z.string().trim().min(1, 'Required').max(300);
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();
const tags = z.array(z.string().trim().min(1).max(50)).max(50).optional();
const customFields = z.record(z.string(), z.unknown()).optional();

export const listInput = z.object({
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

export const clientFields = {
  name,
  domain: optionalText(253),
  website: z.url({ protocol: /^https?$/ }).max(2000).nullable().optional(),
  status: clientStatusSchema.optional(),
  ownerId: z.uuid().nullable().optional(),
  tags,
  customFields,
};
export const createClientInput = z.object(clientFields);
export const updateClientInput = z.object({ id: z.uuid(), ...clientFields, name: name.optional() });
export const listClientsInput = listInput.extend({ status: clientStatusSchema.optional() });

export const contactFields = {
  name,
  email: z.string().trim().max(320).pipe(z.email()).nullable().optional(),
  phone: optionalText(50),
  title: optionalText(200),
  ownerId: z.uuid().nullable().optional(),
  tags,
  customFields,
};
export const createContactInput = z.object({
  ...contactFields,
  clients: z.array(z.object({ clientId: z.uuid(), role: optionalText(100) })).max(50).optional(),
});
export const updateContactInput = z.object({ id: z.uuid(), ...contactFields, name: name.optional() });
export const listContactsInput = listInput.extend({ clientId: z.uuid().optional() });
export const linkInput = z.object({ contactId: z.uuid(), clientId: z.uuid(), role: optionalText(100) });
export const unlinkInput = z.object({ contactId: z.uuid(), clientId: z.uuid() });
export const mergeInput = z.object({ survivorId: z.uuid(), mergedId: z.uuid() });

const subjectType = z.enum(['client', 'contact', 'deal']);
export const createNoteInput = z.object({ subjectType, subjectId: z.uuid(), body: z.string().trim().min(1).max(20_000) });
export const updateNoteInput = z.object({ id: z.uuid(), body: z.string().trim().min(1).max(20_000) });
export const listNotesInput = z.object({ subjectType, subjectId: z.uuid(), limit: z.number().int().min(1).max(100).optional(), cursor: z.string().max(500).optional() });

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

export const money = { valueMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), currency: currencySchema };

const dealFields = {
  contactId: z.uuid().nullable().optional(),
  title: z.string().trim().min(1).max(300),
  valueMinor: money.valueMinor.optional(),
  currency: money.currency,
  expectedClose: z.iso.date().nullable().optional(),
  ownerId: z.uuid().nullable().optional(),
  customFields,
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
export const moveStageInput = z.object({ id: z.uuid(), stageId: z.uuid(), position: z.number().int().min(0).max(100_000).optional(), reason: z.string().trim().min(1).max(1000).optional() });
export const markWonInput = z.object({ id: z.uuid(), reason: z.string().trim().min(1).max(1000).optional() });
export const markLostInput = z.object({ id: z.uuid(), reason: z.string().trim().min(1, 'Required').max(1000) });
export const createEngagementInput = z.object({ clientId: z.uuid(), dealId: z.uuid().optional(), name: z.string().trim().min(1).max(300).optional() });
export const clientIdInput = z.object({ clientId: z.uuid() });
export const duplicatesInput = z.object({ kind: z.enum(['client', 'contact']), limit: z.number().int().min(1).max(100).optional() });
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
