/**
 * API keys (ARCHITECTURE.md §7, "API keys and the service principal"). One file, so it can be
 * audited in one read.
 *
 * - Secret: `ubos_` + 32 CSPRNG bytes (256 bits) in base32 lowercase (57 characters). Shown once,
 *   in the create answer; only its SHA-256 (hex) is stored, plus its first 13 characters for lists.
 * - Scope: a role (the key holds what that role holds in this tenant, overrides included, at call
 *   time) or a chosen subset of the creator's permissions (always intersected with the creator's
 *   role at call time). Never more than the creator holds at creation; only an owner scopes a key
 *   to the owner role; a key cannot create keys.
 * - Expiry: required, at most API_KEY_MAX_DAYS ahead; decided by the database clock on every call.
 * - Revoke: a conditional UPDATE; no cache, so a revoked or expired key is refused on its next call.
 * - last_used_at moves on at most once a minute (a conditional UPDATE in the call's lookup).
 * - The principal: SessionInfo with `apiKey` set and userId = the key's id, so every call runs with
 *   actor = the key and is charged to the key's own budget and its tenant's (rate limiting).
 */
import {
  DomainError,
  NotFoundError,
  uuidv7,
  withTenant,
  type Database,
  type Permission,
  type PermissionCatalog,
  type SessionInfo,
  type TenantContext,
} from '@ubos/platform';
import { effectivePermissions } from './access.ts';
import {
  API_KEY_MAX_DAYS,
  API_KEY_PREFIX,
  apiKeyCreated,
  apiKeyRevoked,
  apiKeySecretPattern,
  type ApiKeyDto,
  type CreateApiKeyInput,
  type CreatedApiKeyDto,
} from './contracts.ts';
import type { IdentityDB } from './db.ts';
import * as repo from './repository-api-keys.ts';
import { listOverrides } from './repository.ts';
import { generateToken, hashToken } from './sessions.ts';

const DAY_MS = 86_400_000;
const SECRET_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

function statusOf(row: repo.ApiKeyRow, now: number = Date.now()): ApiKeyDto['status'] {
  if (row.revoked_at) return 'revoked';
  if (row.expires_at.getTime() <= now) return 'expired';
  return 'active';
}

function toDto(row: repo.ApiKeyRow): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    prefix: `${row.secret_prefix}…`,
    role: row.role,
    permissions: row.permissions,
    status: statusOf(row),
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

/** A fresh key secret: `ubos_` + 256 random bits. */
export function generateApiKeySecret(): string {
  return `${API_KEY_PREFIX}${generateToken()}`;
}

function refuseKeyPrincipal(ctx: TenantContext, what: string): void {
  if (ctx.session.apiKey) throw new DomainError('FORBIDDEN', `API keys are ${what} by a person signed in, not by another key`);
}

export async function createApiKey(ctx: TenantContext, input: CreateApiKeyInput): Promise<CreatedApiKeyDto> {
  refuseKeyPrincipal(ctx, 'created');
  const trx = ctx.domain.db<IdentityDB>();
  const { tenantId } = ctx.tenant;
  const catalog = ctx.runtime.permissions;
  const expiresAt = new Date(input.expiresAt);
  if (expiresAt.getTime() <= Date.now()) {
    throw new DomainError('BAD_REQUEST', 'Choose an expiry date in the future', [
      { path: ['expiresAt'], message: 'Choose a date in the future', code: 'expired' },
    ]);
  }
  if (expiresAt.getTime() > Date.now() + API_KEY_MAX_DAYS * DAY_MS) {
    throw new DomainError('BAD_REQUEST', `A key can live at most ${API_KEY_MAX_DAYS} days`, [
      { path: ['expiresAt'], message: `Choose a date within ${API_KEY_MAX_DAYS} days`, code: 'too_far' },
    ]);
  }

  let role = ctx.tenant.role;
  let permissions: Permission[] | null = null;
  if (input.role) {
    if (input.role === 'owner' && ctx.tenant.role !== 'owner') throw new DomainError('FORBIDDEN', 'Only an owner can create a key with the owner role');
    const granted = effectivePermissions(catalog, input.role, await listOverrides(trx, tenantId, input.role));
    const beyond = [...granted].filter((permission) => !ctx.tenant.permissions.has(permission)).sort();
    if (beyond.length > 0) {
      throw new DomainError('FORBIDDEN', `A key cannot hold more than you do: the ${input.role} role also allows ${beyond.join(', ')}`, [
        { path: ['role'], message: 'This role allows more than you hold', code: 'beyond_creator' },
      ]);
    }
    role = input.role;
  } else if (input.permissions) {
    const chosen = [...new Set(input.permissions)].sort();
    const unknown = chosen.filter((permission) => !catalog.has(permission));
    if (unknown.length > 0) {
      throw new DomainError(
        'BAD_REQUEST',
        `No such permission: ${unknown.join(', ')}`,
        unknown.map((permission) => ({
          path: ['permissions', input.permissions?.indexOf(permission) ?? 0],
          message: `No such permission: ${permission}`,
          code: 'unknown_permission',
        })),
      );
    }
    const beyond = chosen.filter((permission) => !ctx.tenant.permissions.has(permission));
    if (beyond.length > 0) {
      throw new DomainError(
        'FORBIDDEN',
        `A key cannot hold more than you do: you do not hold ${beyond.join(', ')}`,
        beyond.map((permission) => ({
          path: ['permissions', input.permissions?.indexOf(permission) ?? 0],
          message: `You do not hold ${permission}`,
          code: 'beyond_creator',
        })),
      );
    }
    permissions = chosen;
  }

  const secret = generateApiKeySecret();
  const row = await repo.insertApiKey(trx, {
    id: uuidv7(),
    tenantId,
    name: input.name,
    secretHash: hashToken(secret),
    secretPrefix: secret.slice(0, SECRET_PREFIX_LENGTH),
    role,
    permissions,
    createdBy: ctx.tenant.userId,
    expiresAt,
  });
  await ctx.domain.emit(
    apiKeyCreated,
    {
      api_key_id: row.id,
      name: row.name,
      role: row.role,
      permissions: row.permissions,
      expires_at: row.expires_at.toISOString(),
      created_by: ctx.tenant.userId,
    },
    { aggregateId: row.id },
  );
  return { apiKey: toDto(row), secret };
}

export async function listApiKeys(ctx: TenantContext): Promise<ApiKeyDto[]> {
  const rows = await repo.listApiKeys(ctx.domain.db<IdentityDB>(), ctx.tenant.tenantId);
  return rows.map(toDto);
}

export async function revokeApiKey(ctx: TenantContext, apiKeyId: string): Promise<ApiKeyDto> {
  const trx = ctx.domain.db<IdentityDB>();
  const { tenantId } = ctx.tenant;
  const revoked = await repo.revokeApiKey(trx, tenantId, apiKeyId, ctx.tenant.userId);
  if (!revoked) {
    const existing = await repo.findApiKey(trx, tenantId, apiKeyId);
    if (!existing) throw new NotFoundError('API key', apiKeyId);
    return toDto(existing); // already revoked: revoking again changes nothing
  }
  await ctx.domain.emit(apiKeyRevoked, { api_key_id: revoked.id, name: revoked.name, revoked_by: ctx.tenant.userId }, { aggregateId: revoked.id });
  return toDto(revoked);
}

export function isWellFormedApiKey(secret: string): boolean {
  return apiKeySecretPattern.test(secret);
}

/**
 * The service principal of a bearer key, or null (malformed, unknown, revoked or expired). The
 * key's tenant comes from the SECURITY DEFINER lookup; the key and its role's overrides are read
 * under that tenant's RLS, and last_used_at moves on at most once a minute.
 */
export async function resolveApiKey(deps: { db: Database; permissions: PermissionCatalog }, secret: string): Promise<SessionInfo | null> {
  if (!isWellFormedApiKey(secret)) return null;
  const secretHash = hashToken(secret);
  const tenantId = await repo.apiKeyTenant(deps.db.as<IdentityDB>(), secretHash);
  if (!tenantId) return null;
  return withTenant<IdentityDB, SessionInfo | null>(deps.db, { tenantId }, async (trx) => {
    const row = await repo.findUsableApiKey(trx, tenantId, secretHash);
    if (!row) return null;
    const ofRole = effectivePermissions(deps.permissions, row.role, row.overrides);
    const permissions = row.permissions ? new Set(row.permissions.filter((permission) => ofRole.has(permission))) : ofRole;
    if (row.needs_touch) await repo.touchApiKey(trx, tenantId, row.id);
    return {
      sessionId: `api-key:${row.id}`,
      userId: row.id,
      email: '',
      name: row.name,
      tenantId,
      role: row.role,
      permissions,
      expiresAt: row.expires_at,
      apiKey: { id: row.id, name: row.name },
    };
  });
}
