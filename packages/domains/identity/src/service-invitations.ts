import { DomainError, NotFoundError, sendSystemMail, uuidv7, withTenant, type Context, type TenantContext } from '@ubos/platform';
import type { z } from 'zod';
import {
  memberInvited,
  invitationRevoked,
  memberJoined,
  sessionStarted,
  userCreated,
  type AcceptWithSignUpInput,
  type AuthResultDto,
  type InvitationDto,
  type OrganizationDto,
  type createdInvitationDto,
  type invitationPreviewDto,
} from './contracts.ts';
import type { IdentityDB } from './db.ts';
import { hashPassword } from './passwords.ts';
import * as repo from './repository.ts';
import { publicBase } from './service-password-reset.ts';
import { domainContextOf, type AuthedContext } from './service.ts';
import { createSession, evictSessions, generateToken, hashToken, setSessionCookie } from './sessions.ts';

export const INVITATION_TTL_SECONDS = 7 * 86_400;
const INVALID_INVITATION = 'This invitation is invalid or has expired';

function statusOf(row: repo.InvitationRow, now: number = Date.now()): InvitationDto['status'] {
  if (row.accepted_at) return 'accepted';
  if (row.revoked_at) return 'revoked';
  if (row.expires_at.getTime() <= now) return 'expired';
  return 'pending';
}

function toDto(row: repo.InvitationRow): InvitationDto {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    status: statusOf(row),
    invitedBy: row.invited_by,
    expiresAt: row.expires_at.toISOString(),
    createdAt: row.created_at.toISOString(),
  };
}

export function acceptUrl(ctx: Pick<Context, 'config'>, token: string): string {
  const base = (ctx.config.PUBLIC_URL ?? '').replace(/\/+$/, '');
  // In the fragment: never sent to a server, never in a Referer header or an access log.
  return `${base}/accept-invitation#token=${token}`;
}

export async function createInvitation(
  ctx: TenantContext,
  input: { email: string; role: InvitationDto['role'] },
): Promise<z.infer<typeof createdInvitationDto>> {
  const trx = ctx.domain.db<IdentityDB>();
  const { tenantId } = ctx.tenant;
  if (input.role === 'owner' && ctx.tenant.role !== 'owner') {
    throw new DomainError('FORBIDDEN', 'Only an owner can invite an owner');
  }
  if (await repo.findMemberByEmail(trx, tenantId, input.email)) {
    throw new DomainError('CONFLICT', 'This person is already a member', [{ path: ['email'], message: 'Already a member' }]);
  }
  await repo.revokePendingInvitationsFor(trx, tenantId, input.email);
  const token = generateToken();
  const row = await repo.insertInvitation(trx, {
    id: uuidv7(),
    tenantId,
    email: input.email,
    role: input.role,
    tokenHash: hashToken(token),
    invitedBy: ctx.tenant.userId,
    ttlSeconds: INVITATION_TTL_SECONDS,
  });
  await ctx.domain.emit(
    memberInvited,
    { invitation_id: row.id, email: row.email, role: row.role, invited_by: ctx.tenant.userId, expires_at: row.expires_at.toISOString() },
    { aggregateId: row.id },
  );
  // Emailed (the copy-link flow stays): the email needs an absolute link, the copied one follows PUBLIC_URL as before.
  const organizationName = (await repo.findTenantName(trx, tenantId)) ?? 'UBOS';
  await sendSystemMail(ctx.domain, {
    to: { email: row.email },
    template: 'invitation',
    data: {
      inviterName: ctx.session.name,
      roleLabel: ROLE_LABELS[row.role],
      acceptUrl: `${publicBase(ctx.config)}/accept-invitation#token=${token}`,
      expiresAt: row.expires_at.toISOString(),
    },
    brand: { name: organizationName },
  });
  return { invitation: toDto(row), token, acceptUrl: acceptUrl(ctx, token) };
}

const ROLE_LABELS: Record<InvitationDto['role'], string> = { owner: 'an owner', admin: 'an admin', member: 'a member', viewer: 'a viewer' };

export async function listInvitations(ctx: TenantContext): Promise<InvitationDto[]> {
  const rows = await repo.listInvitations(ctx.domain.db<IdentityDB>(), ctx.tenant.tenantId);
  return rows.map(toDto);
}

export async function revokeInvitation(ctx: TenantContext, invitationId: string): Promise<InvitationDto> {
  const trx = ctx.domain.db<IdentityDB>();
  const row = await repo.findInvitationForUpdate(trx, ctx.tenant.tenantId, invitationId);
  if (!row) throw new NotFoundError('Invitation', invitationId);
  if (row.accepted_at) throw new DomainError('PRECONDITION_FAILED', 'This invitation was already accepted');
  if (row.revoked_at) return toDto(row);
  await repo.markInvitationRevoked(trx, row.id);
  await ctx.domain.emit(invitationRevoked, { invitation_id: row.id, email: row.email, revoked_by: ctx.tenant.userId }, { aggregateId: row.id });
  return toDto({ ...row, revoked_at: new Date() });
}

/** Finds a usable invitation by its token (through the SECURITY DEFINER lookup). */
async function usableInvitation(ctx: Context, token: string): Promise<repo.InvitationLookup> {
  const found = await repo.lookupInvitationByTokenHash(ctx.db.as<IdentityDB>(), hashToken(token));
  if (!found || found.accepted_at || found.revoked_at || found.expires_at.getTime() <= Date.now()) {
    throw new DomainError('NOT_FOUND', INVALID_INVITATION);
  }
  return found;
}

export async function previewInvitation(ctx: Context, token: string): Promise<z.infer<typeof invitationPreviewDto>> {
  const invitation = await usableInvitation(ctx, token);
  return { organizationName: invitation.organization_name, email: invitation.email, role: invitation.role, expiresAt: invitation.expires_at.toISOString() };
}

export async function acceptInvitation(ctx: AuthedContext, token: string): Promise<OrganizationDto> {
  const { session } = ctx;
  const invitation = await usableInvitation(ctx, token);
  if (invitation.email.toLowerCase() !== session.email.toLowerCase()) {
    throw new DomainError('FORBIDDEN', 'This invitation was sent to a different email address');
  }
  const tenantId = invitation.tenant_id;
  await withTenant<IdentityDB, void>(ctx.db, { tenantId, userId: session.userId }, async (trx) => {
    if (await repo.findMembership(trx, tenantId, session.userId)) {
      throw new DomainError('CONFLICT', 'You are already a member of this organization');
    }
    if (!(await repo.consumeInvitation(trx, tenantId, invitation.id, session.userId))) throw new DomainError('NOT_FOUND', INVALID_INVITATION);
    const membershipId = uuidv7();
    await repo.insertMembership(trx, { id: membershipId, tenantId, userId: session.userId, role: invitation.role });
    await repo.setSessionActiveTenant(trx, session.sessionId, tenantId);
    await domainContextOf(ctx, trx, tenantId, session.userId).emit(
      memberJoined,
      { membership_id: membershipId, user_id: session.userId, role: invitation.role, via: 'invitation', invitation_id: invitation.id },
      { aggregateId: membershipId },
    );
  });
  await evictSessions(ctx.cache, [session.sessionId]);
  return { id: tenantId, name: invitation.organization_name, role: invitation.role };
}

export async function acceptWithSignUp(ctx: Context, input: AcceptWithSignUpInput): Promise<AuthResultDto> {
  const invitation = await usableInvitation(ctx, input.token);
  if (await repo.findUserByEmail(ctx.db.as<IdentityDB>(), invitation.email)) {
    throw new DomainError('CONFLICT', 'An account with this email already exists: sign in to accept the invitation');
  }
  const passwordHash = await hashPassword(input.password);
  const userId = uuidv7();
  const membershipId = uuidv7();
  const tenantId = invitation.tenant_id;
  const session = await withTenant<IdentityDB, Awaited<ReturnType<typeof createSession>>>(ctx.db, { tenantId, userId }, async (trx) => {
    await repo.insertUser(trx, { id: userId, email: invitation.email, name: input.name, passwordHash });
    if (!(await repo.consumeInvitation(trx, tenantId, invitation.id, userId))) throw new DomainError('NOT_FOUND', INVALID_INVITATION);
    await repo.insertMembership(trx, { id: membershipId, tenantId, userId, role: invitation.role });
    const created = await createSession(trx, { userId, activeTenantId: tenantId, config: ctx.config, ip: ctx.ip, userAgent: ctx.userAgent });
    const domain = domainContextOf(ctx, trx, tenantId, userId);
    await domain.emit(userCreated, { user_id: userId, email: invitation.email, name: input.name }, { aggregateId: userId });
    await domain.emit(
      memberJoined,
      { membership_id: membershipId, user_id: userId, role: invitation.role, via: 'invitation', invitation_id: invitation.id },
      { aggregateId: membershipId },
    );
    await domain.emit(sessionStarted, { user_id: userId, method: 'invitation' }, { aggregateId: userId });
    return created;
  });
  setSessionCookie(ctx.cookies, ctx.config, session.token, session.expiresAt);
  return {
    user: { id: userId, email: invitation.email, name: input.name },
    activeOrganization: { id: tenantId, name: invitation.organization_name, role: invitation.role },
  };
}
