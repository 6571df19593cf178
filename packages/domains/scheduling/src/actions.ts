import { defineAction, type ActionDefinition } from '@ubos/platform';
import { z } from 'zod';
import { appointmentStatusSchema, cancelAppointmentInput, createAppointmentInput, settingsSchema, updateSettingsInput } from './contracts.ts';
import * as appointments from './service-appointments.ts';
import * as service from './service.ts';

/**
 * Workflow actions of the scheduling domain (ARCHITECTURE.md §6). The kit validates input and
 * output and runs each at most once per step idempotency key, in the step's tenant transaction.
 * Outputs are stored as JSON for repeats: keep them JSON values (no Date).
 */

export const updateSettingsAction = defineAction({
  name: 'scheduling.updateSettings',
  description: "Change the tenant's scheduling settings (only the fields given); outputs the settings after the change",
  input: updateSettingsInput,
  output: settingsSchema,
  run: async (input, ctx) => (await service.updateSettings(ctx, input)).settings,
});

const appointmentOutput = z.object({ appointmentId: z.uuid(), status: appointmentStatusSchema, start: z.string(), end: z.string() });

export const createAppointmentAction = defineAction({
  name: 'scheduling.createAppointment',
  description: 'Book a free slot of an appointment type for an attendee; fails with "That time was just taken" when it is not free',
  input: createAppointmentInput,
  output: appointmentOutput,
  run: async (input, ctx) => {
    const dto = await appointments.createAppointment(ctx, input, 'workflow');
    return { appointmentId: dto.id, status: dto.status, start: dto.start.toISOString(), end: dto.end.toISOString() };
  },
});

export const cancelAppointmentAction = defineAction({
  name: 'scheduling.cancelAppointment',
  description: 'Cancel an appointment (a cancelled one stays as it is); the attendee gets the cancellation',
  input: cancelAppointmentInput,
  output: appointmentOutput,
  run: async (input, ctx) => {
    const dto = await appointments.cancelAppointment(ctx, input);
    return { appointmentId: dto.id, status: dto.status, start: dto.start.toISOString(), end: dto.end.toISOString() };
  },
});

export const schedulingActions: readonly ActionDefinition[] = [updateSettingsAction, createAppointmentAction, cancelAppointmentAction];
