import { contextOfTraceparent, withSpan } from '../tracing.ts';
import type { Job, JobResult, PgBoss } from 'pg-boss';
import { TransactionPreludeError, withTenant, withTenantPrelude, type Database, type Transaction, type UntypedDB } from '../db/database.ts';
import { createDomainContext } from '../domain/context.ts';
import type { Logger } from '../logger.ts';
import type { HandlerContext, Subscription } from '../module.ts';
import type { EventEnvelope } from './envelope.ts';
import { wakeLocalWorkers } from './dispatcher.ts';
import { deliveryLag, eventsDeadLettered, eventsFailed, eventsHandled, handlerDuration } from './metrics.ts';
import { subscriptionDefaults } from './subscriptions.ts';
import { readEnvelope, UpcasterRegistry } from './upcasting.ts';

export type HandleOutcome = 'handled' | 'skipped';

function handlerContext(trx: Transaction<UntypedDB>, event: EventEnvelope, subscription: Subscription, log: Logger): HandlerContext {
  return createDomainContext({
    trx,
    tenantId: event.tenant_id,
    actorId: event.actor_id,
    correlationId: event.correlation_id,
    causationId: event.id,
    log: log.child({ subscription: subscription.name, eventId: event.id, correlationId: event.correlation_id }),
  });
}

function observeHandled(subscription: Subscription, event: EventEnvelope, outcome: HandleOutcome, started: number): void {
  handlerDuration.observe({ subscription: subscription.name }, (performance.now() - started) / 1000);
  eventsHandled.inc({ subscription: subscription.name, outcome });
  if (outcome === 'handled') {
    deliveryLag.observe({ subscription: subscription.name }, Math.max(0, Date.now() - Date.parse(event.occurred_at)) / 1000);
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const subscriptionNamePattern = /^[\w.\-/]+$/;

/**
 * The statement that records (subscription, event) as processed, with validated literals so it
 * can travel in the same round trip as BEGIN. Without ON CONFLICT: an event already processed
 * makes it fail, which rolls the transaction back before the handler runs.
 */
function recordProcessedSql(subscription: Subscription, tenantId: string, eventIds: readonly string[]): string {
  if (!subscriptionNamePattern.test(subscription.name)) throw new Error(`Invalid subscription name ${subscription.name}`);
  for (const id of [tenantId, ...eventIds]) {
    if (!uuidPattern.test(id)) throw new Error(`Invalid event or tenant id ${id}`);
  }
  const values = eventIds.map((id) => `('${subscription.name}', '${id}', '${tenantId}')`).join(', ');
  return `insert into platform.processed_events (subscription, event_id, tenant_id) values ${values}`;
}

/** True when the prelude failed because an event was already recorded as processed. */
function alreadyProcessed(error: unknown): boolean {
  if (!(error instanceof TransactionPreludeError)) return false;
  const cause = error.cause as { code?: string; table?: string } | undefined;
  return cause?.code === '23505' && cause.table === 'processed_events';
}

/**
 * The fast path for a batch of one tenant's events: ONE tenant transaction records all of them
 * in processed_events (in the round trip that begins it) and runs the handlers one after
 * another. If anything throws, or one of them was already processed, the whole transaction
 * rolls back and this returns false: the caller then handles each event in its own
 * transaction (handleEvent), so one bad event never fails its neighbours.
 */
export async function handleEventsTogether(db: Database, subscription: Subscription, events: readonly EventEnvelope[], log: Logger): Promise<boolean> {
  const tenantId = events[0]?.tenant_id;
  if (!tenantId || events.some((event) => event.tenant_id !== tenantId)) throw new Error('handleEventsTogether takes one tenant');
  const started = performance.now();
  const record = recordProcessedSql(
    subscription,
    tenantId,
    events.map((event) => event.id),
  );
  try {
    await withTenantPrelude<UntypedDB, void>(db, { tenantId }, record, async (trx) => {
      for (const event of events) {
        await subscription.handle(event, handlerContext(trx, event, subscription, log));
      }
    });
  } catch {
    return false;
  }
  for (const event of events) observeHandled(subscription, event, 'handled', started);
  return true;
}

/**
 * Runs one subscription handler for one event, exactly once in effect: the event's tenant
 * transaction first records (subscription, event_id) in platform.processed_events; if the row
 * is already there (a redelivery) the transaction rolls back and the handler is skipped. The
 * record and the handler's writes commit or roll back together.
 */
export async function handleEvent(
  db: Database,
  subscription: Subscription,
  raw: unknown,
  options: { registry?: UpcasterRegistry; log: Logger },
): Promise<HandleOutcome> {
  return handleParsedEvent(db, subscription, readEnvelope(raw, options.registry ?? new UpcasterRegistry()), options.log);
}

async function handleParsedEvent(db: Database, subscription: Subscription, event: EventEnvelope, log: Logger): Promise<HandleOutcome> {
  // The handler's span continues the trace of the transaction that wrote the event.
  const attributes = { 'ubos.subscription': subscription.name, 'ubos.event.type': event.type, 'ubos.event.id': event.id };
  return withSpan(
    `event.handle ${subscription.name}`,
    attributes,
    () => handleInTransaction(db, subscription, event, log),
    contextOfTraceparent(event.trace_context),
  );
}

async function handleInTransaction(db: Database, subscription: Subscription, event: EventEnvelope, log: Logger): Promise<HandleOutcome> {
  const started = performance.now();
  let outcome: HandleOutcome = 'handled';
  try {
    await withTenantPrelude<UntypedDB, void>(db, { tenantId: event.tenant_id }, recordProcessedSql(subscription, event.tenant_id, [event.id]), (trx) =>
      subscription.handle(event, handlerContext(trx, event, subscription, log)),
    );
  } catch (error) {
    if (!alreadyProcessed(error)) throw error;
    outcome = 'skipped';
  }
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
  if (!subscription.onDeadLetter) return;
  let event: EventEnvelope;
  try {
    event = readEnvelope(raw, options.registry);
  } catch (parseError) {
    options.log.error({ err: parseError, subscription: subscription.name }, 'onDeadLetter hook failed');
    return;
  }
  await runDeadLetterHook(db, subscription, event, error, attempts, options.log);
}

async function runDeadLetterHook(db: Database, subscription: Subscription, event: EventEnvelope, error: unknown, attempts: number, log: Logger): Promise<void> {
  const hook = subscription.onDeadLetter;
  if (!hook) return;
  try {
    const { message, name } = describe(error);
    await withTenant<UntypedDB, void>(db, { tenantId: event.tenant_id }, (trx) =>
      hook.call(subscription, event, { message, ...(name ? { name } : {}), attempts }, handlerContext(trx, event, subscription, log)),
    );
  } catch (hookError) {
    log.error({ err: hookError, subscription: subscription.name }, 'onDeadLetter hook failed');
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
    // An envelope that does not parse will never parse: dead-letter it at once. No
    // onDeadLetter: without a valid envelope there is no tenant to run it for.
    const deadLetterInvalid = (job: Job<EventEnvelope>, error: unknown): JobResult => {
      eventsFailed.inc({ subscription: subscription.name });
      eventsDeadLettered.inc({ subscription: subscription.name });
      log.warn({ err: error, subscription: subscription.name, jobId: job.id, deadLettered: true }, 'invalid event envelope');
      return { id: job.id, status: 'deadletter', output: describe(error) };
    };
    const runJob = async (job: Job<EventEnvelope>, event: EventEnvelope): Promise<JobResult> => {
      try {
        await handleParsedEvent(db, subscription, event, log);
        return { id: job.id, status: 'completed' };
      } catch (error) {
        // Whatever the handler threw (a ZodError included) is retried with backoff.
        eventsFailed.inc({ subscription: subscription.name });
        const last = job.retryCount >= retryLimit;
        if (last) {
          eventsDeadLettered.inc({ subscription: subscription.name });
          await runDeadLetterHook(db, subscription, event, error, job.retryCount + 1, log);
        }
        log.warn({ err: error, subscription: subscription.name, eventId: event.id, attempt: job.retryCount + 1, deadLettered: last }, 'event handler failed');
        return { id: job.id, status: 'failed', output: describe(error) };
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
        const invalid: JobResult[] = [];
        for (const job of jobs) {
          let event: EventEnvelope;
          try {
            event = readEnvelope(job.data, registry);
          } catch (error) {
            invalid.push(deadLetterInvalid(job, error));
            continue;
          }
          const group = byTenant.get(event.tenant_id) ?? [];
          if (group.length === 0) byTenant.set(event.tenant_id, group);
          group.push({ job, event });
        }
        const results = await Promise.all(
          [...byTenant.values()].map(async (group): Promise<JobResult[]> => {
            if (
              group.length > 1 &&
              (await handleEventsTogether(
                db,
                subscription,
                group.map((item) => item.event),
                log,
              ))
            ) {
              return group.map((item) => ({ id: item.job.id, status: 'completed' as const }));
            }
            return Promise.all(group.map((item) => runJob(item.job, item.event)));
          }),
        );
        const settled = [...invalid, ...results.flat()];
        // An ordered queue hands out one job per aggregate at a time: completing one makes the
        // aggregate's next job fetchable, so fetch again right away instead of at the next poll.
        if (subscription.ordered && settled.some((result) => result.status === 'completed')) wakeLocalWorkers(boss, [subscription.name]);
        return settled;
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
