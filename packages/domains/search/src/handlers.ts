import { tenantDb, type EventEnvelope, type HandlerContext, type Subscription } from '@ubos/platform';
import type { SearchDB } from './db.ts';
import { applyEvent, indexedEventTypes } from './indexer.ts';

/** Keeps search.documents in step with crm.* and projects.* events (upsert / delete / merge). */
export const indexDocuments: Subscription = {
  name: 'search.index-documents',
  events: indexedEventTypes,
  async handle(event: EventEnvelope, context: HandlerContext): Promise<void> {
    await applyEvent(tenantDb<SearchDB>(context), event);
  },
};

export const searchSubscriptions: readonly Subscription[] = [indexDocuments];
