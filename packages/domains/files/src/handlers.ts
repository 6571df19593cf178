import type { Subscription } from '@ubos/platform';

/**
 * Event subscriptions of the files domain (ARCHITECTURE.md §5). None yet. A handler parses
 * another domain's event through that domain's contract (`@ubos/<other>/contracts`), must be
 * idempotent, and may only subscribe to event types some module publishes (checked at boot).
 */
export const filesSubscriptions: readonly Subscription[] = [];
