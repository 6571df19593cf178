import type { DomainContext } from '@ubos/platform';
import type { PortalDB } from './db.ts';
import * as repo from './repository-merges.ts';
import { revokeUser } from './service-users.ts';

/**
 * crm merges applied to the portal (README "crm merges"). A client merge re-points every copy,
 * portal users included, to the survivor, so the survivor's portal users see the merged client's
 * projects, shared folders and approvals, and the merged client's users keep signing in, now as the
 * survivor's. A contact merge moves the merged contact's portal user to the survivor, unless the
 * survivor has one already: then the merged contact's is revoked (its sessions end), so one person
 * does not keep two sign-ins.
 */

export async function applyClientMerge(ctx: DomainContext, input: { survivorId: string; mergedId: string }): Promise<void> {
  await repo.applyClientMerge(ctx.db<PortalDB>(), { tenantId: ctx.tenantId, ...input });
}

export async function applyContactMerge(
  ctx: DomainContext,
  input: { survivorId: string; mergedId: string; clientId: string | null; clientIds: readonly string[] },
): Promise<void> {
  const db = ctx.db<PortalDB>();
  const users = await repo.usersOfContacts(db, [input.survivorId, input.mergedId]);
  const merged = users.find((user) => user.contact_id === input.mergedId);
  const survivor = users.find((user) => user.contact_id === input.survivorId);
  if (merged && !survivor) {
    const clientId = input.clientIds.includes(merged.client_id) ? merged.client_id : (input.clientId ?? merged.client_id);
    await repo.moveUserToContact(db, { portalUserId: merged.id, fromContactId: input.mergedId, toContactId: input.survivorId, clientId });
  } else if (merged && survivor && merged.revoked_at === null) {
    await revokeUser(ctx, merged.id);
  }
  await repo.archiveContact(db, input.mergedId);
}
