import { sql, type Kysely, type Role } from '@ubos/platform';
import type { IdentityDB } from './db.ts';
import type { PermissionOverride } from './access.ts';

/** Every query of the identity schema. Tenant tables are always filtered by tenant_id explicitly
 * as well: memberships are also visible across tenants for the signed-in user (RLS), so RLS
 * alone would not scope a per-tenant listing. */
type Db = Kysely<IdentityDB>;

// ---------------------------------------------------------------------------------------------
// users (global)
// ---------------------------------------------------------------------------------------------

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  disabled_at: Date | null;
}

const userColumns = ['id', 'email', 'name', 'password_hash', 'disabled_at'] as const;

export function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('identity.users').select(userColumns).where(sql<string>`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
}

export function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('identity.users').select(userColumns).where('id', '=', id).executeTakeFirst();
}

export async function insertUser(db: Db, user: { id: string; email: string; name: string; passwordHash: string }): Promise<void> {
  await db.insertInto('identity.users').values({ id: user.id, email: user.email.toLowerCase(), name: user.name, password_hash: user.passwordHash }).execute();
}

export async function updatePasswordHash(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db
    .updateTable('identity.users')
    .set({ password_hash: passwordHash, password_changed_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', userId)
    .execute();
}

export async function markUserDisabled(db: Db, userId: string): Promise<boolean> {
  const result = await db
    .updateTable('identity.users')
    .set({ disabled_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', userId)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

// ---------------------------------------------------------------------------------------------
// tenants (organizations)
// ---------------------------------------------------------------------------------------------

export async function findTenantName(db: Db, tenantId: string): Promise<string | null> {
  const row = await db.selectFrom('identity.tenants').select('name').where('id', '=', tenantId).executeTakeFirst();
  return row?.name ?? null;
}

export async function insertTenant(db: Db, tenant: { id: string; name: string; createdBy: string }): Promise<void> {
  await db.insertInto('identity.tenants').values({ id: tenant.id, name: tenant.name, created_by: tenant.createdBy }).execute();
}

// ---------------------------------------------------------------------------------------------
// memberships
// ---------------------------------------------------------------------------------------------

export interface MembershipRow {
  id: string;
  tenant_id: string;
  user_id: string;
  role: Role;
}

export async function insertMembership(db: Db, membership: { id: string; tenantId: string; userId: string; role: Role }): Promise<void> {
  await db
    .insertInto('identity.memberships')
    .values({ id: membership.id, tenant_id: membership.tenantId, user_id: membership.userId, role: membership.role })
    .execute();
}

export function findMembership(db: Db, tenantId: string, userId: string): Promise<MembershipRow | undefined> {
  return db
    .selectFrom('identity.memberships')
    .select(['id', 'tenant_id', 'user_id', 'role'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Locks the membership row so concurrent role changes of the same member serialize. */
export function findMembershipForUpdate(db: Db, tenantId: string, userId: string): Promise<MembershipRow | undefined> {
  return db
    .selectFrom('identity.memberships')
    .select(['id', 'tenant_id', 'user_id', 'role'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}

/** Locks every owner row of the tenant: two owners demoting each other concurrently serialize here. */
export async function lockOwners(db: Db, tenantId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('identity.memberships')
    .select('user_id')
    .where('tenant_id', '=', tenantId)
    .where('role', '=', 'owner')
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.map((row) => row.user_id);
}

export function listMembers(db: Db, tenantId: string) {
  return db
    .selectFrom('identity.memberships as m')
    .innerJoin('identity.users as u', 'u.id', 'm.user_id')
    .select(['m.id as membershipId', 'm.user_id as userId', 'u.email', 'u.name', 'm.role', 'm.created_at as joinedAt'])
    .where('m.tenant_id', '=', tenantId)
    .orderBy('m.created_at')
    .orderBy('m.id')
    .execute();
}

export function listOrganizationsOfUser(db: Db, userId: string): Promise<{ id: string; name: string; role: Role }[]> {
  return db
    .selectFrom('identity.memberships as m')
    .innerJoin('identity.tenants as t', 't.id', 'm.tenant_id')
    .select(['t.id', 't.name', 'm.role'])
    .where('m.user_id', '=', userId)
    .orderBy('m.created_at')
    .orderBy('t.id')
    .execute();
}

export async function updateMembershipRole(db: Db, membershipId: string, role: Role): Promise<void> {
  await db.updateTable('identity.memberships').set({ role, updated_at: sql<Date>`now()` }).where('id', '=', membershipId).execute();
}

export async function deleteMembership(db: Db, membershipId: string): Promise<void> {
  await db.deleteFrom('identity.memberships').where('id', '=', membershipId).execute();
}

// ---------------------------------------------------------------------------------------------
// invitations
// ---------------------------------------------------------------------------------------------

export interface InvitationRow {
  id: string;
  email: string;
  role: Role;
  invited_by: string | null;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

const invitationColumns = ['id', 'email', 'role', 'invited_by', 'expires_at', 'accepted_at', 'revoked_at', 'created_at'] as const;

export async function insertInvitation(
  db: Db,
  invitation: { id: string; tenantId: string; email: string; role: Role; tokenHash: string; invitedBy: string; ttlSeconds: number },
): Promise<InvitationRow> {
  return db
    .insertInto('identity.invitations')
    .values({
      id: invitation.id,
      tenant_id: invitation.tenantId,
      email: invitation.email.toLowerCase(),
      role: invitation.role,
      token_hash: invitation.tokenHash,
      invited_by: invitation.invitedBy,
      expires_at: sql<Date>`now() + make_interval(secs => ${invitation.ttlSeconds})`,
    })
    .returning(invitationColumns)
    .executeTakeFirstOrThrow();
}

/** Revokes the tenant's still-pending invitations of an email (a new invitation replaces them). */
export async function revokePendingInvitationsFor(db: Db, tenantId: string, email: string): Promise<void> {
  await db
    .updateTable('identity.invitations')
    .set({ revoked_at: sql<Date>`now()` })
    .where('tenant_id', '=', tenantId)
    .where('email', '=', email.toLowerCase())
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
}

export function listInvitations(db: Db, tenantId: string): Promise<InvitationRow[]> {
  return db
    .selectFrom('identity.invitations')
    .select(invitationColumns)
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(500)
    .execute();
}

export function findInvitationForUpdate(db: Db, tenantId: string, id: string): Promise<InvitationRow | undefined> {
  return db.selectFrom('identity.invitations').select(invitationColumns).where('tenant_id', '=', tenantId).where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function markInvitationRevoked(db: Db, id: string): Promise<void> {
  await db.updateTable('identity.invitations').set({ revoked_at: sql<Date>`now()` }).where('id', '=', id).execute();
}

export interface InvitationLookup {
  id: string;
  tenant_id: string;
  organization_name: string;
  email: string;
  role: Role;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

/** The SECURITY DEFINER lookup: works before any tenant is known, returns at most that invitation. */
export async function lookupInvitationByTokenHash(db: Db, tokenHash: string): Promise<InvitationLookup | undefined> {
  const result = await sql<InvitationLookup>`SELECT * FROM identity.invitation_by_token_hash(${tokenHash})`.execute(db);
  return result.rows[0];
}

/** Single use: only a pending, unexpired invitation is consumed; a concurrent second accept gets nothing. */
export async function consumeInvitation(db: Db, tenantId: string, id: string, userId: string): Promise<boolean> {
  const result = await db
    .updateTable('identity.invitations')
    .set({ accepted_at: sql<Date>`now()`, accepted_by: userId })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

// ---------------------------------------------------------------------------------------------
// role_permissions (per-tenant overrides of the matrix)
// ---------------------------------------------------------------------------------------------

export function listOverrides(db: Db, tenantId: string, role?: Role): Promise<PermissionOverride[]> {
  let query = db.selectFrom('identity.role_permissions').select(['role', 'permission', 'granted']).where('tenant_id', '=', tenantId);
  if (role) query = query.where('role', '=', role);
  return query.orderBy('role').orderBy('permission').execute();
}

export async function upsertOverride(
  db: Db,
  override: { tenantId: string; role: Role; permission: string; granted: boolean; updatedBy: string },
): Promise<void> {
  await db
    .insertInto('identity.role_permissions')
    .values({
      tenant_id: override.tenantId,
      role: override.role,
      permission: override.permission,
      granted: override.granted,
      updated_by: override.updatedBy,
    })
    .onConflict((conflict) =>
      conflict.columns(['tenant_id', 'role', 'permission']).doUpdateSet({
        granted: override.granted,
        updated_by: override.updatedBy,
        updated_at: sql<Date>`now()`,
      }),
    )
    .execute();
}

export async function deleteOverride(db: Db, tenantId: string, role: Role, permission: string): Promise<void> {
  await db.deleteFrom('identity.role_permissions').where('tenant_id', '=', tenantId).where('role', '=', role).where('permission', '=', permission).execute();
}

// ---------------------------------------------------------------------------------------------
// sessions (global)
// ---------------------------------------------------------------------------------------------

export interface SessionWithUserRow {
  id: string;
  user_id: string;
  active_tenant_id: string | null;
  ttl_seconds: number;
  expires_at: Date;
  created_at: Date;
  email: string;
  name: string;
  disabled_at: Date | null;
  password_changed_at: Date;
  last_seen_at: Date | null;
}

export function findSessionWithUser(db: Db, sessionId: string): Promise<SessionWithUserRow | undefined> {
  return db
    .selectFrom('identity.sessions as s')
    .innerJoin('identity.users as u', 'u.id', 's.user_id')
    .select([
      's.id',
      's.user_id',
      's.active_tenant_id',
      's.ttl_seconds',
      's.expires_at',
      's.created_at',
      'u.email',
      'u.name',
      'u.disabled_at',
      'u.password_changed_at',
      's.last_seen_at',
    ])
    .where('s.id', '=', sessionId)
    .executeTakeFirst();
}

/** Marks a session as used now, unless it was in the last minute (one write a minute at most). */
export async function touchSession(db: Db, sessionId: string): Promise<void> {
  await db
    .updateTable('identity.sessions')
    .set({ last_seen_at: sql<Date>`now()` })
    .where('id', '=', sessionId)
    .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', sql<Date>`now() - interval '1 minute'`)]))
    .execute();
}

export interface UserSessionRow {
  id: string;
  created_at: Date;
  expires_at: Date;
  last_seen_at: Date | null;
  ip: string | null;
  user_agent: string | null;
}

/** The user's unexpired sessions, most recently used first. */
export function listSessionsOfUser(db: Db, userId: string): Promise<UserSessionRow[]> {
  return db
    .selectFrom('identity.sessions')
    .select(['id', 'created_at', 'expires_at', 'last_seen_at', 'ip', 'user_agent'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy(sql`coalesce(last_seen_at, created_at)`, 'desc')
    .orderBy('id')
    .execute();
}

/** Deletes the user's sessions except `keepId`; returns the ids ended. */
export async function deleteOtherSessionsOfUser(db: Db, userId: string, keepId: string): Promise<string[]> {
  const rows = await db.deleteFrom('identity.sessions').where('user_id', '=', userId).where('id', '<>', keepId).returning('id').execute();
  return rows.map((row) => row.id);
}

export async function insertSession(
  db: Db,
  session: { id: string; userId: string; activeTenantId: string | null; ttlSeconds: number; ip: string | null; userAgent: string | null },
): Promise<{ expires_at: Date }> {
  return db
    .insertInto('identity.sessions')
    .values({
      id: session.id,
      user_id: session.userId,
      active_tenant_id: session.activeTenantId,
      ttl_seconds: session.ttlSeconds,
      expires_at: sql<Date>`now() + make_interval(secs => ${session.ttlSeconds})`,
      ip: session.ip,
      user_agent: session.userAgent,
    })
    .returning('expires_at')
    .executeTakeFirstOrThrow();
}

export async function extendSession(db: Db, sessionId: string): Promise<Date | undefined> {
  const row = await db
    .updateTable('identity.sessions')
    .set({ expires_at: sql<Date>`now() + make_interval(secs => ttl_seconds)` })
    .where('id', '=', sessionId)
    .returning('expires_at')
    .executeTakeFirst();
  return row?.expires_at;
}

export async function deleteSession(db: Db, sessionId: string): Promise<boolean> {
  const result = await db.deleteFrom('identity.sessions').where('id', '=', sessionId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteSessionsOfUser(db: Db, userId: string): Promise<string[]> {
  const rows = await db.deleteFrom('identity.sessions').where('user_id', '=', userId).returning('id').execute();
  return rows.map((row) => row.id);
}

export async function setSessionActiveTenant(db: Db, sessionId: string, tenantId: string | null): Promise<void> {
  await db.updateTable('identity.sessions').set({ active_tenant_id: tenantId }).where('id', '=', sessionId).execute();
}

export async function sessionIdsOfUser(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('identity.sessions').select('id').where('user_id', '=', userId).execute();
  return rows.map((row) => row.id);
}

export async function sessionIdsActiveIn(db: Db, tenantId: string): Promise<string[]> {
  const rows = await db.selectFrom('identity.sessions').select('id').where('active_tenant_id', '=', tenantId).execute();
  return rows.map((row) => row.id);
}

/** A removed member's sessions leave the organization (they keep their other organizations). */
export async function detachSessionsFromTenant(db: Db, userId: string, tenantId: string): Promise<string[]> {
  const rows = await db
    .updateTable('identity.sessions')
    .set({ active_tenant_id: null })
    .where('user_id', '=', userId)
    .where('active_tenant_id', '=', tenantId)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

export async function deleteExpiredSessions(db: Db): Promise<number> {
  const result = await db.deleteFrom('identity.sessions').where('expires_at', '<=', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function findMemberByEmail(db: Db, tenantId: string, email: string): Promise<{ user_id: string } | undefined> {
  return db
    .selectFrom('identity.memberships as m')
    .innerJoin('identity.users as u', 'u.id', 'm.user_id')
    .select('m.user_id')
    .where('m.tenant_id', '=', tenantId)
    .where(sql<string>`lower(u.email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------
// password resets (global, like sessions)
// ---------------------------------------------------------------------------------------------

export async function insertPasswordReset(db: Db, input: { tokenHash: string; userId: string; ttlSeconds: number; ip: string | null }): Promise<Date> {
  const row = await db
    .insertInto('identity.password_resets')
    .values({
      token_hash: input.tokenHash,
      user_id: input.userId,
      expires_at: sql<Date>`now() + make_interval(secs => ${input.ttlSeconds})`,
      requested_ip: input.ip,
    })
    .returning('expires_at')
    .executeTakeFirstOrThrow();
  return row.expires_at;
}

/** A link that is neither used nor expired (read-only: the reset page's check). */
export function findUsablePasswordReset(db: Db, tokenHash: string): Promise<{ user_id: string; expires_at: Date } | undefined> {
  return db
    .selectFrom('identity.password_resets')
    .select(['user_id', 'expires_at'])
    .where('token_hash', '=', tokenHash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/**
 * Consumes a link: a conditional UPDATE, so of two concurrent submissions exactly one gets the
 * user back. Every other open link of that user is closed in the same statement's transaction.
 */
export async function consumePasswordReset(db: Db, tokenHash: string): Promise<string | null> {
  const row = await db
    .updateTable('identity.password_resets')
    .set({ consumed_at: sql<Date>`now()` })
    .where('token_hash', '=', tokenHash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('user_id')
    .executeTakeFirst();
  if (!row) return null;
  await db
    .updateTable('identity.password_resets')
    .set({ consumed_at: sql<Date>`now()` })
    .where('user_id', '=', row.user_id)
    .where('consumed_at', 'is', null)
    .execute();
  return row.user_id;
}

export async function deleteExpiredPasswordResets(db: Db): Promise<number> {
  const result = await db.deleteFrom('identity.password_resets').where('expires_at', '<', sql<Date>`now() - interval '7 days'`).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}
