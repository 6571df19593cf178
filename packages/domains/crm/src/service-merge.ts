import { DomainError, NotFoundError, type DomainContext } from '@ubos/platform';
import { clientMerged, clientUpdated, contactMerged, contactUpdated, type ClientDto, type ContactDto, type DuplicateGroupDto } from './contracts.ts';
import { normalizeTags } from './normalize.ts';
import * as repo from './repository.ts';
import * as deals from './repository-deals.ts';
import type { CrmDB } from './db.ts';
import { clientSnapshot, toClientDto } from './service-clients.ts';
import { contactSnapshot, toContactDto } from './service-contacts.ts';

/** Duplicate detection and merge: the survivor keeps its id, the loser is soft-deleted with merged_into. */

export async function listDuplicates(ctx: DomainContext, input: { kind: 'client' | 'contact'; limit?: number | undefined }): Promise<DuplicateGroupDto[]> {
  const limit = Math.min(input.limit ?? 50, 100);
  if (input.kind === 'contact') return repo.contactDuplicateGroups(ctx.db<CrmDB>(), limit);
  return repo.clientDuplicateGroups(ctx.db<CrmDB>(), limit, 0.6, 50);
}

function checkPair(survivorId: string, mergedId: string): void {
  if (survivorId === mergedId) {
    throw new DomainError('BAD_REQUEST', 'A record cannot be merged into itself', [{ path: ['mergedId'], message: 'Must differ from survivorId' }]);
  }
}

export async function mergeClients(ctx: DomainContext, input: { survivorId: string; mergedId: string }): Promise<ClientDto> {
  checkPair(input.survivorId, input.mergedId);
  const db = ctx.db<CrmDB>();
  // Lock in id order so two opposite merges cannot deadlock.
  const [firstId, secondId] = [input.survivorId, input.mergedId].sort() as [string, string];
  const locked = [await repo.findClient(db, firstId, { lock: true }), await repo.findClient(db, secondId, { lock: true })];
  const survivor = locked.find((row) => row?.id === input.survivorId);
  const merged = locked.find((row) => row?.id === input.mergedId);
  if (!survivor) throw new NotFoundError('Client', input.survivorId);
  if (!merged) throw new NotFoundError('Client', input.mergedId);

  await repo.moveClientRelationships(db, merged.id, survivor.id);
  await repo.moveNotes(db, 'client', merged.id, survivor.id);
  await deals.moveClientDeals(db, merged.id, survivor.id);
  await deals.moveClientEngagements(db, merged.id, survivor.id);
  await repo.updateClient(db, merged.id, { deleted_at: new Date(), merged_into: survivor.id });
  const updated = await repo.updateClient(db, survivor.id, {
    domain: survivor.domain ?? merged.domain,
    website: survivor.website ?? merged.website,
    owner_id: survivor.owner_id ?? merged.owner_id,
    tags: normalizeTags([...survivor.tags, ...merged.tags]),
    custom_fields: JSON.stringify({ ...merged.custom_fields, ...survivor.custom_fields }),
  });
  const meta = { aggregateId: survivor.id };
  await ctx.emit(clientMerged, { survivor_id: survivor.id, merged_id: merged.id, client_id: survivor.id }, meta);
  await ctx.emit(clientUpdated, clientSnapshot(updated), meta);
  return toClientDto(updated);
}

export async function mergeContacts(ctx: DomainContext, input: { survivorId: string; mergedId: string }): Promise<ContactDto> {
  checkPair(input.survivorId, input.mergedId);
  const db = ctx.db<CrmDB>();
  const [firstId, secondId] = [input.survivorId, input.mergedId].sort() as [string, string];
  const locked = [await repo.findContact(db, firstId, { lock: true }), await repo.findContact(db, secondId, { lock: true })];
  const survivor = locked.find((row) => row?.id === input.survivorId);
  const merged = locked.find((row) => row?.id === input.mergedId);
  if (!survivor) throw new NotFoundError('Contact', input.survivorId);
  if (!merged) throw new NotFoundError('Contact', input.mergedId);

  await repo.moveContactRelationships(db, merged.id, survivor.id);
  await repo.moveNotes(db, 'contact', merged.id, survivor.id);
  await deals.moveContactDeals(db, merged.id, survivor.id);
  await repo.updateContact(db, merged.id, { deleted_at: new Date(), merged_into: survivor.id });
  const updated = await repo.updateContact(db, survivor.id, {
    email: survivor.email ?? merged.email,
    email_normalized: survivor.email_normalized ?? merged.email_normalized,
    phone: survivor.phone ?? merged.phone,
    title: survivor.title ?? merged.title,
    owner_id: survivor.owner_id ?? merged.owner_id,
    tags: normalizeTags([...survivor.tags, ...merged.tags]),
    custom_fields: JSON.stringify({ ...merged.custom_fields, ...survivor.custom_fields }),
  });
  const relationships = await repo.relationshipsOfContacts(db, [survivor.id]);
  const snapshot = contactSnapshot(updated, relationships);
  const meta = { aggregateId: survivor.id };
  await ctx.emit(
    contactMerged,
    { survivor_id: survivor.id, merged_id: merged.id, contact_id: survivor.id, client_id: snapshot.client_id, client_ids: snapshot.client_ids },
    meta,
  );
  await ctx.emit(contactUpdated, snapshot, meta);
  return toContactDto(updated, relationships);
}
