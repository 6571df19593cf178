import { z } from 'zod';
import { DomainError, NotFoundError } from '../errors.ts';
import { router, tenantProcedure } from '../trpc/trpc.ts';
import { deadLettersRedriven, eventsReplayed } from './admin-contracts.ts';
import type { UntypedDB } from '../db/database.ts';
import type { Context } from '../trpc/context.ts';
import type { EventAdminRuntime } from '../domain/runtime.ts';
import { getDeadLetter, listDeadLetters, redriveDeadLetters, type DeadLetter } from './dead-letters.ts';
import { replayEvents } from './replay.ts';

function requireRuntime(ctx: Pick<Context, 'runtime'>): EventAdminRuntime {
  const runtime = ctx.runtime.events;
  if (!runtime) throw new DomainError('PRECONDITION_FAILED', 'The event backbone is not running in this process');
  return runtime;
}

function subscriptionNames(runtime: EventAdminRuntime, only?: string): string[] {
  const names = runtime.subscriptions.map((subscription) => subscription.name);
  if (only === undefined) return names;
  if (!names.includes(only)) throw new NotFoundError('Subscription', only);
  return [only];
}

const errorSchema = z.object({ name: z.string().optional(), message: z.string() }).nullable();

export const deadLetterSchema = z.object({
  id: z.uuid(),
  subscription: z.string(),
  eventId: z.string().nullable(),
  eventType: z.string().nullable(),
  occurredAt: z.string().nullable(),
  correlationId: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()).nullable(),
  error: errorSchema,
  attempts: z.number().int(),
  deadLetteredAt: z.string(),
  firstQueuedAt: z.string().nullable(),
});

function toDto(letter: DeadLetter): z.infer<typeof deadLetterSchema> {
  const error = letter.error as { name?: unknown; message?: unknown } | null;
  return {
    id: letter.id,
    subscription: letter.subscription,
    eventId: letter.event?.id ?? null,
    eventType: letter.event?.type ?? null,
    occurredAt: letter.event?.occurred_at ?? null,
    correlationId: letter.event?.correlation_id ?? null,
    payload: letter.event?.payload ?? null,
    error:
      error && typeof error === 'object'
        ? { message: String(error.message ?? 'unknown error'), ...(typeof error.name === 'string' ? { name: error.name } : {}) }
        : null,
    attempts: letter.attempts,
    deadLetteredAt: new Date(letter.deadLetteredAt).toISOString(),
    firstQueuedAt: letter.firstQueuedAt ? new Date(letter.firstQueuedAt).toISOString() : null,
  };
}

const admin = tenantProcedure.meta({ permission: 'platform.events.admin' });
/** Long work started by one call: charged as expensive against the caller's budgets. */
const expensiveAdmin = tenantProcedure.meta({ permission: 'platform.events.admin', cost: 'expensive' });

/** platform.events.*: a tenant admin sees and redrives only the tenant's own dead letters. */
export const eventsAdminRouter = router({
  deadLetters: router({
    list: admin
      .input(
        z.object({
          subscription: z.string().optional(),
          limit: z.number().int().min(1).max(200).default(50),
          cursor: z.uuid().nullish(),
        }),
      )
      .output(z.object({ items: z.array(deadLetterSchema), nextCursor: z.uuid().nullable() }))
      .query(async ({ ctx, input }) => {
        const runtime = requireRuntime(ctx);
        const letters = await listDeadLetters(ctx.domain.db<UntypedDB>(), {
          subscriptions: subscriptionNames(runtime, input.subscription),
          tenantId: ctx.tenant.tenantId,
          limit: input.limit + 1,
          after: input.cursor ?? null,
        });
        const page = letters.slice(0, input.limit);
        return { items: page.map(toDto), nextCursor: letters.length > input.limit ? (page.at(-1)?.id ?? null) : null };
      }),
    get: admin
      .input(z.object({ id: z.uuid() }))
      .output(deadLetterSchema.extend({ raw: z.unknown(), errorDetail: z.unknown() }))
      .query(async ({ ctx, input }) => {
        const runtime = requireRuntime(ctx);
        const letter = await getDeadLetter(ctx.domain.db<UntypedDB>(), input.id, { subscriptions: subscriptionNames(runtime), tenantId: ctx.tenant.tenantId });
        if (!letter) throw new NotFoundError('Dead letter', input.id);
        return { ...toDto(letter), raw: letter.raw, errorDetail: letter.error };
      }),
    redrive: admin
      .input(z.object({ id: z.uuid() }))
      .output(z.object({ redriven: z.number().int() }))
      .mutation(async ({ ctx, input }) => {
        const runtime = requireRuntime(ctx);
        const scope = { subscriptions: subscriptionNames(runtime), tenantId: ctx.tenant.tenantId };
        const letter = await getDeadLetter(ctx.domain.db<UntypedDB>(), input.id, scope);
        if (!letter) throw new NotFoundError('Dead letter', input.id);
        const redriven = await redriveDeadLetters(runtime.boss, {
          subscriptions: [letter.subscription],
          tenantId: ctx.tenant.tenantId,
          ids: [input.id],
          trx: ctx.domain.db<UntypedDB>(),
        });
        await ctx.domain.emit(
          deadLettersRedriven,
          { subscriptions: [letter.subscription], dead_letter_ids: [input.id], redriven },
          { aggregateId: letter.subscription },
        );
        return { redriven };
      }),
    redriveAll: expensiveAdmin
      .input(z.object({ subscription: z.string().optional() }))
      .output(z.object({ redriven: z.number().int() }))
      .mutation(async ({ ctx, input }) => {
        const runtime = requireRuntime(ctx);
        const subscriptions = subscriptionNames(runtime, input.subscription);
        const redriven = await redriveDeadLetters(runtime.boss, {
          subscriptions,
          tenantId: ctx.tenant.tenantId,
          trx: ctx.domain.db<UntypedDB>(),
        });
        await ctx.domain.emit(
          deadLettersRedriven,
          { subscriptions: input.subscription ? subscriptions : ['*'], dead_letter_ids: null, redriven },
          { aggregateId: input.subscription ?? '*' },
        );
        return { redriven };
      }),
  }),
  replay: expensiveAdmin
    .input(
      z.object({
        subscription: z.string(),
        /** ISO time or event id. */
        from: z.string().min(1),
        reset: z.boolean().default(true),
      }),
    )
    .output(z.object({ enqueued: z.number().int(), reset: z.number().int() }))
    .mutation(async ({ ctx, input }) => {
      const runtime = requireRuntime(ctx);
      const subscription = runtime.subscriptions.find((candidate) => candidate.name === input.subscription);
      if (!subscription) throw new NotFoundError('Subscription', input.subscription);
      try {
        const result = await replayEvents({
          db: ctx.db,
          boss: runtime.boss,
          subscription,
          from: input.from,
          tenantId: ctx.tenant.tenantId,
          reset: input.reset,
        });
        await ctx.domain.emit(
          eventsReplayed,
          { subscription: subscription.name, from: input.from, reset: input.reset, enqueued: result.enqueued, reset_count: result.reset },
          { aggregateId: subscription.name },
        );
        return { enqueued: result.enqueued, reset: result.reset };
      } catch (error) {
        if (error instanceof Error && /not in the outbox|must be an ISO time/.test(error.message)) {
          throw new DomainError('BAD_REQUEST', error.message);
        }
        throw error;
      }
    }),
});
