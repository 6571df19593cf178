import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import type { Updateable } from 'kysely';
import { typeArchived, typeCreated, typeUpdated, type CreateTypeInput, type SiteInput, type TypeDto, type UpdateTypeInput } from './contracts.ts';
import { siteUpdated } from './contracts.ts';
import type { AppointmentTypeRow, AppointmentTypesTable, SchedulingDB } from './db.ts';
import * as repo from './repository.ts';

/** Appointment types and the tenant's booking site (the public address). */

export function toTypeDto(row: AppointmentTypeRow): TypeDto {
  return {
    id: row.id,
    name: row.name,
    pageSlug: row.page_slug,
    slug: row.slug,
    description: row.description,
    durationMinutes: row.duration_minutes,
    locationKind: row.location_kind,
    locationDetail: row.location_detail,
    bufferBeforeMinutes: row.buffer_before_minutes,
    bufferAfterMinutes: row.buffer_after_minutes,
    minimumNoticeMinutes: row.minimum_notice_minutes,
    bookingWindowDays: row.booking_window_days,
    maxPerDay: row.max_per_day,
    slotIntervalMinutes: row.slot_interval_minutes,
    questions: row.questions,
    assignment: row.assignment,
    hostIds: row.host_ids,
    reminderMinutes: row.reminder_minutes,
    projectTemplateId: row.project_template_id,
    active: row.active,
    archivedAt: row.archived_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function payloadOf(row: AppointmentTypeRow) {
  return {
    type_id: row.id,
    name: row.name,
    page_slug: row.page_slug,
    slug: row.slug,
    duration_minutes: row.duration_minutes,
    assignment: row.assignment,
    host_ids: row.host_ids,
    active: row.active,
  };
}

function slugTaken(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown; constraint?: unknown }).code === '23505' &&
    (error as { constraint?: unknown }).constraint === 'appointment_types_slug_key'
  );
}

const slugConflict = () =>
  new DomainError('CONFLICT', 'Another appointment type on this page already uses this address', [
    { path: ['slug'], message: 'This address is taken on this page' },
  ]);

function uniqueHosts(hostIds: readonly string[]): string[] {
  const unique = [...new Set(hostIds)];
  if (unique.length !== hostIds.length) throw new DomainError('BAD_REQUEST', 'A host is listed twice', [{ path: ['hostIds'], message: 'Listed twice' }]);
  return unique;
}

export async function createType(ctx: DomainContext, input: CreateTypeInput): Promise<TypeDto> {
  const db = ctx.db<SchedulingDB>();
  try {
    const row = await repo.insertType(db, {
      id: uuidv7(),
      tenant_id: ctx.tenantId,
      page_slug: input.pageSlug,
      slug: input.slug,
      name: input.name,
      description: input.description,
      duration_minutes: input.durationMinutes,
      location_kind: input.locationKind,
      location_detail: input.locationDetail,
      buffer_before_minutes: input.bufferBeforeMinutes,
      buffer_after_minutes: input.bufferAfterMinutes,
      minimum_notice_minutes: input.minimumNoticeMinutes,
      booking_window_days: input.bookingWindowDays,
      max_per_day: input.maxPerDay,
      slot_interval_minutes: input.slotIntervalMinutes,
      questions: JSON.stringify(input.questions),
      assignment: input.assignment,
      host_ids: uniqueHosts(input.hostIds),
      reminder_minutes: [...new Set(input.reminderMinutes)],
      project_template_id: input.projectTemplateId,
      active: input.active,
      created_by: ctx.actorId,
    });
    await ctx.emit(typeCreated, payloadOf(row), { aggregateId: row.id });
    return toTypeDto(row);
  } catch (error) {
    if (slugTaken(error)) throw slugConflict();
    throw error;
  }
}

export async function updateType(ctx: DomainContext, input: UpdateTypeInput): Promise<TypeDto> {
  const db = ctx.db<SchedulingDB>();
  const current = await repo.findType(db, input.id, { forUpdate: true });
  if (!current || current.archived_at) throw new NotFoundError('Appointment type', input.id);
  const assignment = input.assignment ?? current.assignment;
  const hostIds = input.hostIds ? uniqueHosts(input.hostIds) : current.host_ids;
  if (assignment === 'single' && hostIds.length !== 1) {
    throw new DomainError('BAD_REQUEST', 'A type with one host names exactly one; choose round robin or collective for several', [
      { path: ['hostIds'], message: 'One host only' },
    ]);
  }
  const changes: Updateable<AppointmentTypesTable> = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.pageSlug !== undefined ? { page_slug: input.pageSlug } : {}),
    ...(input.slug !== undefined ? { slug: input.slug } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.durationMinutes !== undefined ? { duration_minutes: input.durationMinutes } : {}),
    ...(input.locationKind !== undefined ? { location_kind: input.locationKind } : {}),
    ...(input.locationDetail !== undefined ? { location_detail: input.locationDetail } : {}),
    ...(input.bufferBeforeMinutes !== undefined ? { buffer_before_minutes: input.bufferBeforeMinutes } : {}),
    ...(input.bufferAfterMinutes !== undefined ? { buffer_after_minutes: input.bufferAfterMinutes } : {}),
    ...(input.minimumNoticeMinutes !== undefined ? { minimum_notice_minutes: input.minimumNoticeMinutes } : {}),
    ...(input.bookingWindowDays !== undefined ? { booking_window_days: input.bookingWindowDays } : {}),
    ...(input.maxPerDay !== undefined ? { max_per_day: input.maxPerDay } : {}),
    ...(input.slotIntervalMinutes !== undefined ? { slot_interval_minutes: input.slotIntervalMinutes } : {}),
    ...(input.questions !== undefined ? { questions: JSON.stringify(input.questions) } : {}),
    ...(input.reminderMinutes !== undefined ? { reminder_minutes: [...new Set(input.reminderMinutes)] } : {}),
    ...(input.projectTemplateId !== undefined ? { project_template_id: input.projectTemplateId } : {}),
    ...(input.active !== undefined ? { active: input.active } : {}),
    assignment,
    host_ids: hostIds,
  };
  try {
    const row = await repo.updateType(db, input.id, changes);
    if (!row) throw new NotFoundError('Appointment type', input.id);
    await ctx.emit(typeUpdated, payloadOf(row), { aggregateId: row.id });
    return toTypeDto(row);
  } catch (error) {
    if (slugTaken(error)) throw slugConflict();
    throw error;
  }
}

export async function listTypes(ctx: DomainContext, includeArchived: boolean): Promise<TypeDto[]> {
  return (await repo.listTypes(ctx.db<SchedulingDB>(), { includeArchived })).map(toTypeDto);
}

/** Archives the type (no new bookings; existing appointments stay). Archiving twice changes nothing. */
export async function archiveType(ctx: DomainContext, id: string): Promise<TypeDto> {
  const db = ctx.db<SchedulingDB>();
  const current = await repo.findType(db, id, { forUpdate: true });
  if (!current) throw new NotFoundError('Appointment type', id);
  if (current.archived_at) return toTypeDto(current);
  const row = await repo.updateType(db, id, { archived_at: new Date(), active: false });
  if (!row) throw new NotFoundError('Appointment type', id);
  await ctx.emit(typeArchived, payloadOf(row), { aggregateId: row.id });
  return toTypeDto(row);
}

export async function getSite(ctx: DomainContext): Promise<{ slug: string; name: string } | null> {
  const row = await repo.findSite(ctx.db<SchedulingDB>());
  return row ? { slug: row.slug, name: row.name } : null;
}

/** Addresses the web app uses itself under /book/. */
const reservedSlugs = new Set(['manage']);

export async function setSite(ctx: DomainContext, input: SiteInput): Promise<{ slug: string; name: string }> {
  if (reservedSlugs.has(input.slug))
    throw new DomainError('BAD_REQUEST', 'This booking address is reserved; choose another', [{ path: ['slug'], message: 'Reserved' }]);
  try {
    const row = await repo.upsertSite(ctx.db<SchedulingDB>(), ctx.tenantId, input);
    await ctx.emit(siteUpdated, { slug: row.slug, name: row.name }, { aggregateId: ctx.tenantId });
    return { slug: row.slug, name: row.name };
  } catch (error) {
    if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505') {
      throw new DomainError('CONFLICT', 'Another organization already uses this booking address', [{ path: ['slug'], message: 'This address is taken' }]);
    }
    throw error;
  }
}
