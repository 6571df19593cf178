import { tenantDb, type EventEnvelope, type HandlerContext, type Subscription } from '@ubos/platform';
import type { SearchDB } from './db.ts';
import { applyEvent, indexedEventTypes } from './indexer.ts';

/** Keeps search.documents in step with crm.* and projects.* events (upsert / delete / merge). */
export const indexDocuments: Subscription = {
  name: 'search.index-documents',
  events: indexedEventTypes,
  async handle(event: EventEnvelope, context: HandlerContext): Promise<void> {
    const outcome = await applyEvent(tenantDb<SearchDB>(context), event);
    // A payload search cannot read means a publisher's contract drifted: say so, don't retry forever.
    if (outcome === 'unreadable') context.log.warn({ event: event.id, type: event.type }, 'search could not read this event payload');
  },
};

export const searchSubscriptions: readonly Subscription[] = [indexDocuments];
