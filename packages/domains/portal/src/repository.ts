import { sql, type Kysely, type Transaction } from '@ubos/platform';
import type { PortalDB, SettingsRow, UserRow } from './db.ts';

/** Kysely queries against schema `portal` only (ARCHITECTURE.md §4). RLS scopes every one to the tenant. */

type Db = Transaction<PortalDB> | Kysely<PortalDB>;

// ---------------------------------------------------------------- settings

/** The tenant's settings row, locked until the transaction ends when `forUpdate`. */
export async function findSettings(db: Db, tenantId: string, options: { forUpdate?: boolean } = {}): Promise<SettingsRow | undefined> {
  const query = db.selectFrom('portal.settings').selectAll().where('tenant_id', '=', tenantId);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/**
 * Conditional upsert: creates the tenant's row (defaults merged with `changes`) or merges
 * `changes` into it, in one statement. Returns undefined, having written nothing, when the
 * merge would leave the stored settings as they are.
 */
export async function upsertSettings(
  db: Db,
  input: { tenantId: string; defaults: Record<string, unknown>; changes: Record<string, unknown>; updatedBy: string | null },
): Promise<SettingsRow | undefined> {
  const changes = sql<string>`${JSON.stringify(input.changes)}::jsonb`;
  const stored = sql.ref('portal.settings.settings');
  return db
    .insertInto('portal.settings')
    .values({ tenant_id: input.tenantId, settings: sql<string>`${JSON.stringify(input.defaults)}::jsonb || ${changes}`, updated_by: input.updatedBy })
    .onConflict((conflict) =>
      conflict
        .column('tenant_id')
        .doUpdateSet({ settings: sql<string>`${stored} || ${changes}`, updated_at: sql<Date>`now()`, updated_by: input.updatedBy })
        .where(sql<boolean>`(${stored} || ${changes}) IS DISTINCT FROM ${stored}`),
    )
    .returningAll()
    .executeTakeFirst();
}

// ---------------------------------------------------------------- organizations (before a tenant is known)

/** The tenant behind a portal address, through the SECURITY DEFINER lookup (one row or none). */
export async function tenantBySlug(db: Db, slug: string): Promise<{ tenant_id: string; name: string } | undefined> {
  const result = await sql<{ tenant_id: string; name: string }>`SELECT tenant_id, name FROM portal.tenant_by_slug(${slug})`.execute(db);
  return result.rows[0];
}

/** The tenant of a live portal session, through the SECURITY DEFINER lookup. */
export async function sessionTenant(db: Db, sessionId: string): Promise<string | null> {
  const result = await sql<{ tenant_id: string | null }>`SELECT portal.session_tenant(${sessionId}) AS tenant_id`.execute(db);
  return result.rows[0]?.tenant_id ?? null;
}

export function findOrganization(db: Db, tenantId: string) {
  return db.selectFrom('portal.organizations').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
}

/** Records the organization under `slug`; false (nothing written) when another organization holds the slug. */
export async function insertOrganization(db: Db, input: { tenantId: string; name: string; slug: string }): Promise<boolean> {
  const row = await db
    .insertInto('portal.organizations')
    .values({ tenant_id: input.tenantId, name: input.name, slug: input.slug })
    .onConflict((conflict) => conflict.doNothing())
    .returning('tenant_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether a slug is taken by any organization (through the definer lookup: other tenants' rows are invisible). */
export async function slugTaken(db: Db, slug: string): Promise<boolean> {
  return (await tenantBySlug(db, slug)) !== undefined;
}

// ---------------------------------------------------------------- crm copies

export async function upsertClient(db: Db, row: { tenantId: string; id: string; name: string; archived: boolean }): Promise<void> {
  await db
    .insertInto('portal.clients')
    .values({ tenant_id: row.tenantId, id: row.id, name: row.name, archived: row.archived })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'id']).doUpdateSet({ name: row.name, archived: row.archived, updated_at: sql<Date>`now()` }))
    .execute();
}

export async function upsertContact(
  db: Db,
  row: { tenantId: string; id: string; name: string; email: string | null; clientIds: string[]; archived: boolean },
): Promise<void> {
  await db
    .insertInto('portal.contacts')
    .values({ tenant_id: row.tenantId, id: row.id, name: row.name, email: row.email, client_ids: row.clientIds, archived: row.archived })
    .onConflict((conflict) =>
      conflict
        .columns(['tenant_id', 'id'])
        .doUpdateSet({ name: row.name, email: row.email, client_ids: row.clientIds, archived: row.archived, updated_at: sql<Date>`now()` }),
    )
    .execute();
}

export function findContact(db: Db, contactId: string) {
  return db.selectFrom('portal.contacts').selectAll().where('id', '=', contactId).executeTakeFirst();
}

export function findClient(db: Db, clientId: string) {
  return db.selectFrom('portal.clients').selectAll().where('id', '=', clientId).executeTakeFirst();
}

// ---------------------------------------------------------------- portal users

/**
 * Creates the contact's portal user, or gives back the one it has (re-activated when it was
 * revoked): one row per contact (UNIQUE (tenant_id, contact_id)). `created` tells which.
 */
export async function upsertUser(
  db: Db,
  row: { tenantId: string; id: string; clientId: string; contactId: string; email: string; name: string; invitedBy: string | null },
): Promise<{ user: UserRow; created: boolean; reactivated: boolean }> {
  const inserted = await db
    .insertInto('portal.users')
    .values({
      tenant_id: row.tenantId,
      id: row.id,
      client_id: row.clientId,
      contact_id: row.contactId,
      email: row.email,
      name: row.name,
      invited_by: row.invitedBy,
    })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'contact_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { user: inserted, created: true, reactivated: false };
  const reactivated = await db
    .updateTable('portal.users')
    .set({ revoked_at: null, revoked_by: null, client_id: row.clientId, email: row.email, name: row.name, invited_by: row.invitedBy })
    .where('contact_id', '=', row.contactId)
    .where('revoked_at', 'is not', null)
    .returningAll()
    .executeTakeFirst();
  if (reactivated) return { user: reactivated, created: false, reactivated: true };
  const existing = await db.selectFrom('portal.users').selectAll().where('contact_id', '=', row.contactId).executeTakeFirstOrThrow();
  return { user: existing, created: false, reactivated: false };
}

export function findUser(db: Db, portalUserId: string) {
  return db.selectFrom('portal.users').selectAll().where('id', '=', portalUserId).executeTakeFirst();
}

export function findLiveUserByEmail(db: Db, email: string) {
  return db.selectFrom('portal.users').selectAll().where('email', '=', email).where('revoked_at', 'is', null).executeTakeFirst();
}

export function listUsers(db: Db, clientId: string | undefined) {
  let query = db.selectFrom('portal.users').selectAll().orderBy('created_at', 'desc').orderBy('id');
  if (clientId) query = query.where('client_id', '=', clientId);
  return query.limit(500).execute();
}

export function listLiveUsersOfClient(db: Db, clientId: string) {
  return db.selectFrom('portal.users').selectAll().where('client_id', '=', clientId).where('revoked_at', 'is', null).execute();
}

/** Revokes a live user (conditional: a second revoke changes nothing and returns undefined). */
export function revokeUser(db: Db, portalUserId: string, revokedBy: string | null) {
  return db
    .updateTable('portal.users')
    .set({ revoked_at: sql<Date>`now()`, revoked_by: revokedBy })
    .where('id', '=', portalUserId)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

// ---------------------------------------------------------------- magic links and sessions

export async function insertMagicLink(
  db: Db,
  row: { tenantId: string; id: string; portalUserId: string; tokenHash: string; minutes: number; ip: string | null },
): Promise<void> {
  await db
    .insertInto('portal.magic_links')
    .values({
      tenant_id: row.tenantId,
      id: row.id,
      portal_user_id: row.portalUserId,
      token_hash: row.tokenHash,
      expires_at: sql<Date>`now() + make_interval(mins => ${row.minutes})`,
      created_ip: row.ip,
    })
    .execute();
}

/**
 * Consumes a magic link: ONE conditional UPDATE, so of any number of concurrent POSTs with the
 * same token exactly one gets the row back (the others see used_at set once the first commits).
 * A link of a revoked user is never consumed.
 */
export function consumeMagicLink(db: Db, tokenHash: string, ip: string | null) {
  return db
    .updateTable('portal.magic_links')
    .set({ used_at: sql<Date>`now()`, used_ip: ip })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .where('portal_user_id', 'in', (sub) => sub.selectFrom('portal.users').select('id').where('revoked_at', 'is', null))
    .returning(['id', 'portal_user_id'])
    .executeTakeFirst();
}

export async function insertSession(
  db: Db,
  row: { tenantId: string; id: string; portalUserId: string; magicLinkId: string; hours: number; ip: string | null; userAgent: string | null },
): Promise<Date> {
  const inserted = await db
    .insertInto('portal.sessions')
    .values({
      tenant_id: row.tenantId,
      id: row.id,
      portal_user_id: row.portalUserId,
      magic_link_id: row.magicLinkId,
      expires_at: sql<Date>`now() + make_interval(hours => ${row.hours})`,
      ip: row.ip,
      user_agent: row.userAgent,
    })
    .returning('expires_at')
    .executeTakeFirstOrThrow();
  await db.updateTable('portal.users').set({ last_access_at: sql<Date>`now()` }).where('id', '=', row.portalUserId).execute();
  return inserted.expires_at;
}

/**
 * A live session with its user: not ended, inside its absolute expiry, used within the idle
 * window, and its user not revoked. Everything is decided by the database clock in one query.
 */
export function findLiveSession(db: Db, sessionId: string, idleMinutes: number) {
  return db
    .selectFrom('portal.sessions as s')
    .innerJoin('portal.users as u', (join) => join.onRef('u.tenant_id', '=', 's.tenant_id').onRef('u.id', '=', 's.portal_user_id'))
    .select([
      's.id',
      's.tenant_id',
      's.portal_user_id',
      's.expires_at',
      's.last_seen_at',
      'u.client_id',
      'u.contact_id',
      'u.email',
      'u.name',
      sql<boolean>`s.last_seen_at < now() - interval '1 minute'`.as('needs_touch'),
    ])
    .where('s.id', '=', sessionId)
    .where('s.ended_at', 'is', null)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where('s.last_seen_at', '>', sql<Date>`now() - make_interval(mins => ${idleMinutes})`)
    .where('u.revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Moves the idle window on (at most once a minute per session; conditional on the session still being live). */
export async function touchSession(db: Db, sessionId: string): Promise<void> {
  await db.updateTable('portal.sessions').set({ last_seen_at: sql<Date>`now()` }).where('id', '=', sessionId).where('ended_at', 'is', null).execute();
}

export async function endSession(db: Db, sessionId: string): Promise<number> {
  const rows = await db
    .updateTable('portal.sessions')
    .set({ ended_at: sql<Date>`now()` })
    .where('id', '=', sessionId)
    .where('ended_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length;
}

export async function endSessionsOfUser(db: Db, portalUserId: string): Promise<number> {
  const rows = await db
    .updateTable('portal.sessions')
    .set({ ended_at: sql<Date>`now()` })
    .where('portal_user_id', '=', portalUserId)
    .where('ended_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length;
}
