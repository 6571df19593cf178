import type { AnyRouter } from '@trpc/server';
import type { z } from 'zod';
import type { Migration } from './db/migrations.ts';
import type { Database, Transaction, UntypedDB } from './db/database.ts';
import type { EventEnvelope } from './events/envelope.ts';
import type { EventMeta } from './events/outbox.ts';
import type { Upcaster } from './events/upcasting.ts';
import type { Logger } from './logger.ts';

/** What a subscription handler receives besides the event: its tenant transaction. */
export interface HandlerContext {
  trx: Transaction<UntypedDB>;
  log: Logger;
  /** Metadata for events the handler emits: same correlation id, causation = this event. */
  eventMeta: EventMeta;
}

/** An event subscription: one pg-boss queue named after `name`. */
/** Why an event was dead-lettered, as the runner recorded it. */
export interface DeadLetterFailure {
  message: string;
  name?: string;
  attempts: number;
}

export interface Subscription {
  /** Unique, stable queue name, e.g. `timeline.record-activity`. */
  name: string;
  /** Event types it wants; `*` for every type. */
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

export interface ActionContext {
  trx: Transaction<UntypedDB>;
  log: Logger;
  tenantId: string;
  actorId: string | null;
  /** `run_id:step_key`: the same key must return the same result and create nothing new. */
  idempotencyKey: string;
  eventMeta: EventMeta;
}

/** A workflow-callable command a domain offers. */
export interface ActionDefinition<Input = unknown, Output = unknown> {
  name: string;
  description: string;
  input: z.ZodType<Input>;
  output: z.ZodType<Output>;
  run(input: Input, context: ActionContext): Promise<Output>;
  compensate?(input: Input, output: Output, context: ActionContext): Promise<void>;
}

export interface JobContext {
  db: Database;
  log: Logger;
}

/** A scheduled or background job run by pg-boss. */
export interface JobDefinition {
  name: string;
  /** Cron expression for scheduled jobs; omit for on-demand jobs. */
  cron?: string;
  run(data: unknown, context: JobContext): Promise<void>;
}

export interface DomainModule {
  /** Also the Postgres schema name and the key under which the router is mounted. */
  name: string;
  router: AnyRouter;
  migrations: readonly Migration[];
  subscriptions?: readonly Subscription[];
  actions?: readonly ActionDefinition[];
  jobs?: readonly JobDefinition[];
  /** Upcasters for older versions of the events this module publishes. */
  upcasters?: readonly Upcaster[];
}
