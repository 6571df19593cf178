import {
  createDomainContext,
  DomainError,
  NotFoundError,
  roles,
  setMailBranding,
  sql,
  uuidv7,
  withTenant,
  withUser,
  type Cache,
  type Context,
  type Database,
  type DomainContext,
  type Kysely,
  type Logger,
  type SessionInfo,
  type TenantContext,
} from '@ubos/platform';
import { effectiveMatrix, isLockedGrant, OWNER_LOCKED_PERMISSION } from './access.ts';
import {
  memberJoined,
  memberRemoved,
  memberRoleChanged,
  organizationCreated,
  passwordChanged,
  rolePermissionChanged,
  sessionEnded,
  sessionStarted,
  sessionSwitched,
  userCreated,
  type AuthResultDto,
  type ChangePasswordInput,
  type LoginInput,
  type MeDto,
  type MemberDto,
  type OrganizationDto,
  type RoleMatrixDto,
  type SetOverrideInput,
  type SignUpInput,
} from './contracts.ts';
import type { IdentityDB } from './db.ts';
import { hashPassword, verifyDummyPassword, verifyPassword } from './passwords.ts';
import * as repo from './repository.ts';
import { clearSessionCookie, createSession, evictSessions, invalidateSession, invalidateUserSessions, setSessionCookie } from './sessions.ts';

export type AuthedContext = Context & { session: SessionInfo };

const LOGIN_WINDOW_MS = 15 * 60_000;
const INVALID_CREDENTIALS = 'Invalid email or password';

/**
 * The DomainContext of a transaction identity opened itself (sign-up, login, invitations): its
 * events belong to `tenantId`, the organization concerned (the outbox accepts rows of the
 * transaction's tenant only).
 */
export function domainContextOf(ctx: Pick<Context, 'correlationId' | 'log'>, trx: Kysely<IdentityDB>, tenantId: string, actorId: string | null): DomainContext {
  return createDomainContext({ trx, tenantId, actorId, correlationId: ctx.correlationId, causationId: null, log: ctx.log });
}

/** A transaction scoped to a tenant when there is one, otherwise to the user only. */
export function inScope<T>(db: Database, tenantId: string | null, userId: string | null, fn: (trx: Kysely<IdentityDB>) => Promise<T>): Promise<T> {
  return tenantId ? withTenant<IdentityDB, T>(db, { tenantId, userId }, fn) : withUser<IdentityDB, T>(db, userId, fn);
}

async function enforceRateLimit(ctx: Context, key: string, limit: number, message: string): Promise<void> {
  const result = await ctx.rateLimiter.hit(key, limit, LOGIN_WINDOW_MS);
  if (!result.allowed) throw new DomainError('TOO_MANY_REQUESTS', message, undefined, { retryAfterMs: result.retryAfterMs });
}

// ---------------------------------------------------------------------------------------------
// Sign up, log in, log out
// ---------------------------------------------------------------------------------------------

export async function signUp(ctx: Context, input: SignUpInput): Promise<AuthResultDto> {
  await enforceRateLimit(ctx, `identity:signup:ip:${ctx.ip}`, ctx.config.LOGIN_RATE_LIMIT_PER_IP, 'Too many sign-ups from this address. Try again later.');
  const kysely = ctx.db.as<IdentityDB>();
  if (await repo.findUserByEmail(kysely, input.email)) {
    throw new DomainError('CONFLICT', 'An account with this email already exists', [{ path: ['email'], message: 'An account with this email already exists' }]);
  }
  const passwordHash = await hashPassword(input.password);
  const userId = uuidv7();
  const tenantId = uuidv7();
  const membershipId = uuidv7();
  const session = await withTenant<IdentityDB, Awaited<ReturnType<typeof createSession>>>(ctx.db, { tenantId, userId }, async (trx) => {
    await repo.insertUser(trx, { id: userId, email: input.email, name: input.name, passwordHash });
    await repo.insertTenant(trx, { id: tenantId, name: input.organizationName, createdBy: userId });
    await repo.insertMembership(trx, { id: membershipId, tenantId, userId, role: 'owner' });
    const created = await createSession(trx, { userId, activeTenantId: tenantId, config: ctx.config, ip: ctx.ip, userAgent: ctx.userAgent });
    const domain = domainContextOf(ctx, trx, tenantId, userId);
    await domain.emit(userCreated, { user_id: userId, email: input.email, name: input.name }, { aggregateId: userId });
    await domain.emit(organizationCreated, { organization_id: tenantId, name: input.organizationName, created_by: userId }, { aggregateId: tenantId });
    // The name system mail shows (§7 "Mail port").
    await setMailBranding(domain, { name: input.organizationName });
    await domain.emit(
      memberJoined,
      { membership_id: membershipId, user_id: userId, role: 'owner', via: 'sign_up', invitation_id: null },
      { aggregateId: membershipId },
    );
    await domain.emit(sessionStarted, { user_id: userId, method: 'sign_up' }, { aggregateId: userId });
    return created;
  });
  setSessionCookie(ctx.cookies, ctx.config, session.token, session.expiresAt);
  return {
    user: { id: userId, email: input.email, name: input.name },
    activeOrganization: { id: tenantId, name: input.organizationName, role: 'owner' },
  };
}

/**
 * Login throttling (§7) has three counters, so guessing is slow but a stranger cannot lock the
 * owner out: attempts per IP (any account); attempts per account from one IP (reset by a
 * success); and failures per account from every IP together, a much larger budget that only a
 * distributed attack exhausts. Every 429 says when to retry.
 */
async function enforceLoginLimits(ctx: Context, email: string): Promise<{ accountIpKey: string; failuresKey: string }> {
  const tooMany = 'Too many sign-in attempts. Try again later.';
  await enforceRateLimit(ctx, `identity:login:ip:${ctx.ip}`, ctx.config.LOGIN_RATE_LIMIT_PER_IP, tooMany);
  const accountIpKey = `identity:login:account-ip:${email}:${ctx.ip}`;
  await enforceRateLimit(ctx, accountIpKey, ctx.config.LOGIN_RATE_LIMIT_PER_ACCOUNT, tooMany);
  const failuresKey = `identity:login:account-failures:${email}`;
  const failures = await ctx.rateLimiter.peek(failuresKey);
  if (failures.count >= ctx.config.LOGIN_FAILURE_BUDGET_PER_ACCOUNT) {
    throw new DomainError('TOO_MANY_REQUESTS', 'This account is temporarily locked after many failed sign-ins. Try again later.', undefined, {
      retryAfterMs: failures.resetInMs,
    });
  }
  return { accountIpKey, failuresKey };
}

export async function login(ctx: Context, input: LoginInput): Promise<AuthResultDto> {
  const limits = await enforceLoginLimits(ctx, input.email);
  const refuse = async (): Promise<never> => {
    await ctx.rateLimiter.hit(limits.failuresKey, Number.MAX_SAFE_INTEGER, LOGIN_WINDOW_MS);
    throw new DomainError('UNAUTHORIZED', INVALID_CREDENTIALS);
  };

  const kysely = ctx.db.as<IdentityDB>();
  const user = await repo.findUserByEmail(kysely, input.email);
  if (!user) {
    await verifyDummyPassword(input.password);
    return refuse();
  }
  const valid = await verifyPassword(user.password_hash, input.password);
  if (!valid || user.disabled_at !== null) return refuse();
  await Promise.all([ctx.rateLimiter.reset(limits.accountIpKey), ctx.rateLimiter.reset(limits.failuresKey)]);
  // Session rotation: a session the request already holds ends with this login.
  if (ctx.session) await endSession(ctx, ctx.session, 'replaced');

  const organizations = await withUser<IdentityDB, OrganizationDto[]>(ctx.db, user.id, (trx) => repo.listOrganizationsOfUser(trx, user.id));
  const active = organizations[0] ?? null;
  const session = await inScope(ctx.db, active?.id ?? null, user.id, async (trx) => {
    const created = await createSession(trx, { userId: user.id, activeTenantId: active?.id ?? null, config: ctx.config, ip: ctx.ip, userAgent: ctx.userAgent });
    if (active) await domainContextOf(ctx, trx, active.id, user.id).emit(sessionStarted, { user_id: user.id, method: 'password' }, { aggregateId: user.id });
    return created;
  });
  setSessionCookie(ctx.cookies, ctx.config, session.token, session.expiresAt);
  return { user: { id: user.id, email: user.email, name: user.name }, activeOrganization: active };
}

async function endSession(ctx: Context, session: SessionInfo, reason: 'logout' | 'replaced'): Promise<void> {
  await inScope(ctx.db, session.tenantId, session.userId, async (trx) => {
    const deleted = await invalidateSession(trx, session.sessionId);
    if (deleted && session.tenantId) {
      await domainContextOf(ctx, trx, session.tenantId, session.userId).emit(
        sessionEnded,
        { user_id: session.userId, reason },
        { aggregateId: session.userId },
      );
    }
  });
  await evictSessions(ctx.cache, [session.sessionId]);
}

export async function logout(ctx: AuthedContext): Promise<{ ok: true }> {
  await endSession(ctx, ctx.session, 'logout');
  clearSessionCookie(ctx.cookies, ctx.config);
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// The signed-in user
// ---------------------------------------------------------------------------------------------

export async function me(ctx: AuthedContext): Promise<MeDto> {
  const { session } = ctx;
  const organizations = await listMyOrganizations(ctx);
  const user = await repo.findUserById(ctx.db.as<IdentityDB>(), session.userId);
  if (!user) throw new DomainError('UNAUTHORIZED', 'Sign in to continue');
  const activeOrganization = organizations.find((organization) => organization.id === session.tenantId) ?? null;
  return {
    user: { id: user.id, email: user.email, name: user.name },
    activeOrganization,
    role: activeOrganization ? session.role : null,
    permissions: activeOrganization ? [...session.permissions].sort() : [],
    organizations,
    sessionExpiresAt: session.expiresAt.toISOString(),
  };
}

export function listMyOrganizations(ctx: AuthedContext): Promise<OrganizationDto[]> {
  return withUser<IdentityDB, OrganizationDto[]>(ctx.db, ctx.session.userId, (trx) => repo.listOrganizationsOfUser(trx, ctx.session.userId));
}

export async function changePassword(ctx: AuthedContext, input: ChangePasswordInput): Promise<{ ok: true }> {
  const { session } = ctx;
  await enforceRateLimit(ctx, `identity:password:${session.userId}`, ctx.config.LOGIN_RATE_LIMIT_PER_ACCOUNT, 'Too many attempts. Try again later.');
  const user = await repo.findUserById(ctx.db.as<IdentityDB>(), session.userId);
  if (!user) throw new DomainError('UNAUTHORIZED', 'Sign in to continue');
  if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
    throw new DomainError('BAD_REQUEST', 'The current password is not correct', [
      { path: ['currentPassword'], message: 'The current password is not correct' },
    ]);
  }
  const passwordHash = await hashPassword(input.newPassword);
  const { ended, fresh } = await inScope(ctx.db, session.tenantId, session.userId, async (trx) => {
    await repo.updatePasswordHash(trx, session.userId, passwordHash);
    const endedIds = await invalidateUserSessions(trx, session.userId);
    const created = await createSession(trx, {
      userId: session.userId,
      activeTenantId: session.tenantId,
      config: ctx.config,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    });
    if (session.tenantId) {
      const domain = domainContextOf(ctx, trx, session.tenantId, session.userId);
      const aggregate = { aggregateId: session.userId };
      await domain.emit(passwordChanged, { user_id: session.userId, sessions_ended: endedIds.length }, aggregate);
      await domain.emit(sessionEnded, { user_id: session.userId, reason: 'password_change' }, aggregate);
      await domain.emit(sessionStarted, { user_id: session.userId, method: 'password_change' }, aggregate);
    }
    return { ended: endedIds, fresh: created };
  });
  await evictSessions(ctx.cache, [...ended, session.sessionId]);
  setSessionCookie(ctx.cookies, ctx.config, fresh.token, fresh.expiresAt);
  return { ok: true };
}

export async function switchOrganization(ctx: AuthedContext, organizationId: string): Promise<AuthResultDto> {
  const { session } = ctx;
  const organization = await withUser<IdentityDB, OrganizationDto | undefined>(ctx.db, session.userId, async (trx) => {
    const organizations = await repo.listOrganizationsOfUser(trx, session.userId);
    return organizations.find((candidate) => candidate.id === organizationId);
  });
  if (!organization) throw new NotFoundError('Organization', organizationId);
  await withTenant<IdentityDB, void>(ctx.db, { tenantId: organization.id, userId: session.userId }, async (trx) => {
    await repo.setSessionActiveTenant(trx, session.sessionId, organization.id);
    await domainContextOf(ctx, trx, organization.id, session.userId).emit(
      sessionSwitched,
      { user_id: session.userId, from_organization_id: session.tenantId },
      { aggregateId: session.userId },
    );
  });
  await evictSessions(ctx.cache, [session.sessionId]);
  return { user: { id: session.userId, email: session.email, name: session.name }, activeOrganization: organization };
}

export async function createOrganization(ctx: AuthedContext, name: string): Promise<OrganizationDto> {
  const { session } = ctx;
  const tenantId = uuidv7();
  const membershipId = uuidv7();
  await withTenant<IdentityDB, void>(ctx.db, { tenantId, userId: session.userId }, async (trx) => {
    await repo.insertTenant(trx, { id: tenantId, name, createdBy: session.userId });
    await repo.insertMembership(trx, { id: membershipId, tenantId, userId: session.userId, role: 'owner' });
    await repo.setSessionActiveTenant(trx, session.sessionId, tenantId);
    const domain = domainContextOf(ctx, trx, tenantId, session.userId);
    await domain.emit(organizationCreated, { organization_id: tenantId, name, created_by: session.userId }, { aggregateId: tenantId });
    await setMailBranding(domain, { name });
    await domain.emit(
      memberJoined,
      { membership_id: membershipId, user_id: session.userId, role: 'owner', via: 'organization_created', invitation_id: null },
      { aggregateId: membershipId },
    );
  });
  await evictSessions(ctx.cache, [session.sessionId]);
  return { id: tenantId, name, role: 'owner' };
}

/**
 * Disables a user: no more logins, every session ends now. Not exposed as a procedure yet
 * (no platform-admin principal exists); operations and future admin tooling call it.
 */
export async function disableUser(deps: { db: Database; cache: Cache; log: Logger; correlationId?: string }, userId: string): Promise<boolean> {
  const ended = await withUser<IdentityDB, string[] | null>(deps.db, userId, async (trx) => {
    if (!(await repo.markUserDisabled(trx, userId))) return null;
    const ids = await invalidateUserSessions(trx, userId);
    const organizations = await repo.listOrganizationsOfUser(trx, userId);
    for (const organization of organizations) {
      // The outbox only accepts rows of the transaction's tenant: scope to each organization in turn.
      await sql`select set_config('app.tenant_id', ${organization.id}, true)`.execute(trx);
      const domain = createDomainContext({ trx, tenantId: organization.id, actorId: null, correlationId: deps.correlationId ?? uuidv7(), log: deps.log });
      await domain.emit(sessionEnded, { user_id: userId, reason: 'user_disabled' }, { aggregateId: userId });
    }
    return ids;
  });
  if (ended === null) return false;
  await evictSessions(deps.cache, ended);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Members (tenant procedures: ctx.trx is the tenant transaction)
// ---------------------------------------------------------------------------------------------

export async function listMembers(ctx: TenantContext): Promise<MemberDto[]> {
  const rows = await repo.listMembers(ctx.domain.db<IdentityDB>(), ctx.tenant.tenantId);
  return rows.map(toMemberDto);
}

function toMemberDto(row: Awaited<ReturnType<typeof repo.listMembers>>[number]): MemberDto {
  return { ...row, joinedAt: row.joinedAt.toISOString() };
}

/**
 * Evicts cached sessions once the tenant transaction has committed: evicting earlier would let a
 * lookup racing the commit re-cache the old role or permissions.
 */
async function evictAfterCommit(ctx: TenantContext, sessionIds: string[]): Promise<void> {
  ctx.domain.afterCommit(() => evictSessions(ctx.cache, sessionIds));
}

function assertMayTouchOwner(ctx: TenantContext, message: string): void {
  if (ctx.tenant.role !== 'owner') throw new DomainError('FORBIDDEN', message);
}

export async function changeMemberRole(ctx: TenantContext, input: { userId: string; role: MemberDto['role'] }): Promise<MemberDto> {
  const trx = ctx.domain.db<IdentityDB>();
  const { tenantId } = ctx.tenant;
  const owners = await repo.lockOwners(trx, tenantId);
  const target = await repo.findMembershipForUpdate(trx, tenantId, input.userId);
  if (!target) throw new NotFoundError('Member', input.userId);
  if (target.role !== input.role) {
    if (target.role === 'owner' || input.role === 'owner') assertMayTouchOwner(ctx, 'Only an owner can grant or revoke the owner role');
    if (target.role === 'owner' && owners.length <= 1) {
      throw new DomainError('PRECONDITION_FAILED', 'An organization needs at least one owner: make someone else owner first');
    }
    await repo.updateMembershipRole(trx, target.id, input.role);
    await ctx.domain.emit(
      memberRoleChanged,
      { membership_id: target.id, user_id: target.user_id, previous_role: target.role, role: input.role, changed_by: ctx.tenant.userId },
      { aggregateId: target.id },
    );
    await evictAfterCommit(ctx, await repo.sessionIdsOfUser(trx, target.user_id));
  }
  const member = (await repo.listMembers(trx, tenantId)).find((candidate) => candidate.userId === input.userId);
  if (!member) throw new NotFoundError('Member', input.userId);
  return toMemberDto(member);
}

export async function removeMember(ctx: TenantContext, userId: string): Promise<{ ok: true }> {
  const trx = ctx.domain.db<IdentityDB>();
  const { tenantId } = ctx.tenant;
  const owners = await repo.lockOwners(trx, tenantId);
  const target = await repo.findMembershipForUpdate(trx, tenantId, userId);
  if (!target) throw new NotFoundError('Member', userId);
  if (target.role === 'owner') {
    assertMayTouchOwner(ctx, 'Only an owner can remove an owner');
    if (owners.length <= 1) throw new DomainError('PRECONDITION_FAILED', 'The last owner of an organization cannot be removed');
  }
  await repo.deleteMembership(trx, target.id);
  const detached = await repo.detachSessionsFromTenant(trx, target.user_id, tenantId);
  await ctx.domain.emit(
    memberRemoved,
    { membership_id: target.id, user_id: target.user_id, role: target.role, removed_by: ctx.tenant.userId },
    { aggregateId: target.id },
  );
  await evictAfterCommit(ctx, [...detached, ...(await repo.sessionIdsOfUser(trx, target.user_id))]);
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// Roles: the matrix ± this tenant's overrides
// ---------------------------------------------------------------------------------------------

export async function roleMatrix(ctx: TenantContext): Promise<RoleMatrixDto> {
  const overrides = await repo.listOverrides(ctx.domain.db<IdentityDB>(), ctx.tenant.tenantId);
  return { roles: [...roles], permissions: ctx.runtime.permissions.all(), entries: effectiveMatrix(ctx.runtime.permissions, overrides) };
}

export async function setOverride(ctx: TenantContext, input: SetOverrideInput): Promise<RoleMatrixDto> {
  const trx = ctx.domain.db<IdentityDB>();
  const { tenantId } = ctx.tenant;
  if (isLockedGrant(input.role, input.permission) && input.granted === false) {
    throw new DomainError('PRECONDITION_FAILED', `Owners always keep ${OWNER_LOCKED_PERMISSION}`, [
      { path: ['granted'], message: `Owners always keep ${OWNER_LOCKED_PERMISSION}` },
    ]);
  }
  if (!ctx.runtime.permissions.has(input.permission)) {
    throw new DomainError('BAD_REQUEST', `There is no permission called ${input.permission}`, [
      { path: ['permission'], message: `Unknown permission ${input.permission}` },
    ]);
  }
  const matchesMatrix = input.granted === null || input.granted === ctx.runtime.permissions.roleHas(input.role, input.permission);
  if (matchesMatrix) {
    await repo.deleteOverride(trx, tenantId, input.role, input.permission);
  } else {
    await repo.upsertOverride(trx, { tenantId, role: input.role, permission: input.permission, granted: input.granted === true, updatedBy: ctx.tenant.userId });
  }
  await ctx.domain.emit(
    rolePermissionChanged,
    { role: input.role, permission: input.permission, granted: matchesMatrix ? null : input.granted, changed_by: ctx.tenant.userId },
    { aggregateId: `${tenantId}:${input.role}` },
  );
  await evictAfterCommit(ctx, await repo.sessionIdsActiveIn(trx, tenantId));
  return roleMatrix(ctx);
}
