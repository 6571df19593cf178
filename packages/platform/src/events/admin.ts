import type { PgBoss } from 'pg-boss';
import type { Subscription } from '../module.ts';

/**
 * What the admin procedures (dead letters, replay) need at request time: the process's
 * pg-boss instance and the registered subscriptions. startEventBackbone() registers it;
 * an api-only process calls configureEventAdmin() itself after creating its boss.
 */
export interface EventAdminRuntime {
  boss: PgBoss;
  subscriptions: readonly Subscription[];
}

let runtime: EventAdminRuntime | null = null;

export function configureEventAdmin(value: EventAdminRuntime | null): void {
  runtime = value;
}

export function eventAdminRuntime(): EventAdminRuntime | null {
  return runtime;
}
