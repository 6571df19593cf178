import { NotFoundError, withIdempotency, type ActionContext, type ActionDefinition } from '@ubos/platform';
import { z } from 'zod';
import { clientStatusSchema } from './contracts.ts';
import { normalizeCompanyName, normalizeDomain, normalizeEmail, normalizeTags } from './normalize.ts';
import * as repo from './repository.ts';
import { createClient, createContact, dbOf, getClient, linkContact, updateClient, type ServiceContext } from './service.ts';

/**
 * Workflow actions of the crm domain. Each runs inside withIdempotency with the step's key
 * (`run_id:step_key`), in the step's tenant transaction: a retried or replayed step returns the
 * stored result and creates nothing new.
 */

function serviceContext(context: ActionContext): ServiceContext {
  return { trx: context.trx, eventMeta: context.eventMeta };
}

function once<T>(context: ActionContext, scope: string, run: () => Promise<T>): Promise<T> {
  return withIdempotency(context.trx, { tenantId: context.tenantId, scope, key: context.idempotencyKey }, run);
}

const findOrCreateContactInput = z.object({
  email: z.string().trim().pipe(z.email()),
  name: z.string().trim().max(300).optional(),
  phone: z.string().trim().max(50).optional(),
});
const findOrCreateContactOutput = z.object({ contactId: z.uuid(), created: z.boolean() });

export const findOrCreateContactAction: ActionDefinition<z.input<typeof findOrCreateContactInput>, z.infer<typeof findOrCreateContactOutput>> = {
  name: 'crm.findOrCreateContact',
  description: 'Match a contact by normalized email, or create it',
  input: findOrCreateContactInput,
  output: findOrCreateContactOutput,
  run: (raw, context) =>
    once(context, 'crm.findOrCreateContact', async () => {
      const input = findOrCreateContactInput.parse(raw);
      const ctx = serviceContext(context);
      const email = normalizeEmail(input.email);
      const existing = email ? (await repo.findContactsByEmail(dbOf(ctx), [email]))[0] : undefined;
      if (existing) return { contactId: existing.id, created: false };
      const contact = await createContact(ctx, { name: input.name || input.email, email: input.email, phone: input.phone ?? null });
      return { contactId: contact.id, created: true };
    }),
};

const createClientInput = z.object({
  name: z.string().trim().min(1).max(300),
  domain: z.string().trim().max(253).optional(),
  website: z.url({ protocol: /^https?$/ }).optional(),
  status: clientStatusSchema.optional(),
  primaryContactId: z.uuid().optional(),
});
const createClientOutput = z.object({ clientId: z.uuid(), created: z.boolean() });

export const createClientAction: ActionDefinition<z.input<typeof createClientInput>, z.infer<typeof createClientOutput>> = {
  name: 'crm.createClient',
  description: 'Match a client by domain or normalized name, or create it; link the primary contact',
  input: createClientInput,
  output: createClientOutput,
  run: (raw, context) =>
    once(context, 'crm.createClient', async () => {
      const input = createClientInput.parse(raw);
      const ctx = serviceContext(context);
      const domain = normalizeDomain(input.domain ?? input.website);
      const nameKey = normalizeCompanyName(input.name);
      const matches = await repo.findClientsByDomainOrName(dbOf(ctx), domain ? [domain] : [], nameKey ? [nameKey] : []);
      const match = matches.find((row) => domain && row.domain === domain) ?? matches.find((row) => row.name_normalized === nameKey);
      const clientId = match ? match.id : (await createClient(ctx, { name: input.name, domain: input.domain ?? null, website: input.website ?? null, status: input.status })).id;
      if (input.primaryContactId) await linkContact(ctx, { contactId: input.primaryContactId, clientId, role: 'primary' });
      return { clientId, created: !match };
    }),
};

const updateClientStatusInput = z.object({ clientId: z.uuid(), status: clientStatusSchema });
const updateClientStatusOutput = z.object({ clientId: z.uuid(), status: clientStatusSchema });

export const updateClientStatusAction: ActionDefinition<z.input<typeof updateClientStatusInput>, z.infer<typeof updateClientStatusOutput>> = {
  name: 'crm.updateClientStatus',
  description: 'Set a client lifecycle status (lead, active, past)',
  input: updateClientStatusInput,
  output: updateClientStatusOutput,
  run: (raw, context) =>
    once(context, 'crm.updateClientStatus', async () => {
      const input = updateClientStatusInput.parse(raw);
      const client = await updateClient(serviceContext(context), input.clientId, { status: input.status });
      return { clientId: client.id, status: client.status };
    }),
};

const addTagInput = z.object({ clientId: z.uuid(), tag: z.string().trim().min(1).max(50) });
const addTagOutput = z.object({ clientId: z.uuid(), tags: z.array(z.string()) });

export const addTagAction: ActionDefinition<z.input<typeof addTagInput>, z.infer<typeof addTagOutput>> = {
  name: 'crm.addTag',
  description: 'Add a tag to a client (no change when it already has it)',
  input: addTagInput,
  output: addTagOutput,
  run: (raw, context) =>
    once(context, 'crm.addTag', async () => {
      const input = addTagInput.parse(raw);
      const ctx = serviceContext(context);
      const current = await getClient(ctx, input.clientId);
      if (current.archivedAt !== null || current.mergedInto !== null) throw new NotFoundError('Client', input.clientId);
      const tags = normalizeTags([...current.tags, input.tag]);
      if (tags.length === current.tags.length) return { clientId: current.id, tags: current.tags };
      const client = await updateClient(ctx, input.clientId, { tags });
      return { clientId: client.id, tags: client.tags };
    }),
};

export const crmActions = [findOrCreateContactAction, createClientAction, updateClientStatusAction, addTagAction] as const;
