import type { Kysely, Transaction } from 'kysely';
import type { UntypedDB } from '../db/database.ts';
import type { EventContract, EventEnvelope } from '../events/envelope.ts';
import { writeEvent, writeEvents, type EventItem, type EventMeta } from '../events/outbox.ts';
import type { Logger } from '../logger.ts';
import { requireReferences, type ReferenceCheck } from './references.ts';
import type { KernelServices } from './services.ts';

/**
 * What a domain service receives, whoever calls it (a tenant procedure, an event handler, a
 * workflow action): the current tenant transaction, typed by the caller with its own schema,
 * the event writer bound to that transaction, and who and what caused the call.
 */
export interface DomainContext {
  readonly tenantId: string;
  /** The user acting, or null for system work (handlers of system events, schedules). */
  readonly actorId: string | null;
  readonly correlationId: string;
  /** The event that caused this work (handlers, workflow steps), else null. */
  readonly causationId: string | null;
  readonly log: Logger;
  /** The kernel's configured ports (blob store, scanner, …); see services.ts. Empty in handlers and workflow steps. */
  readonly services: KernelServices;
  /**
   * The current tenant transaction typed with the calling domain's own tables
   * (`ctx.db<CrmDB>()`). RLS scopes every query to `tenantId`.
   */
  db<DB>(): Transaction<DB>;
  /** Writes one event in the current transaction: it commits exactly with the business write. */
  emit<Payload extends Record<string, unknown>>(
    contract: EventContract<string, Payload>,
    payload: Payload,
    options: { aggregateId: string },
  ): Promise<EventEnvelope>;
  /** Writes many events of one contract in the current transaction, 1,000 per INSERT. */
  emitMany<Payload extends Record<string, unknown>>(contract: EventContract<string, Payload>, items: readonly EventItem<Payload>[]): Promise<EventEnvelope[]>;
  /** Runs `task` after the transaction commits (never on rollback); failures are logged. */
  afterCommit(task: () => Promise<void>): void;
  /**
   * Checks ids this domain stores but another owns (a client, a member) exist in this tenant;
   * throws BAD_REQUEST naming each unknown field. See references.ts.
   */
  requireReferences(checks: readonly ReferenceCheck[]): Promise<void>;
}

export interface DomainContextInput<DB = UntypedDB> {
  /** The current scoped transaction (withTenant's), whatever tables its caller typed it with. */
  trx: Transaction<DB> | Kysely<DB>;
  tenantId: string;
  actorId: string | null;
  correlationId: string;
  causationId?: string | null;
  log: Logger;
  /** The kernel's ports (default: none configured). */
  services?: KernelServices;
  /** Where after-commit tasks go; without one, afterCommit() throws (the caller owns no commit hook). */
  afterCommit?: (task: () => Promise<void>) => void;
}

/** The one place the kernel hands a domain its typed transaction. */
export function createDomainContext<DB = UntypedDB>(input: DomainContextInput<DB>): DomainContext {
  const meta: EventMeta = {
    tenantId: input.tenantId,
    actorId: input.actorId,
    correlationId: input.correlationId,
    causationId: input.causationId ?? null,
  };
  const trx: Transaction<unknown> = input.trx as unknown as Transaction<unknown>;
  const afterCommit = input.afterCommit;
  return {
    tenantId: input.tenantId,
    actorId: input.actorId,
    correlationId: input.correlationId,
    causationId: meta.causationId ?? null,
    log: input.log,
    services: input.services ?? {},
    db<DB>(): Transaction<DB> {
      // The kernel's only cast of the tenant transaction: the domain's DB type lists its own tables.
      return trx as unknown as Transaction<DB>;
    },
    emit(contract, payload, options) {
      return writeEvent(trx as unknown as Kysely<unknown>, contract, payload, { ...meta, aggregateId: options.aggregateId });
    },
    emitMany(contract, items) {
      return writeEvents(trx as unknown as Kysely<unknown>, contract, items, meta);
    },
    requireReferences(checks) {
      return requireReferences(trx as unknown as Kysely<unknown>, checks);
    },
    afterCommit(task) {
      if (!afterCommit) throw new Error('This context has no commit hook: afterCommit is only available inside a tenant procedure or a handler');
      afterCommit(task);
    },
  };
}
