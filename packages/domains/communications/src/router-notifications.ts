import { router, tenantProcedure } from '@ubos/platform';
import {
  getOutgoingInput,
  listNotificationsInput,
  listOutgoingInput,
  markReadDto,
  markReadInput,
  notificationPageDto,
  outgoingMailDetailDto,
  outgoingPageDto,
  preferencesDto,
  updatePreferencesInput,
} from './contracts-notifications.ts';
import * as service from './service-notifications.ts';

/** The caller's own notifications (the bell). */
const notifications = router({
  list: tenantProcedure
    .meta({ permission: 'communications.notifications.use' })
    .input(listNotificationsInput)
    .output(notificationPageDto)
    .query(({ ctx, input }) => service.listNotifications(ctx.domain, input)),
  markRead: tenantProcedure
    .meta({ permission: 'communications.notifications.use' })
    .input(markReadInput)
    .output(markReadDto)
    .mutation(({ ctx, input }) => service.markRead(ctx.domain, input.ids)),
  markAllRead: tenantProcedure
    .meta({ permission: 'communications.notifications.use' })
    .output(markReadDto)
    .mutation(({ ctx }) => service.markAllRead(ctx.domain)),
});

/** The caller's own delivery channels. */
const preferences = router({
  get: tenantProcedure
    .meta({ permission: 'communications.notifications.use' })
    .output(preferencesDto)
    .query(({ ctx }) => service.getPreferences(ctx.domain)),
  update: tenantProcedure
    .meta({ permission: 'communications.notifications.use' })
    .input(updatePreferencesInput)
    .output(preferencesDto)
    .mutation(({ ctx, input }) => service.updatePreferences(ctx.domain, input)),
});

/** Settings → Email → Sent by UBOS: the tenant's system-mail log. */
const outgoing = router({
  list: tenantProcedure
    .meta({ permission: 'communications.outgoing.read' })
    .input(listOutgoingInput)
    .output(outgoingPageDto)
    .query(({ ctx, input }) => service.listOutgoing(ctx.domain, input)),
  get: tenantProcedure
    .meta({ permission: 'communications.outgoing.read' })
    .input(getOutgoingInput)
    .output(outgoingMailDetailDto)
    .query(({ ctx, input }) => service.getOutgoing(ctx.domain, input.id, ctx.config.PUBLIC_URL ?? `http://localhost:${ctx.config.PORT}`)),
});

export const notificationRouters = { notifications, preferences, outgoing };
