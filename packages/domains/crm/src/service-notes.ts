import { NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import { noteArchived, noteCreated, noteUpdated, type NoteDto } from './contracts.ts';
import type { CrmDB } from './db.ts';
import { decodeCursor } from './normalize.ts';
import * as repo from './repository.ts';
import type { NoteRow } from './repository.ts';
import { paginate, type Page } from './service.ts';

/** Notes on a client, a contact or a deal, filed under the subject's client. */

export function toNoteDto(row: NoteRow): NoteDto {
  return {
    id: row.id,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    clientId: row.client_id,
    body: row.body,
    authorId: row.author_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function notePayload(row: NoteRow) {
  return { note_id: row.id, client_id: row.client_id, subject_type: row.subject_type, subject_id: row.subject_id, body: row.body };
}

/** The subject must exist in this tenant; returns the client the note is filed under. */
async function noteSubjectClient(ctx: DomainContext, subjectType: NoteRow['subject_type'], subjectId: string): Promise<string | null> {
  const db = ctx.db<CrmDB>();
  if (subjectType === 'client') {
    if (!(await repo.findClient(db, subjectId))) throw new NotFoundError('Client', subjectId);
    return subjectId;
  }
  if (subjectType === 'contact') {
    if (!(await repo.findContact(db, subjectId))) throw new NotFoundError('Contact', subjectId);
    return (await repo.relationshipsOfContacts(db, [subjectId]))[0]?.client_id ?? null;
  }
  const dealClientId = await repo.findDealClientId(db, subjectId);
  if (!dealClientId) throw new NotFoundError('Deal', subjectId);
  return dealClientId;
}

export async function createNote(ctx: DomainContext, input: { subjectType: NoteRow['subject_type']; subjectId: string; body: string }): Promise<NoteDto> {
  const clientId = await noteSubjectClient(ctx, input.subjectType, input.subjectId);
  // One clock for both: a new note's updated_at equals its created_at, so it does not read as edited.
  const now = new Date();
  const row = await repo.insertNote(ctx.db<CrmDB>(), {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    subject_type: input.subjectType,
    subject_id: input.subjectId,
    client_id: clientId,
    body: input.body,
    author_id: ctx.actorId,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  });
  await ctx.emit(noteCreated, notePayload(row), { aggregateId: row.id });
  return toNoteDto(row);
}

export async function updateNote(ctx: DomainContext, input: { id: string; body: string }): Promise<NoteDto> {
  const db = ctx.db<CrmDB>();
  if (!(await repo.findNote(db, input.id))) throw new NotFoundError('Note', input.id);
  const row = await repo.updateNote(db, input.id, { body: input.body });
  await ctx.emit(noteUpdated, notePayload(row), { aggregateId: row.id });
  return toNoteDto(row);
}

export async function archiveNote(ctx: DomainContext, id: string): Promise<NoteDto> {
  const db = ctx.db<CrmDB>();
  if (!(await repo.findNote(db, id))) throw new NotFoundError('Note', id);
  const row = await repo.updateNote(db, id, { deleted_at: new Date() });
  await ctx.emit(noteArchived, notePayload(row), { aggregateId: row.id });
  return toNoteDto(row);
}

export async function listNotes(
  ctx: DomainContext,
  input: { subjectType: NoteRow['subject_type']; subjectId: string; limit?: number | undefined; cursor?: string | undefined },
): Promise<Page<NoteDto>> {
  await noteSubjectClient(ctx, input.subjectType, input.subjectId);
  const limit = Math.min(input.limit ?? 50, 100);
  const order = `notes:${input.subjectType}:${input.subjectId}`;
  const rows = await repo.listNotes(ctx.db<CrmDB>(), input.subjectType, input.subjectId, limit, input.cursor ? decodeCursor(input.cursor, order) : undefined);
  return paginate(rows, limit, order, toNoteDto);
}
