import type { Subscription } from '@ubos/platform';
import { organizationCreated } from '@ubos/identity/contracts';
import type { FilesDB } from './db.ts';
import { upsertOrganizationName } from './repository.ts';

/**
 * Event subscriptions of the files domain (ARCHITECTURE.md §5). Handlers parse another domain's
 * event through that domain's contract and are idempotent.
 */

/** Keeps the organization's name for the public file-request page (files reads only its own schema). */
export const recordOrganizationName: Subscription = {
  name: 'files.organization-names',
  events: [organizationCreated.type],
  async handle(event, ctx) {
    const payload = organizationCreated.payload.parse(event.payload);
    await upsertOrganizationName(ctx.db<FilesDB>(), event.tenant_id, payload.name);
  },
};

export const filesSubscriptions: readonly Subscription[] = [recordOrganizationName];
