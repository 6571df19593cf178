import { sql, type Transaction } from 'kysely';
import type { SearchableType, SearchHit } from './contracts.ts';
import type { SearchDB } from './db.ts';

export type SearchTrx = Transaction<SearchDB>;

export interface DocumentUpsert {
  tenant_id: string;
  entity_type: SearchableType;
  entity_id: string;
  title: string;
  subtitle: string | null;
  body: string | null;
  client_id: string | null;
  parent_id: string | null;
  source_event_id: string;
  source_occurred_at: string;
}

/** Inserts or replaces a document, unless the stored one came from a newer event (out-of-order delivery). */
export async function upsertDocument(trx: SearchTrx, doc: DocumentUpsert): Promise<void> {
  await trx
    .insertInto('search.documents')
    .values(doc)
    .onConflict((conflict) =>
      conflict
        .columns(['tenant_id', 'entity_type', 'entity_id'])
        .doUpdateSet((eb) => ({
          title: eb.ref('excluded.title'),
          subtitle: eb.fn.coalesce(eb.ref('excluded.subtitle'), eb.ref('search.documents.subtitle')),
          body: eb.fn.coalesce(eb.ref('excluded.body'), eb.ref('search.documents.body')),
          client_id: eb.fn.coalesce(eb.ref('excluded.client_id'), eb.ref('search.documents.client_id')),
          parent_id: eb.fn.coalesce(eb.ref('excluded.parent_id'), eb.ref('search.documents.parent_id')),
          source_event_id: eb.ref('excluded.source_event_id'),
          source_occurred_at: eb.ref('excluded.source_occurred_at'),
          updated_at: sql<Date>`now()`,
        }))
        .where('search.documents.source_occurred_at', '<=', (eb) => eb.ref('excluded.source_occurred_at')),
    )
    .execute();
}

/** Updates the given fields of an existing document (partial update events). */
export async function patchDocument(
  trx: SearchTrx,
  type: SearchableType,
  entityId: string,
  patch: { subtitle?: string | null; client_id?: string | null; parent_id?: string | null },
  occurredAt: string,
): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await trx
    .updateTable('search.documents')
    .set({ ...patch, source_occurred_at: occurredAt, updated_at: sql<Date>`now()` })
    .where('entity_type', '=', type)
    .where('entity_id', '=', entityId)
    .where('source_occurred_at', '<=', new Date(occurredAt))
    .execute();
}

export async function deleteDocument(trx: SearchTrx, type: SearchableType, entityId: string): Promise<void> {
  await trx.deleteFrom('search.documents').where('entity_type', '=', type).where('entity_id', '=', entityId).execute();
}

/** Re-points denormalised client ids after a CRM merge. */
export async function repointClient(trx: SearchTrx, mergedId: string, survivorId: string): Promise<void> {
  await trx.updateTable('search.documents').set({ client_id: survivorId, updated_at: sql<Date>`now()` }).where('client_id', '=', mergedId).execute();
}

export async function deleteAllDocuments(trx: SearchTrx): Promise<void> {
  // RLS limits this to the current tenant's documents.
  await trx.deleteFrom('search.documents').execute();
}

interface QueryRow {
  entity_type: SearchableType;
  entity_id: string;
  title: string;
  subtitle: string | null;
  client_id: string | null;
  parent_id: string | null;
  score: number;
}

/** Runs the SECURITY DEFINER search function (tenant filter applied inside, on composite indexes). */
export async function queryDocuments(trx: SearchTrx, q: string, types: readonly SearchableType[], limit: number): Promise<SearchHit[]> {
  const result = await sql<QueryRow>`
    SELECT entity_type, entity_id, title, subtitle, client_id, parent_id, score
    FROM search.query_documents(${q}, ${[...types]}::text[], ${limit})`.execute(trx);
  return result.rows.map((row) => ({
    type: row.entity_type,
    id: row.entity_id,
    title: row.title,
    subtitle: row.subtitle,
    clientId: row.client_id,
    parentId: row.parent_id,
    score: Number(row.score),
  }));
}
