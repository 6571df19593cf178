// Workflow's own actions (ARCHITECTURE.md §6): core.wait and core.notify. They are ordinary
// module actions; the host's ActionRegistry holds them with every other module's.
import { z } from 'zod';
import { defineAction, uuidv7 } from '@ubos/platform';
import { notificationCreated } from './contracts.ts';
import type { WorkflowDB } from './db.ts';

const waitInput = z.strictObject({
  seconds: z
    .number()
    .int()
    .min(0)
    .max(366 * 86_400)
    .optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  offsetSeconds: z.number().int().optional(),
});
const waitOutput = z.object({ resumedAt: z.string() });

/**
 * `core.wait`: a step that only waits. The engine reads its input (`seconds`, or `until` an
 * ISO date-time with an optional `offsetSeconds`) to delay the step's job; running it records when
 * the wait ended. It writes nothing, so it needs no idempotency record.
 */
export const coreWait = defineAction({
  name: 'core.wait',
  description: 'Wait a duration, or until a date (optionally shifted by offsetSeconds)',
  input: waitInput,
  output: waitOutput,
  idempotent: false,
  async run() {
    return { resumedAt: new Date().toISOString() };
  },
});

const notifyInput = z.strictObject({
  userId: z.uuid(),
  title: z.string().trim().min(1).max(200),
  body: z.string().max(5000).optional(),
  link: z.string().max(2000).optional(),
});
const notifyOutput = z.object({ notificationId: z.uuid() });

const uuidPattern = /^[0-9a-f-]{36}$/;

/** `core.notify`: writes a notification record for a user (and an event); the kit makes it idempotent per key. */
export const coreNotify = defineAction({
  name: 'core.notify',
  description: 'Create a notification for a user',
  input: notifyInput,
  output: notifyOutput,
  async run(input, ctx) {
    const id = uuidv7();
    // The engine's key is `<run_id>:<step_key>`.
    const runId = ctx.idempotencyKey.split(':')[0] ?? null;
    await ctx
      .db<WorkflowDB>()
      .insertInto('workflow.notifications')
      .values({
        id,
        tenant_id: ctx.tenantId,
        user_id: input.userId,
        title: input.title,
        body: input.body ?? '',
        link: input.link ?? null,
        run_id: runId && uuidPattern.test(runId) ? runId : null,
        idempotency_key: ctx.idempotencyKey,
      })
      .execute();
    await ctx.emit(
      notificationCreated,
      { notification_id: id, user_id: input.userId, title: input.title, run_id: runId, body: input.body ?? '', link: input.link ?? null },
      { aggregateId: id },
    );
    return { notificationId: id };
  },
});

/** Workflow's actions, registered through workflowModule.actions. */
export const coreActions = [coreWait, coreNotify] as const;
