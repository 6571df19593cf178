import { defineAction, type ActionDefinition } from '@ubos/platform';
import { settingsSchema, updateSettingsInput } from './contracts.ts';
import * as service from './service.ts';

/**
 * Workflow actions of the revenue domain (ARCHITECTURE.md §6). The kit validates input and
 * output and runs each at most once per step idempotency key, in the step's tenant transaction.
 * Outputs are stored as JSON for repeats: keep them JSON values (no Date).
 */

export const updateSettingsAction = defineAction({
  name: 'revenue.updateSettings',
  description: "Change the tenant's revenue settings (only the fields given); outputs the settings after the change",
  input: updateSettingsInput,
  output: settingsSchema,
  run: async (input, ctx) => (await service.updateSettings(ctx, input)).settings,
});

export const revenueActions: readonly ActionDefinition[] = [updateSettingsAction];
