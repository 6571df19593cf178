import type { PgBoss, Queue } from 'pg-boss';
import type { DomainModule, Subscription } from '../module.ts';
import type { EventEnvelope } from './envelope.ts';

/** Defaults applied to every subscription queue; a subscription may override each. */
export const subscriptionDefaults = {
  retryLimit: 5,
  retryDelaySeconds: 2,
  retryDelayMaxSeconds: 600,
  timeoutSeconds: 60,
  /**
   * A working job's worker refreshes its heartbeat every 5 s (half of this); a job whose worker died
   * (kill -9, lost host) misses it and is failed and retried by the next supervisor pass, about
   * 10-15 s after the crash instead of after the whole timeout. A slow handler that is alive keeps
   * heartbeating, so it is not run twice.
   */
  heartbeatSeconds: 10,
  batchSize: 20,
  concurrency: 2,
} as const;

export interface QueueSettings {
  /** Seconds a completed job stays in pg-boss before its maintenance deletes it. */
  completedRetentionSeconds: number;
  /** Seconds a dead letter is kept (waiting for inspection or redrive). */
  deadLetterRetentionSeconds: number;
}

export const defaultQueueSettings: QueueSettings = {
  completedRetentionSeconds: 300,
  deadLetterRetentionSeconds: 30 * 24 * 3600,
};

/** The dead-letter queue of a subscription queue. */
export function deadLetterQueueName(subscription: string): string {
  return `${subscription}.dead`;
}

export function subscriptionMatches(subscription: Pick<Subscription, 'events'>, type: string): boolean {
  for (const pattern of subscription.events) {
    if (pattern === '*' || pattern === type) return true;
    // `crm.*` matches every event of the crm domain.
    if (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))) return true;
  }
  return false;
}

/** Every subscription of every module; names must be unique across the process. */
export function collectSubscriptions(modules: readonly Partial<Pick<DomainModule, 'subscriptions'>>[]): Subscription[] {
  const seen = new Set<string>();
  const all: Subscription[] = [];
  for (const module of modules) {
    for (const subscription of module.subscriptions ?? []) {
      if (seen.has(subscription.name)) throw new Error(`Duplicate subscription name ${subscription.name}`);
      if (!/^[\w.\-/]+$/.test(subscription.name)) throw new Error(`Invalid subscription name ${subscription.name}`);
      seen.add(subscription.name);
      all.push(subscription);
    }
  }
  return all;
}

/** The key that serialises events of one aggregate for `ordered` subscriptions. */
export function orderingKey(event: Pick<EventEnvelope, 'tenant_id' | 'aggregate_type' | 'aggregate_id' | 'id'>): string {
  if (!event.aggregate_id) return event.id;
  return `${event.tenant_id}:${event.aggregate_type ?? ''}:${event.aggregate_id}`;
}

export function queueOptions(subscription: Subscription, settings: QueueSettings): Omit<Queue, 'name'> {
  return {
    policy: subscription.ordered ? 'key_strict_fifo' : 'standard',
    // The dispatcher wakes the local workers itself (see wakeLocalWorkers): a pg-boss NOTIFY per
    // dispatch would serialise dispatch commits behind every writer's outbox NOTIFY.
    notify: false,
    retryLimit: subscription.retryLimit ?? subscriptionDefaults.retryLimit,
    retryDelay: subscription.retryDelaySeconds ?? subscriptionDefaults.retryDelaySeconds,
    retryBackoff: true,
    retryDelayMax: subscription.retryDelayMaxSeconds ?? subscriptionDefaults.retryDelayMaxSeconds,
    expireInSeconds: subscription.timeoutSeconds ?? subscriptionDefaults.timeoutSeconds,
    heartbeatSeconds: subscriptionDefaults.heartbeatSeconds,
    deleteAfterSeconds: settings.completedRetentionSeconds,
    deadLetter: deadLetterQueueName(subscription.name),
  };
}

/**
 * Creates (or updates) each subscription's queue and its dead-letter queue. pg-boss refuses
 * `send` to a missing queue, so the host runs this at boot before anything is dispatched.
 */
export async function ensureSubscriptionQueues(
  boss: PgBoss,
  subscriptions: readonly Subscription[],
  settings: QueueSettings = defaultQueueSettings,
): Promise<void> {
  for (const subscription of subscriptions) {
    const dead = deadLetterQueueName(subscription.name);
    const deadOptions = {
      retentionSeconds: settings.deadLetterRetentionSeconds,
      deleteAfterSeconds: settings.completedRetentionSeconds,
    };
    if (await boss.getQueue(dead)) await boss.updateQueue(dead, deadOptions);
    else await boss.createQueue(dead, deadOptions);

    const options = queueOptions(subscription, settings);
    const existing = await boss.getQueue(subscription.name);
    if (!existing) {
      await boss.createQueue(subscription.name, options);
    } else {
      const { policy: _policy, ...updatable } = options;
      await boss.updateQueue(subscription.name, updatable);
    }
  }
}
