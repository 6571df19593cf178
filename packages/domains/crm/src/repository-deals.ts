import { sql } from '@ubos/platform';
import type { Insertable, Selectable } from 'kysely';
import type { DealsTable, EngagementsTable, PipelineStagesTable, PipelinesTable } from './db.ts';
import type { Db } from './repository.ts';

/** SQL of pipelines, stages, deals and engagements. Schema crm only. */

export type PipelineRow = Selectable<PipelinesTable>;
export type StageRow = Selectable<PipelineStagesTable>;
export type DealRow = Selectable<DealsTable>;
export type EngagementRow = Selectable<EngagementsTable>;

// ---------------------------------------------------------------- pipelines

export async function findDefaultPipeline(db: Db): Promise<PipelineRow | undefined> {
  return db.selectFrom('crm.pipelines').selectAll().where('is_default', '=', true).executeTakeFirst();
}

export async function findPipeline(db: Db, id: string): Promise<PipelineRow | undefined> {
  return db.selectFrom('crm.pipelines').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Inserts the default pipeline unless a concurrent transaction already did; returns whether this call created it. */
export async function insertDefaultPipeline(db: Db, row: Insertable<PipelinesTable>): Promise<boolean> {
  const result = await sql<{ id: string }>`
    INSERT INTO crm.pipelines (id, tenant_id, name, is_default) VALUES (${row.id}, ${row.tenant_id}, ${row.name}, true)
    ON CONFLICT (tenant_id) WHERE is_default DO NOTHING RETURNING id`.execute(db);
  return result.rows.length > 0;
}

export async function insertStages(db: Db, rows: Insertable<PipelineStagesTable>[]): Promise<void> {
  await db.insertInto('crm.pipeline_stages').values(rows).execute();
}

export async function stagesOf(db: Db, pipelineId: string): Promise<StageRow[]> {
  return db
    .selectFrom('crm.pipeline_stages')
    .selectAll()
    .where('pipeline_id', '=', pipelineId)
    .where('deleted_at', 'is', null)
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export async function findStage(db: Db, id: string): Promise<StageRow | undefined> {
  return db.selectFrom('crm.pipeline_stages').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function updateStage(
  db: Db,
  id: string,
  changes: { name?: string; position?: number; kind?: StageRow['kind']; deleted_at?: Date },
): Promise<void> {
  await db.updateTable('crm.pipeline_stages').set(changes).where('id', '=', id).execute();
}

/** Open (not archived) deals per stage of a pipeline. */
export async function dealCountsByStage(db: Db, pipelineId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('crm.deals')
    .select(['stage_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('pipeline_id', '=', pipelineId)
    .where('deleted_at', 'is', null)
    .groupBy('stage_id')
    .execute();
  return new Map(rows.map((row) => [row.stage_id, Number(row.n)]));
}

// ---------------------------------------------------------------- deals

export async function insertDeal(db: Db, row: Insertable<DealsTable>): Promise<DealRow> {
  return db.insertInto('crm.deals').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findDeal(db: Db, id: string, options: { lock?: boolean } = {}): Promise<DealRow | undefined> {
  let query = db.selectFrom('crm.deals').selectAll().where('id', '=', id).where('deleted_at', 'is', null);
  if (options.lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function updateDeal(
  db: Db,
  id: string,
  changes: Partial<
    Pick<
      DealsTable,
      | 'title'
      | 'value_minor'
      | 'currency'
      | 'contact_id'
      | 'owner_id'
      | 'project_template_id'
      | 'stage_id'
      | 'rank'
      | 'status'
      | 'close_reason'
      | 'closed_at'
      | 'client_id'
    >
  > & { expected_close?: string | null; custom_fields?: string; deleted_at?: Date },
): Promise<DealRow> {
  return db
    .updateTable('crm.deals')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Ranks of the other deals of a kanban column, in order. */
export async function columnRanks(db: Db, stageId: string, excludeId: string): Promise<{ id: string; rank: number }[]> {
  return db
    .selectFrom('crm.deals')
    .select(['id', 'rank'])
    .where('stage_id', '=', stageId)
    .where('deleted_at', 'is', null)
    .where('id', '!=', excludeId)
    .orderBy('rank')
    .orderBy('id')
    .execute();
}

/** Spreads a column's ranks evenly again when two neighbours got too close to split. */
export async function renumberColumn(db: Db, stageId: string): Promise<void> {
  await sql`
    UPDATE crm.deals d SET rank = o.n * 1024
    FROM (SELECT id, row_number() OVER (ORDER BY rank, id) AS n FROM crm.deals WHERE stage_id = ${stageId}::uuid AND deleted_at IS NULL) o
    WHERE d.id = o.id`.execute(db);
}

export async function maxRank(db: Db, stageId: string): Promise<number> {
  const row = await db
    .selectFrom('crm.deals')
    .select((eb) => eb.fn.coalesce(eb.fn.max('rank'), sql<number>`0`).as('max'))
    .where('stage_id', '=', stageId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}

export interface DealListQuery {
  clientId?: string | undefined;
  stageId?: string | undefined;
  status?: 'open' | 'won' | 'lost' | undefined;
  limit: number;
  cursor?: { sortKey: string; id: string } | undefined;
}

export async function listDeals(db: Db, query: DealListQuery): Promise<(DealRow & { sort_key: string })[]> {
  const where = [sql`deleted_at IS NULL`];
  if (query.clientId) where.push(sql`client_id = ${query.clientId}::uuid`);
  if (query.stageId) where.push(sql`stage_id = ${query.stageId}::uuid`);
  if (query.status) where.push(sql`status = ${query.status}`);
  if (query.cursor) where.push(sql`(created_at, id) < (${query.cursor.sortKey}::timestamptz, ${query.cursor.id}::uuid)`);
  const result = await sql<DealRow & { sort_key: string }>`
    SELECT *, created_at::text AS sort_key FROM crm.deals WHERE ${sql.join(where, sql` AND `)}
    ORDER BY created_at DESC, id DESC LIMIT ${query.limit + 1}`.execute(db);
  return result.rows;
}

export async function boardDeals(db: Db, pipelineId: string, perStage: number): Promise<DealRow[]> {
  const result = await sql<DealRow>`
    SELECT d.* FROM crm.pipeline_stages s
    CROSS JOIN LATERAL (
      SELECT * FROM crm.deals WHERE stage_id = s.id AND deleted_at IS NULL ORDER BY rank, id LIMIT ${perStage}
    ) d
    WHERE s.pipeline_id = ${pipelineId}::uuid AND s.deleted_at IS NULL
    ORDER BY s.position, d.rank, d.id`.execute(db);
  return result.rows;
}

export async function moveClientDeals(db: Db, fromClient: string, toClient: string): Promise<DealRow[]> {
  return db.updateTable('crm.deals').set({ client_id: toClient, updated_at: sql<Date>`now()` }).where('client_id', '=', fromClient).returningAll().execute();
}

export async function moveContactDeals(db: Db, fromContact: string, toContact: string): Promise<DealRow[]> {
  return db
    .updateTable('crm.deals')
    .set({ contact_id: toContact, updated_at: sql<Date>`now()` })
    .where('contact_id', '=', fromContact)
    .returningAll()
    .execute();
}

// ---------------------------------------------------------------- engagements

export async function insertEngagement(db: Db, row: Insertable<EngagementsTable>): Promise<EngagementRow> {
  return db.insertInto('crm.engagements').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findEngagement(db: Db, id: string, options: { lock?: boolean } = {}): Promise<EngagementRow | undefined> {
  let query = db.selectFrom('crm.engagements').selectAll().where('id', '=', id);
  if (options.lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function findEngagementByDeal(db: Db, dealId: string): Promise<EngagementRow | undefined> {
  return db.selectFrom('crm.engagements').selectAll().where('deal_id', '=', dealId).executeTakeFirst();
}

export async function listEngagements(db: Db, clientId: string): Promise<EngagementRow[]> {
  return db
    .selectFrom('crm.engagements')
    .selectAll()
    .where('client_id', '=', clientId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(200)
    .execute();
}

/** Adds an id to project_ids / invoice_ids once (idempotent under redelivery). */
export async function addEngagementLink(db: Db, id: string, column: 'project_ids' | 'invoice_ids', linkedId: string): Promise<EngagementRow | undefined> {
  const result = await sql<EngagementRow>`
    UPDATE crm.engagements SET ${sql.ref(column)} = array_append(${sql.ref(column)}, ${linkedId}::uuid), updated_at = now()
    WHERE id = ${id}::uuid AND NOT (${linkedId}::uuid = ANY(${sql.ref(column)}))
    RETURNING *`.execute(db);
  return result.rows[0];
}

export async function moveClientEngagements(db: Db, fromClient: string, toClient: string): Promise<EngagementRow[]> {
  return db
    .updateTable('crm.engagements')
    .set({ client_id: toClient, updated_at: sql<Date>`now()` })
    .where('client_id', '=', fromClient)
    .returningAll()
    .execute();
}
