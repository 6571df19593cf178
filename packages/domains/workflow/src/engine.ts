// The workflow engine a worker process starts (ARCHITECTURE.md §6): one pg-boss queue whose jobs
// are steps, and the kernel's Relay moving wake-up rows (written by the trigger subscription and
// the API) into it.
import { CompiledQuery } from 'kysely';
import type { Db as IDatabase, Job } from 'pg-boss';
import {
  createDomainContext,
  Relay,
  withSystem,
  withTenant,
  type ActionRegistry,
  type Database,
  type EventEnvelope,
  type Logger,
  type PgBoss,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { eventContext, StepRunner, startRunsForEvent, startScheduledRun, type StepOutcome, type StepScheduler, type StepTarget } from './runtime.ts';

export const STEP_QUEUE = 'workflow.step';
/** pg-boss cron schedules of scheduled definitions (key = definition id) deliver here. */
export const CRON_QUEUE = 'workflow.cron';
export const WAKEUP_CHANNEL = 'ubos_workflow';

export interface WorkflowEngineOptions {
  db: Database;
  boss: PgBoss;
  /**
   * The host's action registry (DomainRuntime.actions): every module's actions, workflow's
   * core.wait and core.notify included. The API validates definitions against the same registry.
   */
  registry: ActionRegistry;
  log: Logger;
  /** Step jobs processed at once by this process (default 4). */
  concurrency?: number;
  /** Upper bound of one step attempt before pg-boss hands it to another worker (default 3600 s). */
  stepTimeoutSeconds?: number;
  /**
   * pg-boss heartbeat of running step jobs (default 30 s, minimum 10): a worker that dies is noticed
   * after this long (plus the supervisor's interval), however long the timeout. Applied when the
   * queue is created.
   */
  heartbeatSeconds?: number;
  /** Fallback poll of the wake-up table when no NOTIFY arrives (default 1000 ms). */
  pollIntervalMs?: number;
  /** Connection string of the relay's dedicated LISTEN connection; defaults to the pool's settings. */
  listenConnectionString?: string;
}

export interface WorkflowEngine {
  readonly registry: ActionRegistry;
  start(): Promise<void>;
  /** Stops taking new steps and waits for running ones. */
  stop(): Promise<void>;
  /** Moves wake-ups into pg-boss now (the relay's drain); returns how many. 0 while the engine is stopped. */
  dispatch(): Promise<number>;
  /** Mirrors workflow.schedules into pg-boss cron schedules now. */
  syncSchedules(): Promise<void>;
  /** What a cron occurrence does (tests, tooling): start the scheduled run for occurrence `occurrenceId`. */
  fireSchedule(occurrence: { tenantId: string; definitionId: string; occurrenceId: string }): Promise<string | null>;
  /** Runs one step directly (tests, tooling). */
  runStep(target: StepTarget): Promise<StepOutcome>;
  /** What the `workflow.trigger` subscription does, in a tenant transaction of its own, with direct scheduling. */
  handleEvent(event: EventEnvelope): Promise<string[]>;
}

/** Lets pg-boss run its statements inside a Kysely transaction, so a job commits with our rows. */
export function bossDatabase<DB>(trx: Transaction<DB>): IDatabase {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const result = await trx.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows as unknown[] };
    },
  };
}

interface StepJobData {
  tenantId: string;
  runId: string;
  stepIndex: number;
}

function isStepJobData(value: unknown): value is StepJobData {
  if (value === null || typeof value !== 'object') return false;
  const data = value as Record<string, unknown>;
  return typeof data.tenantId === 'string' && typeof data.runId === 'string' && typeof data.stepIndex === 'number';
}

/** Wake-up rows moved into pg-boss per relay pass. */
const WAKEUP_BATCH = 500;
/** How often the engine re-mirrors workflow.schedules into pg-boss without a NOTIFY. */
const SCHEDULE_RESYNC_MS = 30_000;

export function createWorkflowEngine(options: WorkflowEngineOptions): WorkflowEngine {
  const { db, boss, registry } = options;
  const log = options.log.child({ component: 'workflow-engine' });
  const concurrency = options.concurrency ?? 4;

  const schedule: StepScheduler = async (ctx, target, startAfter) => {
    const data: StepJobData = { tenantId: target.tenantId, runId: target.runId, stepIndex: target.stepIndex };
    // Only pass startAfter for a real delay: pg-boss NOTIFYs workers only for a job that is runnable
    // at insert time by the database clock (the transaction's start), which a "now" from here is not.
    const delayMs = startAfter.getTime() - Date.now();
    const delayed = delayMs > 20;
    const trx = ctx.db<UntypedDB>();
    await boss.send(STEP_QUEUE, data, delayed ? { startAfter, db: bossDatabase(trx) } : { db: bossDatabase(trx) });
    // A deferred job gets no NOTIFY when it becomes due: wake this process's pollers then (short
    // delays such as retry backoff); the poll interval is the backstop for other processes.
    if (delayed && delayMs < 10 * 60_000) wakeAt(delayMs + 15);
  };

  const timers = new Set<NodeJS.Timeout>();
  function wakeAt(delayMs: number): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopping) return;
      for (const worker of boss.getWipData()) if (worker.name === STEP_QUEUE) boss.notifyWorker(worker.id);
    }, delayMs);
    timer.unref();
    timers.add(timer);
  }
  const runner = new StepRunner({ db, registry, log, schedule });

  let started = false;
  let stopping = false;

  /**
   * One relay pass, in one transaction (withSystem): claim wake-ups FOR UPDATE SKIP LOCKED, insert
   * them as pg-boss jobs through the same transaction, delete them. Exactly-once hand-off.
   */
  async function moveWakeups(): Promise<number> {
    return withSystem<UntypedDB, number>(db, async (trx) => {
      const claimed = await trx.executeQuery<{ id: number; tenant_id: string; run_id: string; step_index: number; due_at: Date }>(
        CompiledQuery.raw(
          `SELECT id, tenant_id, run_id, step_index, due_at FROM workflow.step_wakeups
           ORDER BY id LIMIT ${WAKEUP_BATCH} FOR UPDATE SKIP LOCKED`,
        ),
      );
      const rows = claimed.rows;
      if (rows.length === 0) return 0;
      await boss.insert(
        STEP_QUEUE,
        rows.map((row) => ({
          data: { tenantId: row.tenant_id, runId: row.run_id, stepIndex: row.step_index },
          ...(row.due_at.getTime() > Date.now() + 20 ? { startAfter: row.due_at } : {}),
        })),
        { db: bossDatabase(trx) },
      );
      await trx.executeQuery(CompiledQuery.raw('DELETE FROM workflow.step_wakeups WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]));
      return rows.length;
    });
  }

  let syncing: Promise<void> | null = null;
  let lastSync = 0;
  /** Mirrors workflow.schedules (all tenants) into pg-boss schedules keyed by definition id. */
  function syncSchedules(): Promise<void> {
    if (syncing) return syncing;
    syncing = (async () => {
      try {
        lastSync = Date.now();
        const wanted = await withSystem<UntypedDB, { rows: { definition_id: string; tenant_id: string; cron: string; timezone: string }[] }>(db, (trx) =>
          trx.executeQuery<{ definition_id: string; tenant_id: string; cron: string; timezone: string }>(
            CompiledQuery.raw('SELECT definition_id, tenant_id, cron, timezone FROM workflow.schedules'),
          ),
        );
        const existing = new Map((await boss.getSchedules(CRON_QUEUE)).map((schedule) => [schedule.key, schedule]));
        for (const row of wanted.rows) {
          const current = existing.get(row.definition_id);
          existing.delete(row.definition_id);
          if (current && current.cron === row.cron && current.timezone === row.timezone) continue;
          try {
            await boss.schedule(
              CRON_QUEUE,
              row.cron,
              { tenantId: row.tenant_id, definitionId: row.definition_id },
              { key: row.definition_id, tz: row.timezone },
            );
          } catch (error) {
            log.warn({ err: error, definitionId: row.definition_id, cron: row.cron }, 'workflow schedule rejected by pg-boss');
          }
        }
        for (const key of existing.keys()) await boss.unschedule(CRON_QUEUE, key);
      } catch (error) {
        log.error({ err: error }, 'workflow schedule sync failed');
      } finally {
        syncing = null;
      }
    })();
    return syncing;
  }

  // The kernel's relay: LISTEN ubos_workflow (a trigger NOTIFYs on wake-up insert; another NOTIFYs
  // 'schedules' when workflow.schedules changes), a poll as the fallback, coalesced passes.
  const relay = new Relay({
    name: 'ubos-workflow',
    channel: WAKEUP_CHANNEL,
    connection: options.listenConnectionString ? { connectionString: options.listenConnectionString } : { ...db.pool.options },
    pass: moveWakeups,
    batchSize: WAKEUP_BATCH,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    log,
    onNotification(payload) {
      if (payload !== 'schedules') return true;
      void syncSchedules();
      return false;
    },
    onPoll() {
      if (Date.now() - lastSync > SCHEDULE_RESYNC_MS) void syncSchedules();
    },
  });

  function fireSchedule(occurrence: { tenantId: string; definitionId: string; occurrenceId: string }): Promise<string | null> {
    return withTenant<UntypedDB, string | null>(db, { tenantId: occurrence.tenantId }, (trx) => {
      // The context of the occurrence's synthetic event: correlated with it and caused by it.
      const ctx = createDomainContext({
        trx,
        tenantId: occurrence.tenantId,
        actorId: null,
        correlationId: occurrence.occurrenceId,
        causationId: occurrence.occurrenceId,
        log,
      });
      return startScheduledRun(ctx, { ...occurrence, firedAt: new Date() }, schedule);
    });
  }

  async function handleCron(jobs: Job<unknown>[]): Promise<void> {
    for (const job of jobs) {
      const data = job.data as Record<string, unknown> | null;
      if (typeof data?.tenantId !== 'string' || typeof data.definitionId !== 'string') continue;
      await fireSchedule({ tenantId: data.tenantId, definitionId: data.definitionId, occurrenceId: job.id });
    }
  }

  /**
   * A batch holds steps of different runs (one run has one schedulable step at a time), so they
   * run concurrently. An infrastructure error fails the batch and pg-boss redelivers it; steps that
   * already finished are then recognised as stale and skipped.
   */
  async function handle(jobs: Job<unknown>[]): Promise<void> {
    const results = await Promise.allSettled(
      jobs.map(async (job) => {
        if (!isStepJobData(job.data)) {
          log.error({ jobId: job.id }, 'malformed workflow step job');
          return;
        }
        await runner.run(job.data);
      }),
    );
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  return {
    registry,
    async start() {
      if (started) return;
      started = true;
      stopping = false;
      const queue = {
        expireInSeconds: options.stepTimeoutSeconds ?? 3600,
        // Retries here cover crashes and infrastructure errors only; action failures follow the
        // definition's retry policy, recorded on the step.
        retryLimit: 20,
        retryDelay: 1,
        retryBackoff: true,
        retryDelayMax: 60,
        deleteAfterSeconds: 3600,
        notify: true,
      };
      await boss.createQueue(STEP_QUEUE, { ...queue, heartbeatSeconds: Math.max(10, options.heartbeatSeconds ?? 30) });
      await boss.updateQueue(STEP_QUEUE, queue);
      // Each poller takes up to 4 steps and keeps fetching while batches come back full (backlog);
      // otherwise NOTIFY wakes it when a runnable step is inserted, with a slow poll as a backstop.
      await boss.work<unknown>(
        STEP_QUEUE,
        {
          batchSize: 4,
          burstWhenBatchFull: true,
          localConcurrency: Math.max(1, Math.ceil(concurrency / 4)),
          pollingIntervalSeconds: 1,
          notifyPollingIntervalSeconds: 2,
        },
        handle,
      );
      await boss.createQueue(CRON_QUEUE, { retryLimit: 5, retryDelay: 5, retryBackoff: true, deleteAfterSeconds: 3600 });
      await boss.work<unknown>(CRON_QUEUE, { batchSize: 1, pollingIntervalSeconds: 5 }, handleCron);
      // LISTEN first, so a schedule change committed during the first sync still wakes a sync.
      await relay.start();
      await syncSchedules();
      log.info({ concurrency, actions: registry.list().length }, 'workflow engine started');
    },
    async stop() {
      if (!started) return;
      stopping = true;
      started = false;
      for (const pending of timers) clearTimeout(pending);
      timers.clear();
      await boss.offWork(STEP_QUEUE, { wait: true });
      await boss.offWork(CRON_QUEUE, { wait: true });
      await relay.stop();
      if (syncing) await syncing;
      log.info('workflow engine stopped');
    },
    dispatch: () => relay.drain(),
    syncSchedules,
    fireSchedule,
    runStep: (target) => runner.run(target),
    handleEvent(event) {
      return withTenant<UntypedDB, string[]>(db, { tenantId: event.tenant_id }, (trx) => startRunsForEvent(eventContext(trx, event, log), event, schedule));
    },
  };
}
