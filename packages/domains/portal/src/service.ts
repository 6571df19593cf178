import { isDeepStrictEqual } from 'node:util';
import { blobKey, DomainError, inspectBlob, requireService, uuidv7, type DomainContext, type KernelServices, type Transaction } from '@ubos/platform';
import {
  defaultSettings,
  settingKeySchema,
  settingsSchema,
  settingsUpdated,
  slugOf,
  type BrandingDto,
  type SettingKey,
  type Settings,
  type SettingsDto,
  type UpdateSettingsInput,
} from './contracts.ts';
import type { PortalDB, SettingsRow } from './db.ts';
import * as repo from './repository.ts';

/**
 * Business rules of the portal domain: settings (branding) and the organization's portal
 * address. Every function receives the DomainContext of the current tenant transaction
 * (ARCHITECTURE.md §3): rows and events commit together or not at all.
 */

const LOGO_URL_SECONDS = 300;
const LOGO_MAX_BYTES = 1024 * 1024;
const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
const LOGO_EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

function settingsOf(row: SettingsRow | undefined): Settings {
  // Stored keys win over the defaults; keys no longer in the schema are dropped.
  return row ? settingsSchema.parse({ ...defaultSettings, ...row.settings }) : { ...defaultSettings };
}

async function logoUrl(services: KernelServices, logo: string | null): Promise<string | null> {
  if (!logo || !services.blobs) return null;
  // The key ends in the type's extension (logoUpload), so no round trip to the store is needed.
  const contentType = LOGO_TYPES.find((type) => logo.endsWith(`.${LOGO_EXTENSIONS[type]}`)) ?? 'image/png';
  return services.blobs.presignGet({ key: logo, expiresInSeconds: LOGO_URL_SECONDS, filename: 'logo', contentType, disposition: 'inline' });
}

async function toDto(ctx: DomainContext, row: SettingsRow | undefined): Promise<SettingsDto> {
  const settings = settingsOf(row);
  const organization = await repo.findOrganization(ctx.db<PortalDB>(), ctx.tenantId);
  return {
    settings,
    slug: organization?.slug ?? null,
    organizationName: organization?.name ?? null,
    logoUrl: await logoUrl(ctx.services, settings.logo),
    updatedAt: row?.updated_at ?? null,
    updatedBy: row?.updated_by ?? null,
  };
}

/** The tenant's settings: the defaults until someone changes one. */
export async function getSettings(ctx: DomainContext): Promise<SettingsDto> {
  return toDto(ctx, await repo.findSettings(ctx.db<PortalDB>(), ctx.tenantId));
}

/** What every portal page shows of the firm. */
export async function brandingOf(
  db: Transaction<PortalDB>,
  services: KernelServices,
  tenantId: string,
  organization: { slug: string; name: string },
): Promise<BrandingDto> {
  const settings = settingsOf(await repo.findSettings(db, tenantId));
  return {
    slug: organization.slug,
    name: settings.name ?? organization.name,
    accent: settings.accent,
    support: settings.support,
    logoUrl: await logoUrl(services, settings.logo),
  };
}

async function applySettings(ctx: DomainContext, input: Partial<Settings>): Promise<SettingsDto> {
  const db = ctx.db<PortalDB>();
  // The row lock orders concurrent changes of one tenant, so `changed_keys` is exact.
  const current = settingsOf(await repo.findSettings(db, ctx.tenantId, { forUpdate: true }));
  const changes: Partial<Settings> = {};
  const changedKeys: SettingKey[] = [];
  for (const key of settingKeySchema.options) {
    const value = input[key];
    if (value === undefined || isDeepStrictEqual(current[key], value)) continue;
    Object.assign(changes, { [key]: value });
    changedKeys.push(key);
  }
  if (changedKeys.length === 0) return getSettings(ctx);
  const row = await repo.upsertSettings(db, { tenantId: ctx.tenantId, defaults: defaultSettings, changes, updatedBy: ctx.actorId });
  // Nothing written: a concurrent first write of this tenant already stored the same values.
  if (!row) return getSettings(ctx);
  const next = settingsOf(row);
  await ctx.emit(
    settingsUpdated,
    {
      enabled: next.enabled,
      label: next.label,
      name: next.name,
      accent: next.accent,
      support: next.support,
      logo_set: next.logo !== null,
      changed_keys: changedKeys,
      updated_by: ctx.actorId,
    },
    { aggregateId: ctx.tenantId },
  );
  return toDto(ctx, row);
}

/**
 * Changes the given settings. A change that alters nothing writes nothing and emits nothing;
 * otherwise the row and `portal.settings.updated` are written in the caller's transaction.
 */
export function updateSettings(ctx: DomainContext, input: UpdateSettingsInput): Promise<SettingsDto> {
  return applySettings(ctx, input);
}

/** A signed form to upload a logo to (a fresh key under the tenant's portal prefix). */
function blobStore(ctx: DomainContext) {
  if (!ctx.services.blobs) throw new DomainError('PRECONDITION_FAILED', 'File storage is not configured on this server, so a logo cannot be uploaded.');
  return requireService(ctx.services, 'blobs');
}

export async function logoUpload(ctx: DomainContext, input: { contentType: string; size: number }) {
  const blobs = blobStore(ctx);
  const key = blobKey({ tenantId: ctx.tenantId, domain: 'portal', entity: 'logo', blobId: `${uuidv7()}.${LOGO_EXTENSIONS[input.contentType] ?? 'png'}` });
  const form = await blobs.presignPost({
    key,
    contentType: input.contentType,
    minBytes: 1,
    maxBytes: Math.min(input.size, LOGO_MAX_BYTES),
    expiresInSeconds: 900,
  });
  return { key, url: form.url, method: form.method, fields: form.fields };
}

/** Makes an uploaded logo the portal's, once its bytes are checked (a real PNG/JPEG/WebP, ≤ 1 MB). */
export async function logoComplete(ctx: DomainContext, key: string): Promise<SettingsDto> {
  // Another tenant's key is not found here (its prefix is the tenant id).
  if (!key.startsWith(`${ctx.tenantId}/portal/logo/`)) throw new DomainError('NOT_FOUND', 'That logo upload was not found. Upload the logo again.');
  const blobs = blobStore(ctx);
  const head = await blobs.head(key);
  if (!head) throw new DomainError('BAD_REQUEST', 'The logo has not arrived yet. Upload it again.');
  const inspected = await inspectBlob(blobs, key);
  if (!inspected) throw new DomainError('BAD_REQUEST', 'The logo has not arrived yet. Upload it again.');
  if (head.size > LOGO_MAX_BYTES || !LOGO_TYPES.includes(inspected.sniffedType) || !key.endsWith(`.${LOGO_EXTENSIONS[inspected.sniffedType]}`)) {
    throw new DomainError('BAD_REQUEST', 'The logo must be a PNG, JPEG or WebP image of at most 1 MB.');
  }
  return applySettings(ctx, { logo: key });
}

/**
 * Records the organization's portal address from identity.organization.created: its name as a
 * slug, or the slug with a short suffix of the tenant id when another organization has it.
 */
export async function recordOrganization(ctx: DomainContext, name: string): Promise<void> {
  const db = ctx.db<PortalDB>();
  if (await repo.findOrganization(db, ctx.tenantId)) return;
  const base = slugOf(name);
  const candidates = [base, `${base}-${ctx.tenantId.replace(/-/g, '').slice(-6)}`, `${base}-${ctx.tenantId.replace(/-/g, '')}`];
  for (const slug of candidates) {
    if (await repo.slugTaken(db, slug)) continue;
    if (await repo.insertOrganization(db, { tenantId: ctx.tenantId, name, slug })) return;
  }
  throw new Error(`No free portal address for organization ${ctx.tenantId}`);
}
