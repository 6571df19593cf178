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
  /** The actor's name when it is no member: an API key's (the timeline's copy of identity.api_key.created). */
  actorName: z.string().nullable(),
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

/** timeline.verifyChain: the tenant's hash chain walked from its first entry (docs/ARCHITECTURE.md §7). */
export const chainReportDto = z.object({
  /** Entries checked and found linked. */
  entries: z.number().int(),
  /** Entries recorded before the chain began (no link to check). */
  unchained: z.number().int(),
  /** Where the chain head says the chain ends, and its hash (hex): what an operator ships off-host. */
  headSeq: z.number().int(),
  headHash: z.string().nullable(),
  intact: z.boolean(),
  /** The first broken link and what is wrong with it, in words; null when intact. */
  brokenAt: z.number().int().nullable(),
  problem: z.string().nullable(),
});
export type ChainReportDto = z.infer<typeof chainReportDto>;
