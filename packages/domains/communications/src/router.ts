import { router, tenantProcedure } from '@ubos/platform';
import { settingsDto, updateSettingsInput } from './contracts.ts';
import * as service from './service.ts';
import { notificationRouters } from './router-notifications.ts';
import { emailRouters } from './router-email.ts';

/** Thin procedures (ARCHITECTURE.md §10): parse, authorize through the meta permission, call the service. */

const settings = router({
  get: tenantProcedure
    .meta({ permission: 'communications.settings.read' })
    .output(settingsDto)
    .query(({ ctx }) => service.getSettings(ctx.domain)),
  update: tenantProcedure
    .meta({ permission: 'communications.settings.manage' })
    .input(updateSettingsInput)
    .output(settingsDto)
    .mutation(({ ctx, input }) => service.updateSettings(ctx.domain, input)),
});

export const communicationsRouter = router({ settings, ...emailRouters, ...notificationRouters });
export type CommunicationsRouter = typeof communicationsRouter;
