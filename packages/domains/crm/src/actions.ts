import { defineAction, NotFoundError } from '@ubos/platform';
import { z } from 'zod';
import { clientStatusSchema } from './contracts.ts';
import type { CrmDB } from './db.ts';
import { normalizeCompanyName, normalizeDomain, normalizeEmail, normalizeTags } from './normalize.ts';
import * as repo from './repository.ts';
import { createClient, getClient, updateClient } from './service-clients.ts';
import { createContact, linkContact } from './service-contacts.ts';

/**
 * Workflow actions of the crm domain (ARCHITECTURE.md §3). The kit validates each input and
 * output and runs the action at most once per step key (`run_id:step_key`) in the step's tenant
 * transaction: a retried or replayed step returns the stored result and creates nothing new.
 */

const findOrCreateContactActionInput = z.object({
  email: z.string().trim().pipe(z.email()),
  name: z.string().trim().max(300).optional(),
  phone: z.string().trim().max(50).optional(),
});
const findOrCreateContactActionOutput = z.object({ contactId: z.uuid(), created: z.boolean() });

export const findOrCreateContactAction = defineAction({
  name: 'crm.findOrCreateContact',
  description: 'Match a contact by normalized email, or create it',
  input: findOrCreateContactActionInput,
  output: findOrCreateContactActionOutput,
  async run(input, ctx) {
    const email = normalizeEmail(input.email);
    const existing = email ? (await repo.findContactsByEmail(ctx.db<CrmDB>(), [email]))[0] : undefined;
    if (existing) return { contactId: existing.id, created: false };
    const contact = await createContact(ctx, { name: input.name || input.email, email: input.email, phone: input.phone ?? null });
    return { contactId: contact.id, created: true };
  },
});

const createClientActionInput = z.object({
  name: z.string().trim().min(1).max(300),
  domain: z.string().trim().max(253).optional(),
  website: z.url({ protocol: /^https?$/ }).optional(),
  status: clientStatusSchema.optional(),
  primaryContactId: z.uuid().optional(),
});
const createClientActionOutput = z.object({ clientId: z.uuid(), created: z.boolean() });

export const createClientAction = defineAction({
  name: 'crm.createClient',
  description: 'Match a client by domain or normalized name, or create it; link the primary contact',
  input: createClientActionInput,
  output: createClientActionOutput,
  async run(input, ctx) {
    const domain = normalizeDomain(input.domain ?? input.website);
    const nameKey = normalizeCompanyName(input.name);
    const matches = await repo.findClientsByDomainOrName(ctx.db<CrmDB>(), domain ? [domain] : [], nameKey ? [nameKey] : []);
    const match = matches.find((row) => domain && row.domain === domain) ?? matches.find((row) => row.name_normalized === nameKey);
    const clientId = match
      ? match.id
      : (await createClient(ctx, { name: input.name, domain: input.domain ?? null, website: input.website ?? null, status: input.status })).id;
    if (input.primaryContactId) await linkContact(ctx, { contactId: input.primaryContactId, clientId, role: 'primary' });
    return { clientId, created: !match };
  },
});

const updateClientStatusActionInput = z.object({ clientId: z.uuid(), status: clientStatusSchema });
const updateClientStatusActionOutput = z.object({ clientId: z.uuid(), status: clientStatusSchema });

export const updateClientStatusAction = defineAction({
  name: 'crm.updateClientStatus',
  description: 'Set a client lifecycle status (lead, active, past)',
  input: updateClientStatusActionInput,
  output: updateClientStatusActionOutput,
  async run(input, ctx) {
    const client = await updateClient(ctx, input.clientId, { status: input.status });
    return { clientId: client.id, status: client.status };
  },
});

const addTagActionInput = z.object({ clientId: z.uuid(), tag: z.string().trim().min(1).max(50) });
const addTagActionOutput = z.object({ clientId: z.uuid(), tags: z.array(z.string()) });

export const addTagAction = defineAction({
  name: 'crm.addTag',
  description: 'Add a tag to a client (no change when it already has it)',
  input: addTagActionInput,
  output: addTagActionOutput,
  async run(input, ctx) {
    const current = await getClient(ctx, input.clientId);
    if (current.archivedAt !== null || current.mergedInto !== null) throw new NotFoundError('Client', input.clientId);
    const tags = normalizeTags([...current.tags, input.tag]);
    if (tags.length === current.tags.length) return { clientId: current.id, tags: current.tags };
    const client = await updateClient(ctx, input.clientId, { tags });
    return { clientId: client.id, tags: client.tags };
  },
});

export const crmActions = [findOrCreateContactAction, createClientAction, updateClientStatusAction, addTagAction] as const;
