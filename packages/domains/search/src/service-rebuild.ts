import {
  countOutbox,
  createDomainContext,
  createLogger,
  NotFoundError,
  readOutbox,
  uuidv7,
  withTenant,
  type Database,
  type DomainContext,
  type EventEnvelope,
  type Logger,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import {
  rebuildChunkProcessed,
  rebuildCompleted,
  rebuildFailed,
  rebuildRequested,
  rebuildResumed,
  type RebuildDto,
  type RebuildRequestDto,
} from './contracts.ts';
import type { SearchDB } from './db.ts';
import { applyEvent, indexedEventTypes } from './indexer.ts';
import * as repo from './repository.ts';
import * as rebuilds from './repository-rebuild.ts';
import type { RebuildRow } from './repository-rebuild.ts';

/**
 * Rebuilding a tenant's search documents by replay, as long work (docs/ENGINEERING.md):
 * `search.index.rebuild` records a queued row and emits search.rebuild.requested; the
 * search.rebuild subscription processes one chunk of outbox events per delivery, each in its own
 * transaction, and emits search.rebuild.chunk_processed to continue. Chunk 0 clears the tenant's
 * documents and counts the events to replay; every chunk replays the next events (oldest first,
 * through the same indexer as live delivery) and records progress; a short chunk completes it.
 *
 * - It replays up to the end of the outbox as it is when each chunk runs, so events written during
 *   the rebuild are replayed too (the live subscription also applies them; the indexer is
 *   idempotent and never lets an older event overwrite a newer document).
 * - One queued or running rebuild per tenant: a second request returns it (`started: false`).
 * - A chunk that exhausts its retries marks the rebuild failed (onDeadLetter) and a new request
 *   may start; redriving that dead letter resumes the failed rebuild where it stopped, unless a
 *   newer rebuild was requested meanwhile.
 * - While it runs, search answers from the partly rebuilt documents.
 */

export const REBUILD_CHUNK_EVENTS = 1_000;
const MAX_ERROR_LENGTH = 2_000;

export function toRebuildDto(row: RebuildRow): RebuildDto {
  return {
    id: row.id,
    status: row.status,
    eventsDone: row.events_done,
    eventsTotal: row.events_total,
    documents: row.documents,
    error: row.error,
    requestedBy: row.requested_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** Starts a rebuild of the caller's tenant, or returns the one already queued or running. */
export async function requestRebuild(ctx: DomainContext): Promise<RebuildRequestDto> {
  const db = ctx.db<SearchDB>();
  const inserted = await rebuilds.insertRebuildIfNone(db, { id: uuidv7(), tenant_id: ctx.tenantId, requested_by: ctx.actorId });
  if (!inserted) {
    const active = await rebuilds.findActiveRebuild(db);
    if (!active) throw new Error('A search rebuild was reported active but none was found');
    return { rebuild: toRebuildDto(active), started: false };
  }
  await ctx.emit(rebuildRequested, { rebuild_id: inserted.id }, { aggregateId: inserted.id });
  return { rebuild: toRebuildDto(inserted), started: true };
}

/** One rebuild by id, or the tenant's latest when no id is given (null when it never rebuilt). */
export async function getRebuild(ctx: DomainContext, id?: string): Promise<RebuildDto | null> {
  const db = ctx.db<SearchDB>();
  if (id === undefined) {
    const latest = await rebuilds.latestRebuild(db);
    return latest ? toRebuildDto(latest) : null;
  }
  const row = await rebuilds.findRebuild(db, id);
  if (!row) throw new NotFoundError('Search rebuild', id);
  return toRebuildDto(row);
}

/** The rebuild and chunk an event of the search.rebuild subscription asks for. */
export function rebuildTarget(event: EventEnvelope): { rebuildId: string; chunk: number } {
  if (event.type === rebuildRequested.type) return { rebuildId: rebuildRequested.payload.parse(event.payload).rebuild_id, chunk: 0 };
  const payload = rebuildChunkProcessed.payload.parse(event.payload);
  return { rebuildId: payload.rebuild_id, chunk: payload.next_chunk };
}

/**
 * Processes one chunk of a rebuild in the caller's tenant transaction (row locked for it).
 * `chunk` is the chunk the delivery carries: a stale or repeated delivery changes nothing. With
 * null (the CLI driving it) the next chunk is processed, whichever it is. Returns the row after.
 */
export async function processRebuildChunk(
  ctx: DomainContext,
  rebuildId: string,
  chunk: number | null,
  options: { chunkSize?: number } = {},
): Promise<RebuildRow | undefined> {
  const db = ctx.db<SearchDB>();
  let current = await rebuilds.findRebuild(db, rebuildId, { lock: true });
  if (!current || current.status === 'completed') return current;
  if (chunk !== null && current.next_chunk !== chunk) return current;
  const meta = { aggregateId: current.id };
  if (current.status === 'failed') {
    // Only a redelivery of the chunk it stopped at (a redriven dead letter) resumes it.
    if (chunk === null || (await rebuilds.hasNewerRebuild(db, current))) return current;
    current = await rebuilds.updateRebuild(db, current.id, { status: 'running', error: null, finished_at: null });
    await ctx.emit(rebuildResumed, { rebuild_id: current.id, chunk: current.next_chunk }, meta);
  }
  const size = options.chunkSize ?? REBUILD_CHUNK_EVENTS;
  const at = current.next_chunk;
  let total = current.events_total;
  if (at === 0) {
    await repo.deleteAllDocuments(db);
    total = await countOutbox(ctx.db(), { types: indexedEventTypes });
    current = await rebuilds.updateRebuild(db, current.id, { status: 'running', started_at: new Date(), events_total: total });
  }
  // The kernel reads the outbox in this same tenant transaction (RLS scopes it to the tenant).
  const rows = await readOutbox(ctx.db(), { types: indexedEventTypes, afterPosition: current.last_position, limit: size });
  for (const row of rows) await applyEvent(db, row.event);
  const done = current.events_done + rows.length;
  const last = rows.at(-1);
  const advanced = await rebuilds.updateRebuild(db, current.id, {
    status: 'running',
    next_chunk: at + 1,
    last_position: last ? last.position : current.last_position,
    events_done: done,
    events_total: Math.max(total, done),
  });
  if (rows.length < size) {
    const documents = await rebuilds.countDocuments(db);
    const completed = await rebuilds.updateRebuild(db, current.id, { status: 'completed', events_total: done, documents, finished_at: new Date() });
    await ctx.emit(rebuildCompleted, { rebuild_id: current.id, events_done: done, documents }, meta);
    return completed;
  }
  await ctx.emit(
    rebuildChunkProcessed,
    { rebuild_id: current.id, chunk: at, next_chunk: at + 1, events_done: advanced.events_done, events_total: advanced.events_total },
    meta,
  );
  return advanced;
}

/** Handler of the search.rebuild subscription. */
export async function processRebuildEvent(event: EventEnvelope, ctx: DomainContext): Promise<void> {
  const { rebuildId, chunk } = rebuildTarget(event);
  await processRebuildChunk(ctx, rebuildId, chunk);
}

/**
 * onDeadLetter of the search.rebuild subscription: the chunk this event asked for failed for
 * good, so the rebuild is marked failed with the error (and says so on the timeline) instead of
 * showing progress forever. A stale event (its chunk is not the one the rebuild waits for) changes nothing.
 */
export async function markRebuildFailed(ctx: DomainContext, event: EventEnvelope, message: string): Promise<void> {
  const { rebuildId, chunk } = rebuildTarget(event);
  const db = ctx.db<SearchDB>();
  const current = await rebuilds.findRebuild(db, rebuildId, { lock: true });
  if (!current || (current.status !== 'queued' && current.status !== 'running') || current.next_chunk !== chunk) return;
  const error = (message.trim() || 'The rebuild failed').slice(0, MAX_ERROR_LENGTH);
  await rebuilds.updateRebuild(db, current.id, { status: 'failed', error, finished_at: new Date() });
  await ctx.emit(rebuildFailed, { rebuild_id: current.id, chunk, error }, { aggregateId: current.id });
}

/**
 * Rebuilds a tenant's index synchronously, chunk by chunk (each chunk its own transaction), for the
 * CLI: requests a rebuild (or joins the one queued or running) and drives it to the end. A worker
 * that receives the same chunk events meanwhile finds them already done (row lock + next_chunk).
 */
export async function runRebuild(
  db: Database,
  options: { tenantId: string; correlationId: string; chunkSize?: number; log?: Logger; onProgress?: (rebuild: RebuildDto) => void },
): Promise<RebuildRequestDto> {
  const scope = { tenantId: options.tenantId };
  const log = options.log ?? createLogger({ level: 'silent' });
  const contextOf = (trx: Transaction<UntypedDB>) =>
    createDomainContext({ trx, tenantId: options.tenantId, actorId: null, correlationId: options.correlationId, log });
  const requested = await withTenant<UntypedDB, RebuildRequestDto>(db, scope, (trx) => requestRebuild(contextOf(trx)));
  let state = requested.rebuild;
  options.onProgress?.(state);
  while (state.status === 'queued' || state.status === 'running') {
    const row = await withTenant<UntypedDB, RebuildRow | undefined>(db, scope, (trx) =>
      processRebuildChunk(contextOf(trx), state.id, null, options.chunkSize ? { chunkSize: options.chunkSize } : {}),
    );
    if (!row) throw new Error(`Search rebuild ${state.id} disappeared`);
    state = toRebuildDto(row);
    options.onProgress?.(state);
  }
  return { rebuild: state, started: requested.started };
}
