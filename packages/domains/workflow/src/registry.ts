// The action registry the host builds from every module's `actions`, plus workflow's core actions.
import { z } from 'zod';
import { typed, uuidv7, withIdempotency, writeEvent, type ActionDefinition } from '@ubos/platform';
import { notificationCreated } from './contracts.ts';
import type { WorkflowDB } from './db.ts';

const waitInput = z.strictObject({
  seconds: z.number().int().min(0).max(366 * 86_400).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  offsetSeconds: z.number().int().optional(),
});
const waitOutput = z.object({ resumedAt: z.string() });

/**
 * `core.wait`: a step that only waits. The engine reads its input (`seconds`, or `until` an
 * ISO date-time with an optional `offsetSeconds`) to delay the step's job; running it records when
 * the wait ended.
 */
export const coreWait: ActionDefinition<z.infer<typeof waitInput>, z.infer<typeof waitOutput>> = {
  name: 'core.wait',
  description: 'Wait a duration, or until a date (optionally shifted by offsetSeconds)',
  input: waitInput,
  output: waitOutput,
  async run() {
    return { resumedAt: new Date().toISOString() };
  },
};

const notifyInput = z.strictObject({
  userId: z.uuid(),
  title: z.string().trim().min(1).max(200),
  body: z.string().max(5000).optional(),
  link: z.string().max(2000).optional(),
});
const notifyOutput = z.object({ notificationId: z.uuid() });

/** `core.notify`: writes a notification record for a user (and an event). Idempotent per key. */
export const coreNotify: ActionDefinition<z.infer<typeof notifyInput>, z.infer<typeof notifyOutput>> = {
  name: 'core.notify',
  description: 'Create a notification for a user',
  input: notifyInput,
  output: notifyOutput,
  async run(input, context) {
    return withIdempotency(context.trx, { tenantId: context.tenantId, scope: 'core.notify', key: context.idempotencyKey }, async () => {
      const id = uuidv7();
      const runId = context.idempotencyKey.split(':')[0] ?? null;
      await typed<WorkflowDB>(context.trx)
        .insertInto('workflow.notifications')
        .values({
          id,
          tenant_id: context.tenantId,
          user_id: input.userId,
          title: input.title,
          body: input.body ?? '',
          link: input.link ?? null,
          run_id: runId && /^[0-9a-f-]{36}$/.test(runId) ? runId : null,
          idempotency_key: context.idempotencyKey,
        })
        .execute();
      await writeEvent(
        context.trx,
        notificationCreated,
        { notificationId: id, userId: input.userId, title: input.title, runId },
        { ...context.eventMeta, aggregateId: id },
      );
      return { notificationId: id };
    });
  },
};

export const coreActions: readonly ActionDefinition[] = [coreWait, coreNotify];

const actionNamePattern = /^[a-z][a-zA-Z0-9]*\.[a-zA-Z][a-zA-Z0-9]*$/;

/** Name → action. Core actions are always present. */
export class ActionRegistry {
  readonly #actions = new Map<string, ActionDefinition>();

  constructor(actions: readonly ActionDefinition[] = []) {
    this.replace(actions);
  }

  /** Replaces the registered domain actions (the core actions stay). */
  replace(actions: readonly ActionDefinition[]): this {
    this.#actions.clear();
    for (const action of [...coreActions, ...actions]) {
      if (!actionNamePattern.test(action.name)) throw new Error(`Invalid action name "${action.name}" (expected domain.verbNoun)`);
      const existing = this.#actions.get(action.name);
      if (existing === action) continue; // e.g. the core actions passed in again
      if (existing) throw new Error(`Action "${action.name}" is registered twice`);
      this.#actions.set(action.name, action);
    }
    return this;
  }

  get(name: string): ActionDefinition | undefined {
    return this.#actions.get(name);
  }

  has(name: string): boolean {
    return this.#actions.has(name);
  }

  list(): ActionDefinition[] {
    return [...this.#actions.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/**
 * The registry the workflow API validates definitions against. The host fills it once at boot
 * with every module's actions: `configureWorkflowActions(modules.flatMap((m) => m.actions ?? []))`.
 */
export const workflowActions = new ActionRegistry();

export function configureWorkflowActions(actions: readonly ActionDefinition[]): ActionRegistry {
  return workflowActions.replace(actions);
}

/** Collects the actions of every module (what the host passes to the registry and the engine). */
export function collectActions(modules: readonly { actions?: readonly ActionDefinition[] }[]): ActionDefinition[] {
  return modules.flatMap((module) => [...(module.actions ?? [])]);
}
