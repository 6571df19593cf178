// Kysely queries against the workflow schema only.
import { sql } from '@ubos/platform';
import type { Kysely, Selectable } from 'kysely';
import { triggerKey, type DefinitionSpec, type RunStatus } from './contracts.ts';
import type { DefinitionsTable, RunStepsTable, RunsTable, WorkflowDB } from './db.ts';

export type DefinitionRow = Selectable<DefinitionsTable>;
export type RunRow = Selectable<RunsTable>;
export type StepRow = Selectable<RunStepsTable>;

type Db = Kysely<WorkflowDB>;

// ----- definitions -----------------------------------------------------------------------------

export async function insertDefinition(
  db: Db,
  row: {
    id: string;
    tenantId: string;
    spec: DefinitionSpec;
    enabled: boolean;
    templateKey: string | null;
    missingActions: string[];
    createdBy: string | null;
  },
): Promise<DefinitionRow> {
  const inserted = await db
    .insertInto('workflow.definitions')
    .values({
      id: row.id,
      tenant_id: row.tenantId,
      name: row.spec.name,
      description: row.spec.description,
      trigger_event: triggerKey(row.spec.trigger),
      current_version: 1,
      enabled: row.enabled,
      template_key: row.templateKey,
      missing_actions: row.missingActions,
      created_by: row.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await insertVersion(db, { tenantId: row.tenantId, definitionId: row.id, version: 1, spec: row.spec, createdBy: row.createdBy });
  return inserted;
}

export async function insertVersion(
  db: Db,
  row: { tenantId: string; definitionId: string; version: number; spec: DefinitionSpec; createdBy: string | null },
): Promise<void> {
  await db
    .insertInto('workflow.definition_versions')
    .values({
      tenant_id: row.tenantId,
      definition_id: row.definitionId,
      version: row.version,
      spec: JSON.stringify(row.spec),
      created_by: row.createdBy,
    })
    .execute();
}

export async function findDefinition(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<DefinitionRow | undefined> {
  let query = db.selectFrom('workflow.definitions').selectAll().where('id', '=', id).where('deleted_at', 'is', null);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Live definitions with the spec of their current version, newest first. */
export async function listDefinitions(db: Db): Promise<(DefinitionRow & { spec: DefinitionSpec })[]> {
  const rows = await db
    .selectFrom('workflow.definitions as d')
    .innerJoin('workflow.definition_versions as v', (join) => join.onRef('v.definition_id', '=', 'd.id').onRef('v.version', '=', 'd.current_version'))
    .selectAll('d')
    .select('v.spec')
    .where('d.deleted_at', 'is', null)
    .orderBy('d.id', 'desc')
    .limit(500)
    .execute();
  return rows.map((row) => ({ ...row, spec: row.spec as DefinitionSpec }));
}

export async function findSpec(db: Db, definitionId: string, version: number): Promise<DefinitionSpec | undefined> {
  const row = await db
    .selectFrom('workflow.definition_versions')
    .select('spec')
    .where('definition_id', '=', definitionId)
    .where('version', '=', version)
    .executeTakeFirst();
  return row?.spec as DefinitionSpec | undefined;
}

export async function listVersions(db: Db, definitionId: string): Promise<{ version: number; createdAt: Date; createdBy: string | null }[]> {
  const rows = await db
    .selectFrom('workflow.definition_versions')
    .select(['version', 'created_at', 'created_by'])
    .where('definition_id', '=', definitionId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((row) => ({ version: row.version, createdAt: row.created_at, createdBy: row.created_by }));
}

/** Enabled definitions listening to an event type, with the spec of their current version. */
export async function findTriggeredDefinitions(db: Db, eventType: string): Promise<{ id: string; version: number; spec: DefinitionSpec }[]> {
  const rows = await db
    .selectFrom('workflow.definitions as d')
    .innerJoin('workflow.definition_versions as v', (join) => join.onRef('v.definition_id', '=', 'd.id').onRef('v.version', '=', 'd.current_version'))
    .select(['d.id', 'd.current_version', 'v.spec'])
    .where('d.trigger_event', '=', eventType)
    .where('d.enabled', '=', true)
    .where('d.deleted_at', 'is', null)
    .execute();
  return rows.map((row) => ({ id: row.id, version: row.current_version, spec: row.spec as DefinitionSpec }));
}

// ----- runs ------------------------------------------------------------------------------------

/** Inserts the run unless this definition already has one for the event; returns whether it did. */
export async function insertRunOnce(
  db: Db,
  row: { id: string; tenantId: string; definitionId: string; version: number; event: { id: string; type: string }; eventJson: string },
): Promise<boolean> {
  const inserted = await db
    .insertInto('workflow.runs')
    .values({
      id: row.id,
      tenant_id: row.tenantId,
      definition_id: row.definitionId,
      definition_version: row.version,
      trigger_event_id: row.event.id,
      trigger_event_type: row.event.type,
      trigger_event: row.eventJson,
      status: 'running',
    })
    .onConflict((conflict) => conflict.constraint('runs_one_per_event').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function insertSteps(
  db: Db,
  tenantId: string,
  runId: string,
  steps: readonly { key: string; action: string }[],
  firstScheduledFor: Date,
): Promise<void> {
  await db
    .insertInto('workflow.run_steps')
    .values(
      steps.map((step, index) => ({
        tenant_id: tenantId,
        run_id: runId,
        step_index: index,
        step_key: step.key,
        action: step.action,
        status: 'pending' as const,
        scheduled_for: index === 0 ? firstScheduledFor : null,
      })),
    )
    .execute();
}

/** A claimed step attempt, with the ids the step's events and action context carry. */
export interface StepClaim {
  attempt: number;
  /** The trigger event's id: what caused the run. */
  triggerEventId: string;
  /** The trigger event's correlation id, if it had one. */
  correlationId: string | null;
  /** The trigger event's W3C traceparent (tracing on when it was written): the step continues its trace. */
  traceparent: string | null;
}

/**
 * Claims a step for one attempt: running, attempts + 1, if its run is running and at this step.
 * Returns the attempt, or null when the job is stale (done, cancelled, another step).
 */
export async function claimStep(db: Db, runId: string, index: number, now: Date): Promise<StepClaim | null> {
  // A claim lost in a crash costs nothing (the retried job claims again), so it need not wait for
  // the WAL flush; the execution transaction that follows is durable as usual.
  await sql`SET LOCAL synchronous_commit = off`.execute(db);
  const result = await sql<{ attempts: number; trigger_event_id: string; correlation_id: unknown; trace_context: string | null }>`
    UPDATE workflow.run_steps AS s
    SET status = 'running', attempts = s.attempts + 1, started_at = ${now}, updated_at = now()
    FROM workflow.runs AS r
    WHERE s.run_id = ${runId} AND s.step_index = ${index} AND s.status IN ('pending', 'running', 'waiting')
      AND r.id = s.run_id AND r.status = 'running' AND r.current_step = s.step_index
    RETURNING s.attempts, r.trigger_event_id, r.trigger_event -> 'correlation_id' AS correlation_id, r.trigger_event ->> 'trace_context' AS trace_context`.execute(
    db,
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    attempt: row.attempts,
    triggerEventId: row.trigger_event_id,
    correlationId: typeof row.correlation_id === 'string' ? row.correlation_id : null,
    traceparent: row.trace_context,
  };
}

export async function lockRun(db: Db, runId: string): Promise<RunRow | undefined> {
  return db.selectFrom('workflow.runs').selectAll().where('id', '=', runId).forUpdate().executeTakeFirst();
}

export async function findRun(db: Db, runId: string): Promise<RunRow | undefined> {
  return db.selectFrom('workflow.runs').selectAll().where('id', '=', runId).executeTakeFirst();
}

export async function lockStep(db: Db, runId: string, index: number): Promise<StepRow | undefined> {
  return db.selectFrom('workflow.run_steps').selectAll().where('run_id', '=', runId).where('step_index', '=', index).forUpdate().executeTakeFirst();
}

export async function listSteps(db: Db, runId: string): Promise<StepRow[]> {
  return db.selectFrom('workflow.run_steps').selectAll().where('run_id', '=', runId).orderBy('step_index').execute();
}

export async function updateStep(
  db: Db,
  runId: string,
  index: number,
  values: Partial<{
    status: RunStatus;
    input: string | null;
    output: string | null;
    error: string | null;
    attempts: number;
    scheduled_for: Date | null;
    started_at: Date | null;
    finished_at: Date | null;
  }>,
): Promise<void> {
  await db
    .updateTable('workflow.run_steps')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where('run_id', '=', runId)
    .where('step_index', '=', index)
    .execute();
}

export async function updateRun(
  db: Db,
  runId: string,
  values: Partial<{
    status: RunStatus;
    current_step: number;
    error: string | null;
    finished_at: Date | null;
  }>,
): Promise<void> {
  await db
    .updateTable('workflow.runs')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where('id', '=', runId)
    .execute();
}

export interface RunFilter {
  definitionId?: string | undefined;
  status?: RunStatus | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Keyset cursor: the id of the last run of the previous page (ids are time-ordered uuid v7). */
  after?: string | undefined;
  limit: number;
}

export async function listRuns(db: Db, filter: RunFilter): Promise<RunRow[]> {
  let query = db.selectFrom('workflow.runs').selectAll();
  if (filter.definitionId) query = query.where('definition_id', '=', filter.definitionId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.from) query = query.where('created_at', '>=', filter.from);
  if (filter.to) query = query.where('created_at', '<', filter.to);
  if (filter.after) query = query.where('id', '<', filter.after);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}

// ----- schedules -------------------------------------------------------------------------------

/** Mirrors a definition's current state into workflow.schedules: a row iff it is enabled and scheduled. */
export async function refreshScheduleRow(db: Db, definitionId: string): Promise<void> {
  const definition = await db
    .selectFrom('workflow.definitions')
    .select(['id', 'tenant_id', 'enabled', 'deleted_at', 'current_version'])
    .where('id', '=', definitionId)
    .executeTakeFirst();
  const spec = definition ? await findSpec(db, definition.id, definition.current_version) : undefined;
  const schedule = spec?.trigger.schedule;
  if (!definition || !definition.enabled || definition.deleted_at || !schedule) {
    await db.deleteFrom('workflow.schedules').where('definition_id', '=', definitionId).execute();
    return;
  }
  await db
    .insertInto('workflow.schedules')
    .values({ definition_id: definition.id, tenant_id: definition.tenant_id, cron: schedule.cron, timezone: schedule.timezone })
    .onConflict((conflict) => conflict.column('definition_id').doUpdateSet({ cron: schedule.cron, timezone: schedule.timezone, updated_at: new Date() }))
    .execute();
}

/** The current version of one enabled definition (scheduled runs). */
export async function findEnabledDefinition(db: Db, definitionId: string): Promise<{ id: string; version: number; spec: DefinitionSpec } | undefined> {
  const row = await db
    .selectFrom('workflow.definitions as d')
    .innerJoin('workflow.definition_versions as v', (join) => join.onRef('v.definition_id', '=', 'd.id').onRef('v.version', '=', 'd.current_version'))
    .select(['d.id', 'd.current_version', 'v.spec'])
    .where('d.id', '=', definitionId)
    .where('d.enabled', '=', true)
    .where('d.deleted_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, version: row.current_version, spec: row.spec as DefinitionSpec } : undefined;
}

// ----- wake-ups --------------------------------------------------------------------------------

export async function insertWakeup(db: Db, row: { tenantId: string; runId: string; stepIndex: number; dueAt: Date }): Promise<void> {
  await db.insertInto('workflow.step_wakeups').values({ tenant_id: row.tenantId, run_id: row.runId, step_index: row.stepIndex, due_at: row.dueAt }).execute();
}

// ----- waiting for an event (README "Waiting for an event") -----------------------------------

/**
 * Serialises a step that checks "has it happened yet?" and parks with a workflow.trigger delivery
 * of that event type in the tenant: whichever comes second sees the other's commit, so no event is
 * missed between the check and the park.
 */
export async function lockAwaitedEvent(db: Db, tenantId: string, eventType: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${tenantId}|${eventType}`}, 7100401))`.execute(db);
}

export function findWait(db: Db, runId: string, stepIndex: number) {
  return db.selectFrom('workflow.step_waits').selectAll().where('run_id', '=', runId).where('step_index', '=', stepIndex).executeTakeFirst();
}

/** Parks (or parks again) a step: its wait is armed, the first park's expiry kept. */
export async function armWait(
  db: Db,
  row: { tenantId: string; runId: string; stepIndex: number; eventType: string; match: Record<string, unknown>; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('workflow.step_waits')
    .values({
      tenant_id: row.tenantId,
      run_id: row.runId,
      step_index: row.stepIndex,
      event_type: row.eventType,
      match: JSON.stringify(row.match),
      expires_at: row.expiresAt,
    })
    .onConflict((conflict) =>
      conflict
        .columns(['tenant_id', 'run_id', 'step_index'])
        .doUpdateSet({ event_type: row.eventType, match: JSON.stringify(row.match), woken_at: null, woken_by_event: null }),
    )
    .execute();
}

export async function deleteWait(db: Db, runId: string, stepIndex: number): Promise<void> {
  await db.deleteFrom('workflow.step_waits').where('run_id', '=', runId).where('step_index', '=', stepIndex).execute();
}

/**
 * Wakes the steps waiting for this event: those of its type whose `match` the payload contains
 * (jsonb `@>`: every named field equal). Returns them, now 'pending', for their wake-ups.
 */
export async function wakeWaitingSteps(
  db: Db,
  event: { tenantId: string; type: string; id: string; payload: unknown },
): Promise<{ runId: string; stepIndex: number }[]> {
  await lockAwaitedEvent(db, event.tenantId, event.type);
  const woken = await sql<{ run_id: string; step_index: number }>`
    WITH woken AS (
      UPDATE workflow.step_waits AS w
         SET woken_at = now(), woken_by_event = ${event.id}
       WHERE w.event_type = ${event.type} AND w.woken_at IS NULL AND ${JSON.stringify(event.payload ?? {})}::jsonb @> w.match
      RETURNING w.run_id, w.step_index
    )
    UPDATE workflow.run_steps AS s SET status = 'pending', updated_at = now()
      FROM woken
     WHERE s.run_id = woken.run_id AND s.step_index = woken.step_index AND s.status = 'waiting'
    RETURNING s.run_id, s.step_index`.execute(db);
  return woken.rows.map((row) => ({ runId: row.run_id, stepIndex: row.step_index }));
}
