// Test fixtures: actions shaped like the projects domain's (writing to a test table; the kit
// honours the idempotency key), a fixture module offering them, event envelopes, and polling
// helpers. No other domain is imported.
import pg from 'pg';
import { z } from 'zod';
import {
  createBoss,
  createDomainContext,
  createLogger,
  defineAction,
  defineDomain,
  router,
  sql,
  StillWaiting,
  uuidv7,
  withTenant,
  type ActionDefinition,
  type Database,
  type DomainModule,
  type EventEnvelope,
  type HandlerContext,
  type PgBoss,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';

/** Creates the test tables (as superuser) with the same RLS rules as a domain table. */
export async function createFixtureTables(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS wftest;
      CREATE TABLE IF NOT EXISTS wftest.projects (
        id uuid PRIMARY KEY, tenant_id uuid NOT NULL, template_id uuid NOT NULL, client_id uuid,
        name text NOT NULL, idempotency_key text NOT NULL);
      CREATE TABLE IF NOT EXISTS wftest.tasks (
        id uuid PRIMARY KEY, tenant_id uuid NOT NULL, project_id uuid NOT NULL, title text NOT NULL, assignee_id uuid,
        completed boolean NOT NULL DEFAULT false, idempotency_key text NOT NULL);
      CREATE TABLE IF NOT EXISTS wftest.entities (
        id uuid PRIMARY KEY, tenant_id uuid NOT NULL, step text NOT NULL, idempotency_key text NOT NULL);
      CREATE TABLE IF NOT EXISTS wftest.signals (
        tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
      SELECT platform.enable_tenant_rls('wftest.signals');
      CREATE TABLE IF NOT EXISTS wftest.attempts (
        tenant_id uuid NOT NULL, key text NOT NULL, n integer NOT NULL DEFAULT 0, PRIMARY KEY (tenant_id, key));
      SELECT platform.enable_tenant_rls('wftest.projects');
      SELECT platform.enable_tenant_rls('wftest.tasks');
      SELECT platform.enable_tenant_rls('wftest.entities');
      GRANT USAGE ON SCHEMA wftest TO ubos_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA wftest TO ubos_app;
    `);
  } finally {
    await client.end();
  }
}

/**
 * `test.awaitSignal`: waits (README "Waiting for an event") until the signal exists, woken by
 * `test.signal.sent` with its `signal_id`. A "not yet" attempt writes an entity first, which the
 * engine must undo.
 */
export const awaitSignal = defineAction({
  name: 'test.awaitSignal',
  description: 'Wait for a signal (test)',
  input: z.strictObject({ signalId: z.uuid(), timeoutSeconds: z.number().int().min(1).default(3600) }),
  output: z.object({ signal_id: z.uuid() }),
  awaits: (input) => ({ event: 'test.signal.sent', match: { signal_id: input.signalId }, timeoutSeconds: input.timeoutSeconds }),
  async run(input, ctx) {
    await sql`INSERT INTO wftest.entities (id, tenant_id, step, idempotency_key) VALUES (${uuidv7()}, ${ctx.tenantId}, 'await', ${ctx.idempotencyKey})`.execute(
      ctx.db(),
    );
    const found = await sql`SELECT 1 FROM wftest.signals WHERE id = ${input.signalId}`.execute(ctx.db());
    if (found.rows.length === 0) throw new StillWaiting(`signal ${input.signalId} not sent yet`);
    return { signal_id: input.signalId };
  },
});

// Same field names and types as the projects domain's action (a strict subset of its input).
const createFromTemplateInput = z.strictObject({ templateId: z.uuid(), name: z.string().trim().min(1).max(200), clientId: z.uuid().nullable().default(null) });
const projectOutput = z.object({ project_id: z.uuid(), client_id: z.uuid().nullable() });

export const createFromTemplate = defineAction({
  name: 'projects.createFromTemplate',
  description: 'Create a project from a template (test double shaped like the projects domain action)',
  input: createFromTemplateInput,
  output: projectOutput,
  async run(input, context) {
    const id = uuidv7();
    await sql`INSERT INTO wftest.projects (id, tenant_id, template_id, client_id, name, idempotency_key)
      VALUES (${id}, ${context.tenantId}, ${input.templateId}, ${input.clientId}, ${input.name}, ${context.idempotencyKey})`.execute(context.db<UntypedDB>());
    return { project_id: id, client_id: input.clientId };
  },
  async compensate(_input, output, context) {
    await sql`DELETE FROM wftest.projects WHERE id = ${output.project_id}`.execute(context.db<UntypedDB>());
  },
});

const createTaskInput = z.strictObject({ projectId: z.uuid(), title: z.string().trim().min(1).max(300), assigneeId: z.uuid().nullable().default(null) });
const taskOutput = z.object({ task_id: z.uuid(), project_id: z.uuid() });

export const createTask = defineAction({
  name: 'projects.createTask',
  description: 'Create a task (test double)',
  input: createTaskInput,
  output: taskOutput,
  async run(input, context) {
    const id = uuidv7();
    await sql`INSERT INTO wftest.tasks (id, tenant_id, project_id, title, assignee_id, idempotency_key)
      VALUES (${id}, ${context.tenantId}, ${input.projectId}, ${input.title}, ${input.assigneeId}, ${context.idempotencyKey})`.execute(context.db<UntypedDB>());
    return { task_id: id, project_id: input.projectId };
  },
});

const recordInput = z.strictObject({ step: z.string(), sleepMs: z.number().int().min(0).optional(), failTimes: z.number().int().min(0).optional() });
const recordOutput = z.object({ entityId: z.uuid() });

/**
 * `test.record`: writes one entity row; optionally sleeps inside the transaction (to be killed
 * mid-step) or fails its first `failTimes` attempts (counted in a table, committed separately).
 * `slow` makes the step named `slow.step` sleep `slow.ms` (the kill -9 worker).
 */
export function recordAction(db: Database, slow: { step: string; ms: number } | null = null): ActionDefinition {
  return defineAction({
    name: 'test.record',
    description: 'Write an entity row (test)',
    input: recordInput,
    output: recordOutput,
    async run(input, context) {
      if (input.failTimes) {
        const attempts = await withTenant(db, { tenantId: context.tenantId }, async (trx) => {
          const row = await sql<{ n: number }>`INSERT INTO wftest.attempts (tenant_id, key, n) VALUES (${context.tenantId}, ${context.idempotencyKey}, 1)
            ON CONFLICT (tenant_id, key) DO UPDATE SET n = wftest.attempts.n + 1 RETURNING n`.execute(trx);
          return row.rows[0]?.n ?? 1;
        });
        if (attempts <= input.failTimes) throw new Error(`planned failure ${attempts} of ${input.failTimes}`);
      }
      const id = uuidv7();
      await sql`INSERT INTO wftest.entities (id, tenant_id, step, idempotency_key) VALUES (${id}, ${context.tenantId}, ${input.step}, ${context.idempotencyKey})`.execute(
        context.db<UntypedDB>(),
      );
      const sleepMs = slow ? (input.step === slow.step ? slow.ms : 0) : input.sleepMs;
      if (sleepMs) await new Promise((resolve) => setTimeout(resolve, sleepMs));
      return { entityId: id };
    },
  });
}

/**
 * A fixture module offering the test actions, so tests build their runtime (and the engine's
 * registry) from a module list as the host does: `[workflowModule, fixtureModule(...)]`.
 */
export function fixtureModule(actions: readonly ActionDefinition[]): DomainModule {
  return defineDomain({ name: 'wftest', router: router({}), migrations: [], actions });
}

/** The HandlerContext the event runner gives a subscription for `event` in `trx`. */
export function handlerContext(trx: Transaction<UntypedDB>, event: EventEnvelope): HandlerContext {
  return createDomainContext({
    trx,
    tenantId: event.tenant_id,
    actorId: event.actor_id,
    correlationId: event.correlation_id,
    causationId: event.id,
    log: createLogger({ level: 'silent' }),
  });
}

export function testEvent(tenantId: string, type: string, payload: Record<string, unknown>, id = uuidv7()): EventEnvelope {
  return {
    id,
    tenant_id: tenantId,
    type,
    version: 1,
    payload,
    actor_id: null,
    aggregate_type: 'test',
    aggregate_id: uuidv7(),
    occurred_at: new Date().toISOString(),
    correlation_id: uuidv7(),
    causation_id: null,
  };
}

export function testBoss(connectionString: string, overrides: { superviseIntervalSeconds?: number } = {}): PgBoss {
  const boss = createBoss({ connectionString, max: 4, supervise: overrides.superviseIntervalSeconds !== undefined, schedule: false });
  boss.on('error', () => undefined);
  return boss;
}

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export async function runStatus(db: Database, tenantId: string, runId: string): Promise<string | undefined> {
  return withTenant(db, { tenantId }, async (trx) => {
    const row = await sql<{ status: string }>`SELECT status FROM workflow.runs WHERE id = ${runId}`.execute(trx);
    return row.rows[0]?.status;
  });
}

export async function waitForRun(db: Database, tenantId: string, runId: string, statuses: readonly string[], timeoutMs = 20_000): Promise<string> {
  return waitFor(async () => {
    const status = await runStatus(db, tenantId, runId);
    return status && statuses.includes(status) ? status : null;
  }, timeoutMs);
}

export async function count(db: Database, tenantId: string, table: string): Promise<number> {
  if (!/^[a-z_]+\.[a-z_]+$/.test(table)) throw new Error('bad table');
  return withTenant(db, { tenantId }, async (trx) => {
    const row = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(trx);
    return row.rows[0]?.n ?? 0;
  });
}
