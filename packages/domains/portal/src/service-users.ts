import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import { userInvited, userRevoked, type InviteUserInput, type PortalUserDto } from './contracts.ts';
import type { PortalDB, UserRow } from './db.ts';
import * as repo from './repository.ts';
import { issueMagicLink, type LinkOrigin } from './service-auth.ts';

/**
 * Portal users (§3): contacts of a client that staff invite. The contact and its clients come
 * from the portal's own copy of crm's contact events, never from crm's tables.
 */

export function toUserDto(row: UserRow): PortalUserDto {
  return {
    id: row.id,
    clientId: row.client_id,
    contactId: row.contact_id,
    name: row.name,
    email: row.email,
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    lastAccessAt: row.last_access_at,
    revokedAt: row.revoked_at,
    status: row.revoked_at ? 'revoked' : 'active',
  };
}

/**
 * Invites a contact: creates its portal user, or returns the one it has (idempotent per
 * contact; a revoked one is made active again). Emails a sign-in link when `sendLink`.
 */
export async function inviteUser(ctx: DomainContext, input: InviteUserInput, origin: LinkOrigin): Promise<{ user: PortalUserDto; created: boolean }> {
  const db = ctx.db<PortalDB>();
  const contact = await repo.findContact(db, input.contactId);
  if (!contact || contact.archived) throw new NotFoundError('Contact', input.contactId);
  const email = contact.email?.trim().toLowerCase();
  if (!email)
    throw new DomainError('BAD_REQUEST', `${contact.name} has no email address. Add one to the contact first.`, [
      { path: ['contactId'], message: 'No email address', code: 'custom' },
    ]);
  const clientId = input.clientId ?? contact.client_ids[0];
  if (!clientId)
    throw new DomainError('BAD_REQUEST', `${contact.name} belongs to no client. Link the contact to a client first.`, [
      { path: ['contactId'], message: 'No client', code: 'custom' },
    ]);
  if (!contact.client_ids.includes(clientId)) {
    throw new DomainError('BAD_REQUEST', `${contact.name} is not a contact of that client.`, [
      { path: ['clientId'], message: 'Not a client of this contact', code: 'custom' },
    ]);
  }
  const organization = await repo.findOrganization(db, ctx.tenantId);
  if (!organization) throw new DomainError('PRECONDITION_FAILED', 'The portal address of this organization is still being set up. Try again in a moment.');
  const { user, created, reactivated } = await repo.upsertUser(db, {
    tenantId: ctx.tenantId,
    id: uuidv7(),
    clientId,
    contactId: contact.id,
    email,
    name: contact.name,
    invitedBy: ctx.actorId,
  });
  if (created || reactivated) {
    await ctx.emit(
      userInvited,
      {
        portal_user_id: user.id,
        client_id: user.client_id,
        contact_id: user.contact_id,
        name: user.name,
        email: user.email,
        invited_by: ctx.actorId,
        reinvited: reactivated,
      },
      { aggregateId: user.id },
    );
  }
  if (input.sendLink) await issueMagicLink(ctx, origin, { user, slug: organization.slug, organizationName: organization.name });
  return { user: toUserDto(user), created };
}

export async function listUsers(ctx: DomainContext, clientId: string | undefined): Promise<{ items: PortalUserDto[] }> {
  return { items: (await repo.listUsers(ctx.db<PortalDB>(), clientId)).map(toUserDto) };
}

/** Revokes a portal user: every session ends now, unused links stop working (consume checks the user). */
export async function revokeUser(ctx: DomainContext, portalUserId: string): Promise<PortalUserDto> {
  const db = ctx.db<PortalDB>();
  const revoked = await repo.revokeUser(db, portalUserId, ctx.actorId);
  if (!revoked) {
    const existing = await repo.findUser(db, portalUserId);
    if (!existing) throw new NotFoundError('Portal user', portalUserId);
    return toUserDto(existing);
  }
  const ended = await repo.endSessionsOfUser(db, portalUserId);
  await ctx.emit(
    userRevoked,
    {
      portal_user_id: revoked.id,
      client_id: revoked.client_id,
      contact_id: revoked.contact_id,
      name: revoked.name,
      email: revoked.email,
      revoked_by: ctx.actorId,
      sessions_ended: ended,
    },
    { aggregateId: revoked.id },
  );
  return toUserDto(revoked);
}
