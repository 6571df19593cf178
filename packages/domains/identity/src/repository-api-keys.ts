import { sql, type Kysely, type Role } from '@ubos/platform';
import type { PermissionOverride } from './access.ts';
import type { IdentityDB } from './db.ts';

/** The SQL of API keys (§7). Tenant-scoped by RLS and, explicitly, by tenant_id. */
type Db = Kysely<IdentityDB>;

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  secret_prefix: string;
  role: Role;
  permissions: string[] | null;
  created_by: string | null;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const columns = [
  'id',
  'tenant_id',
  'name',
  'secret_prefix',
  'role',
  'permissions',
  'created_by',
  'created_at',
  'expires_at',
  'last_used_at',
  'revoked_at',
] as const;

export async function insertApiKey(
  db: Db,
  key: {
    id: string;
    tenantId: string;
    name: string;
    secretHash: string;
    secretPrefix: string;
    role: Role;
    permissions: string[] | null;
    createdBy: string;
    expiresAt: Date;
  },
): Promise<ApiKeyRow> {
  return db
    .insertInto('identity.api_keys')
    .values({
      id: key.id,
      tenant_id: key.tenantId,
      name: key.name,
      secret_hash: key.secretHash,
      secret_prefix: key.secretPrefix,
      role: key.role,
      permissions: key.permissions,
      created_by: key.createdBy,
      expires_at: key.expiresAt,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
}

export function listApiKeys(db: Db, tenantId: string): Promise<ApiKeyRow[]> {
  return db.selectFrom('identity.api_keys').select(columns).where('tenant_id', '=', tenantId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

/** Revokes a live key (conditional UPDATE: of two concurrent revokes exactly one returns the row). */
export function revokeApiKey(db: Db, tenantId: string, id: string, revokedBy: string): Promise<ApiKeyRow | undefined> {
  return db
    .updateTable('identity.api_keys')
    .set({ revoked_at: sql<Date>`now()`, revoked_by: revokedBy })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(columns)
    .executeTakeFirst();
}

export function findApiKey(db: Db, tenantId: string, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('identity.api_keys').select(columns).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

/** The tenant of a live (unrevoked) key's hash, through the SECURITY DEFINER lookup. */
export async function apiKeyTenant(db: Db, secretHash: string): Promise<string | null> {
  const result = await sql<{ tenant_id: string | null }>`SELECT identity.api_key_tenant(${secretHash}) AS tenant_id`.execute(db);
  return result.rows[0]?.tenant_id ?? null;
}

/**
 * A usable key by hash (in its tenant's transaction): not revoked, not expired by the database clock;
 * with its role's overrides in the same statement (one round trip per call).
 */
export function findUsableApiKey(
  db: Db,
  tenantId: string,
  secretHash: string,
): Promise<(ApiKeyRow & { needs_touch: boolean; overrides: PermissionOverride[] }) | undefined> {
  return db
    .selectFrom('identity.api_keys')
    .select(columns)
    .select(sql<boolean>`last_used_at IS NULL OR last_used_at < now() - interval '1 minute'`.as('needs_touch'))
    .select(
      sql<PermissionOverride[]>`(
        SELECT coalesce(jsonb_agg(jsonb_build_object('role', rp.role, 'permission', rp.permission, 'granted', rp.granted)), '[]'::jsonb)
        FROM identity.role_permissions rp WHERE rp.tenant_id = identity.api_keys.tenant_id AND rp.role = identity.api_keys.role
      )`.as('overrides'),
    )
    .where('tenant_id', '=', tenantId)
    .where('secret_hash', '=', secretHash)
    .where('revoked_at', 'is', null)
    .where(sql<boolean>`expires_at > now()`)
    .executeTakeFirst();
}

/** Moves last_used_at on, at most once a minute (the condition makes concurrent touches cheap no-ops). */
export async function touchApiKey(db: Db, tenantId: string, id: string): Promise<void> {
  await db
    .updateTable('identity.api_keys')
    .set({ last_used_at: sql<Date>`now()` })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where(sql<boolean>`last_used_at IS NULL OR last_used_at < now() - interval '1 minute'`)
    .execute();
}
