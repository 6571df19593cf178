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
import type { AgreementsDB, SettingsRow } from './db.ts';
import * as repo from './repository.ts';

/**
 * Business rules of the agreements domain. Every function receives the DomainContext of the
 * current tenant transaction (ARCHITECTURE.md §3): rows and events commit together or not at all.
 */

function toDto(row: SettingsRow | undefined): SettingsDto {
  if (!row) return { settings: { ...defaultSettings }, updatedAt: null, updatedBy: null };
  // Stored keys win over the defaults; keys no longer in the schema are dropped.
  return { settings: settingsSchema.parse({ ...defaultSettings, ...row.settings }), updatedAt: row.updated_at, updatedBy: row.updated_by };
}

/** The tenant's settings: the defaults until someone changes one. */
export async function getSettings(ctx: DomainContext): Promise<SettingsDto> {
  return toDto(await repo.findSettings(ctx.db<AgreementsDB>(), ctx.tenantId));
}

/**
 * Changes the given settings. A change that alters nothing writes nothing and emits nothing;
 * otherwise the row and `agreements.settings.updated` are written in the caller's transaction.
 */
export async function updateSettings(ctx: DomainContext, input: UpdateSettingsInput): Promise<SettingsDto> {
  const db = ctx.db<AgreementsDB>();
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
    { enabled: next.settings.enabled, label: next.settings.label, changed_keys: changedKeys, updated_by: ctx.actorId },
    { aggregateId: ctx.tenantId },
  );
  return next;
}
