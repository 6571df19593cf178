import { DomainError, type DomainContext, type Transaction } from '@ubos/platform';
import { z } from 'zod';
import type { ActivityPageDto, ChainReportDto, TimelineListInput } from './contracts.ts';
import type { TimelineDB } from './db.ts';
import { apiKeyNames, listActivity, verifyChain as verifyChainRows, type ActivityRow } from './repository.ts';

const cursorSchema = z.tuple([z.iso.datetime(), z.uuid()]);

function encodeCursor(row: ActivityRow): string {
  return Buffer.from(JSON.stringify([row.occurred_key, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { occurredAt: string; id: string } {
  try {
    const [occurredAt, id] = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { occurredAt, id };
  } catch {
    throw new DomainError('BAD_REQUEST', 'Invalid cursor', [{ path: ['cursor'], message: 'Invalid cursor' }]);
  }
}

/** timeline.list: newest first, filtered, keyset-paginated on (occurred_at, id). */
export async function list(ctx: DomainContext, input: TimelineListInput): Promise<ActivityPageDto> {
  const rows = await listActivity(ctx.db<TimelineDB>(), {
    entity: input.entity,
    clientId: input.clientId,
    actorId: input.actorId,
    types: input.types,
    from: input.from,
    to: input.to,
    before: input.cursor ? decodeCursor(input.cursor) : null,
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  const actorIds = [...new Set(page.flatMap((row) => (row.actor_id ? [row.actor_id] : [])))];
  const keyNames = await apiKeyNames(ctx.db<TimelineDB>(), actorIds);
  return {
    items: page.map((row) => ({
      id: row.id,
      eventId: row.event_id,
      type: row.type,
      eventVersion: row.event_version,
      actorId: row.actor_id,
      actorName: row.actor_id && keyNames.has(row.actor_id) ? `${keyNames.get(row.actor_id)} (API key)` : null,
      entityType: row.entity_type,
      entityId: row.entity_id,
      clientId: row.client_id,
      summary: row.summary,
      payload: row.payload,
      correlationId: row.correlation_id,
      occurredAt: new Date(row.occurred_at).toISOString(),
      recordedAt: new Date(row.recorded_at).toISOString(),
    })),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null,
  };
}

/** timeline.verifyChain: walks the tenant's hash chain and names the first broken link. */
export async function verifyChain(ctx: DomainContext): Promise<ChainReportDto> {
  return verifyTenantChain(ctx.db<TimelineDB>());
}

export async function verifyTenantChain(trx: Transaction<TimelineDB>): Promise<ChainReportDto> {
  const report = await verifyChainRows(trx);
  return {
    entries: report.entries,
    unchained: report.unchained,
    headSeq: report.head_seq,
    headHash: report.head_hash,
    intact: report.problem === null,
    brokenAt: report.broken_at,
    problem: report.problem,
  };
}
