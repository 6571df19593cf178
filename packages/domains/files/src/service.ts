import { isDeepStrictEqual } from 'node:util';
import type { DomainContext } from '@ubos/platform';
import {
  defaultSettings,
  settingKeySchema,
  settingsSchema,
  settingsUpdated,
  type SettingKey,
  type Settings,
  type SettingsDto,
  type UpdateSettingsInput,
} from './contracts.ts';
import type { FilesDB, SettingsRow } from './db.ts';
import * as repo from './repository.ts';

/**
 * Business rules of the files domain. Every function receives the DomainContext of the
 * current tenant transaction (ARCHITECTURE.md §3): rows and events commit together or not at all.
 */

function toDto(row: SettingsRow | undefined): SettingsDto {
  if (!row) return { settings: { ...defaultSettings }, updatedAt: null, updatedBy: null };
  // Stored keys win over the defaults; keys no longer in the schema are dropped.
  return { settings: settingsSchema.parse({ ...defaultSettings, ...row.settings }), updatedAt: row.updated_at, updatedBy: row.updated_by };
}

/** A settings key as the snake_case event payload names it (`maxFileBytes` → `max_file_bytes`). */
function snakeKey(key: SettingKey): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** The tenant's settings: the defaults until someone changes one. */
export async function getSettings(ctx: DomainContext): Promise<SettingsDto> {
  return toDto(await repo.findSettings(ctx.db<FilesDB>(), ctx.tenantId));
}

/**
 * Changes the given settings. A change that alters nothing writes nothing and emits nothing;
 * otherwise the row and `files.settings.updated` are written in the caller's transaction.
 */
export async function updateSettings(ctx: DomainContext, input: UpdateSettingsInput): Promise<SettingsDto> {
  const db = ctx.db<FilesDB>();
  // The row lock orders concurrent changes of one tenant, so `changed_keys` is exact.
  const current = toDto(await repo.findSettings(db, ctx.tenantId, { forUpdate: true }));
  const changes: Partial<Settings> = {};
  const changedKeys: SettingKey[] = [];
  for (const key of settingKeySchema.options) {
    const value = input[key];
    if (value === undefined || isDeepStrictEqual(current.settings[key], value)) continue;
    Object.assign(changes, { [key]: value });
    changedKeys.push(key);
  }
  if (changedKeys.length === 0) return current;
  const row = await repo.upsertSettings(db, { tenantId: ctx.tenantId, defaults: defaultSettings, changes, updatedBy: ctx.actorId });
  // Nothing written: a concurrent first write of this tenant already stored the same values.
  if (!row) return toDto(await repo.findSettings(db, ctx.tenantId));
  const next = toDto(row);
  await ctx.emit(
    settingsUpdated,
    {
      enabled: next.settings.enabled,
      label: next.settings.label,
      allowed_types: next.settings.allowedTypes,
      max_file_bytes: next.settings.maxFileBytes,
      changed_keys: changedKeys.map(snakeKey),
      updated_by: ctx.actorId,
    },
    { aggregateId: ctx.tenantId },
  );
  return next;
}
