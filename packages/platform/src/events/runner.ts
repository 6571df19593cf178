import type { Job, JobResult, PgBoss } from 'pg-boss';
import { sql, withTenant, type Database, type UntypedDB } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Subscription } from '../module.ts';
import type { EventEnvelope } from './envelope.ts';
import { deliveryLag, eventsDeadLettered, eventsFailed, eventsHandled, handlerDuration } from './metrics.ts';
import { subscriptionDefaults } from './subscriptions.ts';
import { readEnvelope, UpcasterRegistry } from './upcasting.ts';

export type HandleOutcome = 'handled' | 'skipped';

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
    await subscription.handle(event, {
      trx,
      log: options.log.child({ subscription: subscription.name, eventId: event.id, correlationId: event.correlation_id }),
      eventMeta: {
        tenantId: event.tenant_id,
        actorId: event.actor_id,
        correlationId: event.correlation_id,
        causationId: event.id,
      },
    });
    return 'handled';
  });
  handlerDuration.observe({ subscription: subscription.name }, (performance.now() - started) / 1000);
  eventsHandled.inc({ subscription: subscription.name, outcome });
  if (outcome === 'handled') {
    deliveryLag.observe({ subscription: subscription.name }, Math.max(0, Date.now() - Date.parse(event.occurred_at)) / 1000);
  }
  return outcome;
}

function describe(error: unknown): { message: string; name?: string; stack?: string } {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack?.split('\n').slice(0, 8).join('\n') };
  return { message: String(error) };
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
        if (last) eventsDeadLettered.inc({ subscription: subscription.name });
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
      async (jobs: Job<EventEnvelope>[]) => Promise.all(jobs.map(runJob)),
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
