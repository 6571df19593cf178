import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { DomainModule, Subscription } from '../module.ts';
import { Dispatcher } from './dispatcher.ts';
import { scheduleRetention } from './retention.ts';
import { startSubscriptionRunner, type SubscriptionRunner } from './runner.ts';
import { collectSubscriptions, defaultQueueSettings, ensureSubscriptionQueues, type QueueSettings } from './subscriptions.ts';
import { UpcasterRegistry } from './upcasting.ts';

export interface EventBackboneOptions {
  db: Database;
  boss: PgBoss;
  modules: readonly Partial<Pick<DomainModule, 'subscriptions' | 'upcasters'>>[];
  log: Logger;
  /** Connection string for the dispatcher's LISTEN connection; defaults to the db pool's settings. */
  listenConnectionString?: string;
  /** Outbox retention in days; omit to not schedule the prune job. */
  retentionDays?: number;
  /** Run the outbox dispatcher in this process (default true). */
  dispatch?: boolean;
  /** Run the subscription handlers in this process (default true). */
  handle?: boolean;
  dispatchBatchSize?: number;
  dispatchPollIntervalMs?: number;
  /** Queue backstop poll, also how soon a due retry is picked up (default 1 s). */
  workerPollIntervalSeconds?: number;
  queueSettings?: Partial<QueueSettings>;
}

export interface EventBackbone {
  subscriptions: readonly Subscription[];
  registry: UpcasterRegistry;
  dispatcher: Dispatcher | null;
  stop(): Promise<void>;
}

/**
 * Starts what a worker process runs for events: creates every subscription queue and its
 * dead-letter queue, starts the handlers, then the outbox dispatcher, and schedules retention.
 * The boss must already be started.
 */
export async function startEventBackbone(options: EventBackboneOptions): Promise<EventBackbone> {
  const log = options.log.child({ component: 'event-backbone' });
  const subscriptions = collectSubscriptions(options.modules);
  const registry = new UpcasterRegistry(options.modules.flatMap((module) => module.upcasters ?? []));
  await ensureSubscriptionQueues(options.boss, subscriptions, { ...defaultQueueSettings, ...options.queueSettings });

  let runner: SubscriptionRunner | null = null;
  if (options.handle ?? true) {
    runner = await startSubscriptionRunner({
      db: options.db,
      boss: options.boss,
      subscriptions,
      log,
      registry,
      ...(options.workerPollIntervalSeconds ? { pollIntervalSeconds: options.workerPollIntervalSeconds } : {}),
    });
  }
  let dispatcher: Dispatcher | null = null;
  if (options.dispatch ?? true) {
    dispatcher = new Dispatcher({
      db: options.db,
      boss: options.boss,
      subscriptions,
      log,
      ...(options.listenConnectionString ? { listenConnectionString: options.listenConnectionString } : {}),
      ...(options.dispatchBatchSize ? { batchSize: options.dispatchBatchSize } : {}),
      ...(options.dispatchPollIntervalMs ? { pollIntervalMs: options.dispatchPollIntervalMs } : {}),
    });
    await dispatcher.start();
  }
  if (options.retentionDays !== undefined) {
    await scheduleRetention(options.boss, options.db, { retentionDays: options.retentionDays, log });
  }
  log.info({ subscriptions: subscriptions.map((subscription) => subscription.name), dispatch: !!dispatcher }, 'event backbone started');
  let stopped = false;
  return {
    subscriptions,
    registry,
    dispatcher,
    async stop() {
      if (stopped) return;
      stopped = true;
      await dispatcher?.stop();
      await runner?.stop();
    },
  };
}
