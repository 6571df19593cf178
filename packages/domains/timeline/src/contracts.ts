// Public contracts of the timeline domain: DTO schemas other packages and the web app may import.
import { z } from 'zod';

export const TIMELINE_SUBSCRIPTION = 'timeline.record-activity';

/** One timeline entry as procedures return it. Timestamps are ISO strings. */
export const activityDto = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  type: z.string(),
  eventVersion: z.number().int(),
  actorId: z.uuid().nullable(),
  entityType: z.string().nullable(),
  entityId: z.string().nullable(),
  clientId: z.uuid().nullable(),
  summary: z.string(),
  payload: z.record(z.string(), z.unknown()),
  correlationId: z.string().nullable(),
  occurredAt: z.iso.datetime({ offset: true }),
  recordedAt: z.iso.datetime({ offset: true }),
});
export type ActivityDto = z.infer<typeof activityDto>;

export const timelineListInput = z
  .object({
    /** Everything about one entity (aggregate), e.g. { type: 'crm.client', id }. */
    entity: z.object({ type: z.string().min(1).max(100), id: z.string().min(1).max(200) }).optional(),
    clientId: z.uuid().optional(),
    actorId: z.uuid().optional(),
    /** Exact event types, e.g. ['identity.member.joined']. */
    types: z.array(z.string().min(1).max(200)).min(1).max(50).optional(),
    /** occurred_at >= from */
    from: z.iso.datetime({ offset: true }).optional(),
    /** occurred_at < to */
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.number().int().min(1).max(100).default(50),
    /** nextCursor of the previous page. */
    cursor: z.string().max(200).nullish(),
  })
  .refine((input) => !input.from || !input.to || Date.parse(input.from) < Date.parse(input.to), {
    message: '`from` must be before `to`',
    path: ['to'],
  });
export type TimelineListInput = z.infer<typeof timelineListInput>;

export const activityPageDto = z.object({
  items: z.array(activityDto),
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type ActivityPageDto = z.infer<typeof activityPageDto>;
