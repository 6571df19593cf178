// Public contracts of the search domain: event and DTO schemas other packages may import.
import { defineEvent } from '@ubos/platform';
import { z } from 'zod';

export const searchableTypes = [
  'client',
  'contact',
  'deal',
  'project',
  'task',
  'file',
  'email_thread',
  'approval',
  'appointment',
  'portal_user',
  'proposal',
  'contract',
  'invoice',
  'bill',
  'vendor',
] as const;
export const searchableTypeSchema = z.enum(searchableTypes);
export type SearchableType = z.infer<typeof searchableTypeSchema>;

export const searchQueryInput = z.object({
  q: z.string().trim().min(1).max(200),
  limit: z.number().int().min(1).max(100).default(20),
  types: z.array(searchableTypeSchema).min(1).max(searchableTypes.length).optional(),
});
export type SearchQueryInput = z.infer<typeof searchQueryInput>;

export const searchHitDto = z.object({
  type: searchableTypeSchema,
  id: z.uuid(),
  title: z.string(),
  subtitle: z.string().nullable(),
  clientId: z.uuid().nullable(),
  parentId: z.uuid().nullable(),
  score: z.number(),
});
export type SearchHit = z.infer<typeof searchHitDto>;

export const searchResultDto = z.object({
  /** Groups ordered by their best hit; hits within a group by score. */
  groups: z.array(z.object({ type: searchableTypeSchema, hits: z.array(searchHitDto) })),
  total: z.number().int(),
});
export type SearchResult = z.infer<typeof searchResultDto>;

// ---------------------------------------------------------------- index rebuild (long work)

export const rebuildStatuses = ['queued', 'running', 'completed', 'failed'] as const;
export const rebuildStatusSchema = z.enum(rebuildStatuses);
export type RebuildStatus = z.infer<typeof rebuildStatusSchema>;

/** An admin asked for the tenant's documents to be rebuilt from its retained outbox. */
export const rebuildRequested = defineEvent({
  type: 'search.rebuild.requested',
  version: 1,
  aggregateType: 'search.rebuild',
  payload: z.object({ rebuild_id: z.uuid() }),
});
/** Emitted after each committed chunk; the rebuild subscription reacts by processing `next_chunk`. */
export const rebuildChunkProcessed = defineEvent({
  type: 'search.rebuild.chunk_processed',
  version: 1,
  aggregateType: 'search.rebuild',
  payload: z.object({
    rebuild_id: z.uuid(),
    chunk: z.number().int(),
    next_chunk: z.number().int(),
    events_done: z.number().int(),
    events_total: z.number().int(),
  }),
});
export const rebuildCompleted = defineEvent({
  type: 'search.rebuild.completed',
  version: 1,
  aggregateType: 'search.rebuild',
  payload: z.object({ rebuild_id: z.uuid(), events_done: z.number().int(), documents: z.number().int() }),
});
/** A chunk exhausted its retries (dead-lettered): the rebuild stops and says why. */
export const rebuildFailed = defineEvent({
  type: 'search.rebuild.failed',
  version: 1,
  aggregateType: 'search.rebuild',
  payload: z.object({ rebuild_id: z.uuid(), chunk: z.number().int(), error: z.string() }),
});
/** The dead-lettered chunk was redriven: the failed rebuild continues where it stopped. */
export const rebuildResumed = defineEvent({
  type: 'search.rebuild.resumed',
  version: 1,
  aggregateType: 'search.rebuild',
  payload: z.object({ rebuild_id: z.uuid(), chunk: z.number().int() }),
});

/** Every event search publishes (the module's `events`). */
export const searchEvents = [rebuildRequested, rebuildChunkProcessed, rebuildCompleted, rebuildFailed, rebuildResumed] as const;

export const rebuildDto = z.object({
  id: z.uuid(),
  status: rebuildStatusSchema,
  /** Outbox events replayed so far, and how many the tenant's retained outbox held when it started. */
  eventsDone: z.number().int(),
  eventsTotal: z.number().int(),
  /** Documents after completion (null until then). */
  documents: z.number().int().nullable(),
  error: z.string().nullable(),
  requestedBy: z.uuid().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});
export type RebuildDto = z.infer<typeof rebuildDto>;

export const rebuildRequestDto = z.object({
  rebuild: rebuildDto,
  /** False when a rebuild was already queued or running: that one is returned, nothing new starts. */
  started: z.boolean(),
});
export type RebuildRequestDto = z.infer<typeof rebuildRequestDto>;

export const rebuildStatusInput = z.object({ id: z.uuid().optional() });
