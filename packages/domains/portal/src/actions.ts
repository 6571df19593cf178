import { defineAction, type ActionDefinition } from '@ubos/platform';
import { inviteUserActionInput, inviteUserActionOutput, notifyClientInput, notifyClientOutput, settingsSchema, updateSettingsInput } from './contracts.ts';
import * as service from './service.ts';
import { notifyClientUsers } from './service-notify.ts';
import { inviteUser } from './service-users.ts';

/**
 * Workflow actions of the portal domain (ARCHITECTURE.md §6). The kit validates input and
 * output and runs each at most once per step idempotency key, in the step's tenant transaction.
 * Outputs are stored as JSON for repeats: keep them JSON values (no Date), and never a token.
 */

export const updateSettingsAction = defineAction({
  name: 'portal.updateSettings',
  description: "Change the tenant's portal settings (only the fields given); outputs the settings after the change",
  input: updateSettingsInput,
  output: settingsSchema,
  run: async (input, ctx) => (await service.updateSettings(ctx, input)).settings,
});

/**
 * Invites a contact to the portal. Idempotent per contact as well as per step: a second invite
 * of the same contact returns the same portal user (`created: false`).
 */
export const inviteUserAction = defineAction({
  name: 'portal.inviteUser',
  description: "Invite a client's contact to the client portal (emails a sign-in link); outputs the portal user",
  input: inviteUserActionInput,
  output: inviteUserActionOutput,
  run: async (input, ctx) => {
    const { user, created } = await inviteUser(ctx, input, { publicUrl: null, ip: null });
    return { portalUserId: user.id, clientId: user.clientId, email: user.email, created };
  },
});

/** Emails every portal user of a client a link to a portal page (approvals, files, …). */
export const notifyClientAction = defineAction({
  name: 'portal.notifyClient',
  description: "Email the client's portal users a link to a portal page; outputs how many were emailed",
  input: notifyClientInput,
  output: notifyClientOutput,
  run: (input, ctx) => notifyClientUsers(ctx, input),
});

export const portalActions: readonly ActionDefinition[] = [updateSettingsAction, inviteUserAction, notifyClientAction];
