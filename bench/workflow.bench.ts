// Workflow engine benchmark: runs/s for a 3-step workflow with trivial actions, and per-step
// scheduling latency (previous step finished → next step started) when idle.
// Usage: node bench/workflow.bench.ts [runs=300] [idleRuns=60]
// Needs Postgres at TEST_ADMIN_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  APP_ROLE,
  ActionRegistry,
  OWNER_ROLE,
  createBoss,
  createDatabase,
  createLogger,
  ensureRoles,
  migrateDatabase,
  platformModule,
  sql,
  uuidv7,
  withCredentials,
  withTenant,
  type ActionDefinition,
  type EventEnvelope,
} from '@ubos/platform';
import {
  createWorkflowEngine,
  eventContext,
  jsonObjectSchema,
  startRunsForEvent,
  wakeupScheduler,
  workflowModule,
  type JsonObject,
} from '../packages/domains/workflow/src/index.ts';

const RUNS = Number(process.argv[2] ?? 300);
const IDLE_RUNS = Number(process.argv[3] ?? 60);
const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Same password the test harness sets, so running the bench never breaks a concurrent test run.
const APP_PASSWORD = 'ubos_app_test_password';
const dbName = `ubos_bench_wf_${randomBytes(4).toString('hex')}`;

const noop: ActionDefinition<JsonObject, JsonObject> = {
  name: 'bench.noop',
  description: 'does nothing',
  input: jsonObjectSchema,
  output: jsonObjectSchema,
  async run(input) {
    return { n: typeof input.n === 'number' ? input.n + 1 : 0 };
  },
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await ensureRoles(admin, { appPassword: APP_PASSWORD });
await admin.query(`CREATE DATABASE ${dbName} OWNER ${OWNER_ROLE}`);
await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${APP_ROLE}`);
const ownerUrl = withCredentials(adminUrl, OWNER_ROLE, undefined, dbName);
const appUrl = withCredentials(adminUrl, APP_ROLE, APP_PASSWORD, dbName);

const db = createDatabase({ connectionString: appUrl, max: 10, applicationName: 'ubos-bench' });
const boss = createBoss({ connectionString: appUrl, max: 6, supervise: false, schedule: false });
boss.on('error', () => undefined);
const log = createLogger({ level: 'silent' });
const engine = createWorkflowEngine({ db, boss, registry: new ActionRegistry([noop]), log, concurrency: Number(process.env.WF_CONCURRENCY ?? 8) });

try {
  await migrateDatabase(ownerUrl, [platformModule, workflowModule]);
  await boss.start();
  await engine.start();
  const tenantId = uuidv7();
  const spec = {
    name: 'Bench',
    description: '',
    compensateOnFailure: false,
    trigger: { event: 'bench.thing.happened' },
    steps: [
      { key: 'one', action: 'bench.noop', input: { n: 1 } },
      { key: 'two', action: 'bench.noop', input: { n: '{{ steps.one.output.n }}' } },
      { key: 'three', action: 'bench.noop', input: { n: '{{ steps.two.output.n }}' } },
    ],
  };
  const definitionId = uuidv7();
  await withTenant(db, { tenantId }, async (trx) => {
    await sql`INSERT INTO workflow.definitions (id, tenant_id, name, trigger_event, current_version, enabled)
      VALUES (${definitionId}, ${tenantId}, 'Bench', 'bench.thing.happened', 1, true)`.execute(trx);
    await sql`INSERT INTO workflow.definition_versions (tenant_id, definition_id, version, spec)
      VALUES (${tenantId}, ${definitionId}, 1, ${JSON.stringify(spec)}::jsonb)`.execute(trx);
  });
  const event = (): EventEnvelope => ({
    id: uuidv7(),
    tenant_id: tenantId,
    type: 'bench.thing.happened',
    version: 1,
    payload: {},
    actor_id: null,
    aggregate_type: 'bench',
    aggregate_id: uuidv7(),
    occurred_at: new Date().toISOString(),
    correlation_id: uuidv7(),
    causation_id: null,
  });
  const remaining = async (): Promise<number> =>
    withTenant(db, { tenantId }, async (trx) => {
      const row = await sql<{ n: number }>`SELECT count(*)::int AS n FROM workflow.runs WHERE status NOT IN ('succeeded','failed')`.execute(trx);
      return row.rows[0]?.n ?? 0;
    });
  const waitIdle = async (timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while ((await remaining()) > 0) {
      if (Date.now() > deadline) throw new Error('runs did not finish');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  // Warm-up.
  for (let index = 0; index < 5; index += 1) await engine.handleEvent(event());
  await waitIdle(30_000);

  // 1. Idle latency: one run at a time, triggered through the subscription path (wake-up row →
  //    dispatcher → pg-boss), then step → step through pg-boss jobs sent in the step's transaction.
  const idleStart = new Date();
  for (let index = 0; index < IDLE_RUNS; index += 1) {
    const trigger = event();
    await withTenant(db, { tenantId }, (trx) => startRunsForEvent(eventContext(trx, trigger, log), trigger, wakeupScheduler));
    await waitIdle(30_000);
  }
  const gaps = await withTenant(db, { tenantId }, async (trx) => {
    const rows = await sql<{ kind: string; ms: number }>`
      SELECT CASE WHEN s.step_index = 0 THEN 'first' ELSE 'between' END AS kind,
             extract(epoch FROM (s.started_at - coalesce(p.finished_at, r.created_at))) * 1000 AS ms
      FROM workflow.run_steps s
      JOIN workflow.runs r ON r.id = s.run_id
      LEFT JOIN workflow.run_steps p ON p.run_id = s.run_id AND p.step_index = s.step_index - 1
      WHERE r.created_at >= ${idleStart}`.execute(trx);
    return rows.rows;
  });
  const between = gaps
    .filter((gap) => gap.kind === 'between')
    .map((gap) => Number(gap.ms))
    .sort((a, b) => a - b);
  const first = gaps
    .filter((gap) => gap.kind === 'first')
    .map((gap) => Number(gap.ms))
    .sort((a, b) => a - b);

  // 2. Throughput: RUNS events at once through the subscription path, until every run finished.
  const started = performance.now();
  for (let batch = 0; batch < RUNS; batch += 50) {
    await withTenant(db, { tenantId }, async (trx) => {
      for (let index = batch; index < Math.min(RUNS, batch + 50); index += 1) {
        const trigger = event();
        await startRunsForEvent(eventContext(trx, trigger, log), trigger, wakeupScheduler);
      }
    });
  }
  await waitIdle(300_000);
  const seconds = (performance.now() - started) / 1000;

  const fmt = (value: number): string => value.toFixed(1);
  console.log(
    `workflow engine, 3-step workflow with trivial actions (concurrency ${process.env.WF_CONCURRENCY ?? 8}, pg-boss step jobs, load average ${(await import('node:os')).loadavg()[0]?.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs)`,
  );
  console.log(`throughput: ${RUNS} runs in ${seconds.toFixed(2)} s = ${(RUNS / seconds).toFixed(1)} runs/s (${((RUNS * 3) / seconds).toFixed(1)} steps/s)`);
  console.log(
    `idle step→step latency over ${between.length} gaps: p50 ${fmt(percentile(between, 50))} ms, p99 ${fmt(percentile(between, 99))} ms, max ${fmt(between.at(-1) ?? Number.NaN)} ms`,
  );
  console.log(
    `idle trigger→first step (via wake-up + dispatcher) over ${first.length} runs: p50 ${fmt(percentile(first, 50))} ms, p99 ${fmt(percentile(first, 99))} ms`,
  );
} finally {
  await engine.stop().catch(() => undefined);
  await boss.stop({ graceful: false, close: true }).catch(() => undefined);
  await db.close();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
