import type { EventEnvelope, HandlerContext, Subscription } from '@ubos/platform';
import { rebuildChunkProcessed, rebuildRequested } from './contracts.ts';
import type { SearchDB } from './db.ts';
import { applyEvent, indexedEventTypes } from './indexer.ts';
import { markRebuildFailed, processRebuildEvent } from './service-rebuild.ts';

/** Keeps search.documents in step with crm.* and projects.* events (upsert / delete / merge). */
export const indexDocuments: Subscription = {
  name: 'search.index-documents',
  events: indexedEventTypes,
  async handle(event: EventEnvelope, ctx: HandlerContext): Promise<void> {
    const outcome = await applyEvent(ctx.db<SearchDB>(), event);
    // A payload search cannot read means a publisher's contract drifted: say so, don't retry forever.
    if (outcome === 'unreadable') ctx.log.warn({ event: event.id, type: event.type }, 'search could not read this event payload');
  },
};

/** Index rebuilds (service-rebuild.ts): one chunk of replayed outbox events per delivery, each in its own transaction. */
export const rebuildIndex: Subscription = {
  name: 'search.rebuild',
  events: [rebuildRequested.type, rebuildChunkProcessed.type],
  retryLimit: 5,
  timeoutSeconds: 300,
  handle: processRebuildEvent,
  // A chunk that keeps failing marks the rebuild failed, so it does not show progress forever.
  onDeadLetter: (event, failure, ctx) => markRebuildFailed(ctx, event, failure.message),
};

export const searchSubscriptions: readonly Subscription[] = [indexDocuments, rebuildIndex];
