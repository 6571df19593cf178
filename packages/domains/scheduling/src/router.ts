import { DomainError, publicProcedure, router, tenantProcedure, type TenantContext } from '@ubos/platform';
import { z } from 'zod';
import * as c from './contracts.ts';
import * as appointments from './service-appointments.ts';
import * as availability from './service-availability.ts';
import * as booking from './service-booking.ts';
import * as calendars from './service-calendars.ts';
import * as service from './service.ts';
import * as types from './service-types.ts';

/**
 * Thin procedures (ARCHITECTURE.md §3): parse, authorize through the meta permission, call the
 * service. The booking procedures are public: a page's slugs, or the manage token, are their
 * only address (rate-limited per IP and per page).
 */

const settings = router({
  get: tenantProcedure
    .meta({ permission: 'scheduling.settings.read' })
    .output(c.settingsDto)
    .query(({ ctx }) => service.getSettings(ctx.domain)),
  update: tenantProcedure
    .meta({ permission: 'scheduling.settings.manage' })
    .input(c.updateSettingsInput)
    .output(c.settingsDto)
    .mutation(({ ctx, input }) => service.updateSettings(ctx.domain, input)),
});

const site = router({
  get: tenantProcedure
    .meta({ permission: 'scheduling.read' })
    .output(c.siteDto)
    .query(({ ctx }) => types.getSite(ctx.domain)),
  set: tenantProcedure
    .meta({ permission: 'scheduling.manage' })
    .input(c.siteInput)
    .output(c.siteDto.unwrap())
    .mutation(({ ctx, input }) => types.setSite(ctx.domain, input)),
});

const typesRouter = router({
  create: tenantProcedure
    .meta({ permission: 'scheduling.manage' })
    .input(c.createTypeInput)
    .output(c.typeDto)
    .mutation(({ ctx, input }) => types.createType(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'scheduling.manage' })
    .input(c.updateTypeInput)
    .output(c.typeDto)
    .mutation(({ ctx, input }) => types.updateType(ctx.domain, input)),
  list: tenantProcedure
    .meta({ permission: 'scheduling.read' })
    .input(c.listTypesInput)
    .output(z.array(c.typeDto))
    .query(({ ctx, input }) => types.listTypes(ctx.domain, input.includeArchived)),
  archive: tenantProcedure
    .meta({ permission: 'scheduling.manage' })
    .input(c.idInput)
    .output(c.typeDto)
    .mutation(({ ctx, input }) => types.archiveType(ctx.domain, input.id)),
});

/** Whose hours: one's own by default; another user's needs scheduling.manage. */
function subjectOf(ctx: TenantContext, userId: string | undefined): string {
  const subject = userId ?? ctx.tenant.userId;
  if (subject !== ctx.tenant.userId && !ctx.tenant.permissions.has('scheduling.manage')) {
    throw new DomainError('FORBIDDEN', "Only owners and admins change a teammate's hours");
  }
  return subject;
}

const availabilityRouter = router({
  get: tenantProcedure
    .meta({ permission: 'scheduling.read' })
    .input(c.availabilityGetInput)
    .output(c.availabilityDto)
    .query(({ ctx, input }) => availability.getAvailability(ctx.domain, input.userId ?? ctx.tenant.userId)),
  set: tenantProcedure
    .meta({ permission: 'scheduling.write' })
    .input(c.availabilitySetInput)
    .output(c.availabilityDto)
    .mutation(({ ctx, input }) =>
      availability.setAvailability(ctx.domain, subjectOf(ctx, input.userId), input, { mayChangeHolidays: ctx.tenant.permissions.has('scheduling.manage') }),
    ),
});

const appointmentsRouter = router({
  list: tenantProcedure
    .meta({ permission: 'scheduling.read' })
    .input(c.listAppointmentsInput)
    .output(z.array(c.appointmentDto))
    .query(({ ctx, input }) => appointments.listAppointments(ctx.domain, input)),
  forClient: tenantProcedure
    .meta({ permission: 'scheduling.read' })
    .input(c.clientAppointmentsInput)
    .output(z.array(c.appointmentDto))
    .query(({ ctx, input }) => appointments.clientAppointments(ctx.domain, input.clientId, input.limit)),
  get: tenantProcedure
    .meta({ permission: 'scheduling.read' })
    .input(c.idInput)
    .output(c.appointmentDto)
    .query(({ ctx, input }) => appointments.getAppointment(ctx.domain, input.id)),
  create: tenantProcedure
    .meta({ permission: 'scheduling.write' })
    .input(c.createAppointmentInput)
    .output(c.appointmentDto)
    .mutation(({ ctx, input }) => appointments.createAppointment(ctx.domain, input)),
  reschedule: tenantProcedure
    .meta({ permission: 'scheduling.write' })
    .input(c.rescheduleAppointmentInput)
    .output(c.appointmentDto)
    .mutation(({ ctx, input }) => appointments.rescheduleAppointment(ctx.domain, input)),
  cancel: tenantProcedure
    .meta({ permission: 'scheduling.write' })
    .input(c.cancelAppointmentInput)
    .output(c.appointmentDto)
    .mutation(({ ctx, input }) => appointments.cancelAppointment(ctx.domain, input)),
  complete: tenantProcedure
    .meta({ permission: 'scheduling.write' })
    .input(c.idInput)
    .output(c.appointmentDto)
    .mutation(({ ctx, input }) => appointments.completeAppointment(ctx.domain, input.id)),
  markNoShow: tenantProcedure
    .meta({ permission: 'scheduling.write' })
    .input(c.idInput)
    .output(c.appointmentDto)
    .mutation(({ ctx, input }) => appointments.markNoShow(ctx.domain, input.id)),
});

const calendarsRouter = router({
  list: tenantProcedure
    .meta({ permission: 'scheduling.read' })
    .output(z.array(c.calendarDto))
    .query(({ ctx }) => calendars.listCalendars(ctx.domain)),
  connect: tenantProcedure
    .meta({ permission: 'scheduling.write' })
    .input(c.connectCalendarInput)
    .output(z.array(c.calendarDto))
    .mutation(({ ctx, input }) => calendars.connectCalendar(ctx.domain, input, ctx.config)),
  setPrimary: tenantProcedure
    .meta({ permission: 'scheduling.write' })
    .input(c.idInput)
    .output(c.calendarDto)
    .mutation(({ ctx, input }) => calendars.setPrimary(ctx.domain, input.id)),
  busy: tenantProcedure
    .meta({ permission: 'scheduling.read' })
    .input(c.busyInput)
    .output(z.array(c.busyDto))
    .query(({ ctx, input }) => calendars.listBusy(ctx.domain, input)),
});

const bookingRouter = router({
  page: publicProcedure
    .input(c.bookingPageInput)
    .output(c.bookingPageDto)
    .query(({ ctx, input }) => booking.page(ctx, input)),
  slots: publicProcedure
    .input(c.bookingSlotsInput)
    .output(c.slotsDto)
    .query(({ ctx, input }) => booking.slots(ctx, input)),
  book: publicProcedure
    .input(c.bookInput)
    .output(c.bookedDto)
    .mutation(({ ctx, input }) => booking.book(ctx, input)),
  appointment: publicProcedure
    .input(c.manageInput)
    .output(c.managedAppointmentDto)
    .query(({ ctx, input }) => booking.manage(ctx, input)),
  manageSlots: publicProcedure
    .input(c.manageSlotsInput)
    .output(c.slotsDto)
    .query(({ ctx, input }) => booking.manageSlots(ctx, input)),
  reschedule: publicProcedure
    .input(c.publicRescheduleInput)
    .output(c.managedAppointmentDto)
    .mutation(({ ctx, input }) => booking.reschedule(ctx, input)),
  cancel: publicProcedure
    .input(c.publicCancelInput)
    .output(c.managedAppointmentDto)
    .mutation(({ ctx, input }) => booking.cancel(ctx, input)),
});

export const schedulingRouter = router({
  settings,
  site,
  types: typesRouter,
  availability: availabilityRouter,
  appointments: appointmentsRouter,
  calendars: calendarsRouter,
  booking: bookingRouter,
});
export type SchedulingRouter = typeof schedulingRouter;
