import type { Job, JobResult, PgBoss } from 'pg-boss';
import { sql, withTenant, type Database, type Transaction, type UntypedDB } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { HandlerContext, Subscription } from '../module.ts';
import type { EventEnvelope } from './envelope.ts';
import { deliveryLag, eventsDeadLettered, eventsFailed, eventsHandled, handlerDuration } from './metrics.ts';
import { subscriptionDefaults } from './subscriptions.ts';
import { readEnvelope, UpcasterRegistry } from './upcasting.ts';

export type HandleOutcome = 'handled' | 'skipped';

function handlerContext(trx: Transaction<UntypedDB>, event: EventEnvelope, subscription: Subscription, log: Logger): HandlerContext {
  return {
    trx,
    log: log.child({ subscription: subscription.name, eventId: event.id, correlationId: event.correlation_id }),
    eventMeta: {
      tenantId: event.tenant_id,
      actorId: event.actor_id,
      correlationId: event.correlation_id,
      causationId: event.id,
    },
  };
}

function observeHandled(subscription: Subscription, event: EventEnvelope, outcome: HandleOutcome, started: number): void {
  handlerDuration.observe({ subscription: subscription.name }, (performance.now() - started) / 1000);
  eventsHandled.inc({ subscription: subscription.name, outcome });
  if (outcome === 'handled') {
    deliveryLag.observe({ subscription: subscription.name }, Math.max(0, Date.now() - Date.parse(event.occurred_at)) / 1000);
  }
}

/**
 * The fast path for a batch of one tenant's events: ONE tenant transaction records all of them
 * in processed_events with one statement and runs the handlers one after another. If anything
 * throws, the whole transaction rolls back and returns false: the caller then handles each
 * event in its own transaction (handleEvent), so one bad event never fails its neighbours.
 */
export async function handleEventsTogether(
  db: Database,
  subscription: Subscription,
  events: readonly EventEnvelope[],
  log: Logger,
): Promise<boolean> {
  const tenantId = events[0]?.tenant_id;
  if (!tenantId || events.some((event) => event.tenant_id !== tenantId)) throw new Error('handleEventsTogether takes one tenant');
  const started = performance.now();
  let outcomes: [EventEnvelope, HandleOutcome][];
  try {
    outcomes = await withTenant<UntypedDB, [EventEnvelope, HandleOutcome][]>(db, { tenantId }, async (trx) => {
      const recorded = await sql<{ event_id: string }>`
        INSERT INTO platform.processed_events (subscription, event_id, tenant_id)
        SELECT ${subscription.name}, event_id, ${tenantId}::uuid FROM unnest(${events.map((event) => event.id)}::uuid[]) AS event_id
        ON CONFLICT DO NOTHING
        RETURNING event_id`.execute(trx);
      const fresh = new Set(recorded.rows.map((row) => row.event_id));
      const result: [EventEnvelope, HandleOutcome][] = [];
      for (const event of events) {
        if (!fresh.has(event.id)) {
          result.push([event, 'skipped']);
          continue;
        }
        await subscription.handle(event, handlerContext(trx, event, subscription, log));
        result.push([event, 'handled']);
      }
      return result;
    });
  } catch {
    return false;
  }
  for (const [event, outcome] of outcomes) observeHandled(subscription, event, outcome, started);
  return true;
}

/**
 * Runs one subscription handler for one event, exactly once in effect: inside the event's
 * tenant transaction it first records (subscription, event_id) in platform.processed_events;
 * if the row is already there (a redelivery) the handler is skipped. The record and the
 * handler's writes commit or roll back together.
 */
export async function handleEvent(
  db: Database,
  subscription: Subscription,
  raw: unknown,
  options: { registry?: UpcasterRegistry; log: Logger },
): Promise<HandleOutcome> {
  const event = readEnvelope(raw, options.registry ?? new UpcasterRegistry());
  const started = performance.now();
  const outcome = await withTenant<UntypedDB, HandleOutcome>(db, { tenantId: event.tenant_id }, async (trx) => {
    const recorded = await sql<{ event_id: string }>`
      INSERT INTO platform.processed_events (subscription, event_id, tenant_id)
      VALUES (${subscription.name}, ${event.id}, ${event.tenant_id})
      ON CONFLICT DO NOTHING
      RETURNING event_id`.execute(trx);
    if (recorded.rows.length === 0) return 'skipped';
    await subscription.handle(event, handlerContext(trx, event, subscription, options.log));
    return 'handled';
  });
  observeHandled(subscription, event, outcome, started);
  return outcome;
}

function describe(error: unknown): { message: string; name?: string; stack?: string } {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack?.split('\n').slice(0, 8).join('\n') };
  return { message: String(error) };
}

/**
 * Runs the subscription's onDeadLetter hook (if any) for an event that is about to be
 * dead-lettered, in its own tenant transaction. Never throws: the dead-lettering goes ahead.
 */
export async function notifyDeadLetter(
  db: Database,
  subscription: Subscription,
  raw: unknown,
  error: unknown,
  attempts: number,
  options: { registry: UpcasterRegistry; log: Logger },
): Promise<void> {
  const hook = subscription.onDeadLetter;
  if (!hook) return;
  try {
    const event = readEnvelope(raw, options.registry);
    const { message, name } = describe(error);
    await withTenant<UntypedDB, void>(db, { tenantId: event.tenant_id }, (trx) =>
      hook.call(subscription, event, { message, ...(name ? { name } : {}), attempts }, handlerContext(trx, event, subscription, options.log)),
    );
  } catch (hookError) {
    options.log.error({ err: hookError, subscription: subscription.name }, 'onDeadLetter hook failed');
  }
}

export interface SubscriptionRunnerOptions {
  db: Database;
  boss: PgBoss;
  subscriptions: readonly Subscription[];
  log: Logger;
  registry: UpcasterRegistry;
  /** Backstop poll of each queue while NOTIFY is active; also how soon a due retry is picked up. Default 1 s. */
  pollIntervalSeconds?: number;
}

export interface SubscriptionRunner {
  stop(): Promise<void>;
}

/** One pg-boss worker per subscription; each job settles on its own (perJobResults). */
export async function startSubscriptionRunner(options: SubscriptionRunnerOptions): Promise<SubscriptionRunner> {
  const { db, boss, registry } = options;
  const log = options.log.child({ component: 'subscriptions' });
  const poll = options.pollIntervalSeconds ?? 1;
  const names: string[] = [];
  for (const subscription of options.subscriptions) {
    const retryLimit = subscription.retryLimit ?? subscriptionDefaults.retryLimit;
    const runJob = async (job: Job<EventEnvelope>): Promise<JobResult> => {
      try {
        await handleEvent(db, subscription, job.data, { registry, log });
        return { id: job.id, status: 'completed' };
      } catch (error) {
        eventsFailed.inc({ subscription: subscription.name });
        const invalid = error instanceof Error && error.name === 'ZodError';
        const last = invalid || job.retryCount >= retryLimit;
        if (last) {
          eventsDeadLettered.inc({ subscription: subscription.name });
          if (!invalid) await notifyDeadLetter(db, subscription, job.data, error, job.retryCount + 1, { registry, log });
        }
        log.warn(
          { err: error, subscription: subscription.name, eventId: job.data?.id, attempt: job.retryCount + 1, deadLettered: last },
          'event handler failed',
        );
        // An envelope that does not parse will never parse: dead-letter it at once.
        return { id: job.id, status: invalid ? 'deadletter' : 'failed', output: describe(error) };
      }
    };
    await boss.work<EventEnvelope>(
      subscription.name,
      {
        batchSize: subscription.batchSize ?? subscriptionDefaults.batchSize,
        localConcurrency: subscription.concurrency ?? subscriptionDefaults.concurrency,
        perJobResults: true,
        // Keep fetching without waiting for the poll interval while batches come back full.
        burstWhenBatchFull: true,
        pollingIntervalSeconds: poll,
        notifyPollingIntervalSeconds: poll,
      },
      async (jobs: Job<EventEnvelope>[]) => {
        // Several events of one tenant: try them together in one transaction first.
        const byTenant = new Map<string, { job: Job<EventEnvelope>; event: EventEnvelope }[]>();
        const alone: Job<EventEnvelope>[] = [];
        for (const job of jobs) {
          let event: EventEnvelope;
          try {
            event = readEnvelope(job.data, registry);
          } catch {
            alone.push(job); // runJob dead-letters it with the validation error
            continue;
          }
          let group = byTenant.get(event.tenant_id);
          if (!group) byTenant.set(event.tenant_id, (group = []));
          group.push({ job, event });
        }
        const results = await Promise.all([
          ...alone.map(runJob),
          ...[...byTenant.values()].map(async (group): Promise<JobResult[]> => {
            if (group.length > 1 && (await handleEventsTogether(db, subscription, group.map((item) => item.event), log))) {
              return group.map((item) => ({ id: item.job.id, status: 'completed' as const }));
            }
            return Promise.all(group.map((item) => runJob(item.job)));
          }),
        ]);
        return results.flat();
      },
    );
    names.push(subscription.name);
  }
  log.info({ subscriptions: names }, 'subscription workers started');
  return {
    async stop() {
      await Promise.all(names.map((name) => boss.offWork(name, { wait: true })));
    },
  };
}
