import type { AnyRouter } from '@trpc/server';
import type { Migration } from './db/migrations.ts';
import type { Database } from './db/database.ts';
import type { PermissionGrants } from './auth/permissions.ts';
import type { ActionDefinition, ActionRegistry } from './domain/action.ts';
import type { DomainContext } from './domain/context.ts';
import type { KernelServices } from './domain/services.ts';
import type { EventContract, EventEnvelope } from './events/envelope.ts';
import type { Upcaster } from './events/upcasting.ts';
import type { Logger } from './logger.ts';

/**
 * What a subscription handler receives besides the event: the DomainContext of the event's
 * tenant transaction (its events carry the same correlation id, causation = this event).
 */
export type HandlerContext = DomainContext;

/** Why an event was dead-lettered, as the runner recorded it. */
export interface DeadLetterFailure {
  message: string;
  name?: string;
  attempts: number;
}

/** An event subscription: one pg-boss queue named after `name`. */
export interface Subscription {
  /** Unique, stable queue name, e.g. `timeline.record-activity`. */
  name: string;
  /** Event types it wants (each declared by some module's `events`); `*` for every type. */
  events: readonly string[];
  handle(event: EventEnvelope, context: HandlerContext): Promise<void>;
  /**
   * Called once when an event exhausts its retries and goes to the dead-letter queue, in its own
   * tenant transaction (e.g. to mark a long-running job failed so the UI stops showing progress).
   * A failure here is logged; the event is dead-lettered either way.
   */
  onDeadLetter?(event: EventEnvelope, failure: DeadLetterFailure, context: HandlerContext): Promise<void>;
  /** Attempts after the first before the job goes to the dead-letter queue (default 5). */
  retryLimit?: number;
  /** Base of the exponential backoff with jitter, in seconds (default 2). */
  retryDelaySeconds?: number;
  /** Upper bound of one backoff delay, in seconds (default 600). */
  retryDelayMaxSeconds?: number;
  /** How long one attempt may run before pg-boss retries it (default 60). */
  timeoutSeconds?: number;
  /**
   * Handle events of one aggregate one at a time, strictly oldest first (pg-boss key_strict_fifo
   * keyed by aggregate). A dead-lettered event holds back its aggregate until it is redriven.
   * Decided when the queue is first created.
   */
  ordered?: boolean;
  /** Jobs fetched per poll (default 20) and pollers per process (default 2). */
  batchSize?: number;
  concurrency?: number;
}

export interface JobContext {
  db: Database;
  log: Logger;
  /** The kernel's configured ports (blob store, scanner, …). */
  services: KernelServices;
  /** Every module's workflow actions, for a job whose work crosses into another domain (by name, §3). */
  actions?: ActionRegistry;
}

/** A scheduled or background job run by pg-boss. */
export interface JobDefinition {
  name: string;
  /** Cron expression for scheduled jobs; omit for on-demand jobs. */
  cron?: string;
  run(data: unknown, context: JobContext): Promise<void>;
}

/** The one object the host knows a domain by (made with defineDomain). */
export interface DomainModule<Name extends string = string, Router extends AnyRouter = AnyRouter> {
  /** Also the Postgres schema name and the key under which the router is mounted. */
  readonly name: Name;
  readonly router: Router;
  readonly migrations: readonly Migration[];
  /** The permissions its procedures declare, with the roles that hold them by default. */
  readonly permissions: PermissionGrants;
  /** The event contracts it publishes (every version it may still read back). */
  readonly events: readonly EventContract[];
  readonly subscriptions: readonly Subscription[];
  readonly actions: readonly ActionDefinition[];
  readonly jobs: readonly JobDefinition[];
  /** Upcasters for older versions of the events this module publishes. */
  readonly upcasters: readonly Upcaster[];
}

export type { ActionContext, ActionDefinition } from './domain/action.ts';
