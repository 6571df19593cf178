import { sql, type Kysely, type Transaction } from '@ubos/platform';
import type { ApprovalRow, DecisionRow, PortalDB } from './db.ts';

type Db = Transaction<PortalDB> | Kysely<PortalDB>;

export async function insertApproval(
  db: Db,
  row: {
    tenantId: string;
    id: string;
    clientId: string;
    title: string;
    kind: 'file' | 'text';
    fileId: string | null;
    body: string | null;
    version: number;
    subjectHash: string;
    requestedBy: string | null;
  },
): Promise<ApprovalRow> {
  return db
    .insertInto('portal.approvals')
    .values({
      tenant_id: row.tenantId,
      id: row.id,
      client_id: row.clientId,
      title: row.title,
      kind: row.kind,
      file_id: row.fileId,
      body: row.body,
      current_version: row.version,
      subject_hash: row.subjectHash,
      requested_by: row.requestedBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findApproval(db: Db, approvalId: string, clientId?: string) {
  let query = db.selectFrom('portal.approvals').selectAll().where('id', '=', approvalId);
  if (clientId) query = query.where('client_id', '=', clientId);
  return query.executeTakeFirst();
}

export function listApprovals(db: Db, filter: { clientId?: string | undefined; approvalId?: string | undefined; limit?: number }) {
  let query = db
    .selectFrom('portal.approvals')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(filter.limit ?? 200);
  if (filter.clientId) query = query.where('client_id', '=', filter.clientId);
  if (filter.approvalId) query = query.where('id', '=', filter.approvalId);
  return query.execute();
}

/** Open approvals of a client whose current version has no decision yet (what needs the client). */
export function listPendingApprovals(db: Db, clientId: string, limit: number) {
  return db
    .selectFrom('portal.approvals as a')
    .select(['a.id', 'a.title', 'a.current_version', 'a.created_at'])
    .where('a.client_id', '=', clientId)
    .where('a.cancelled_at', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('portal.approval_decisions as d')
            .select('d.version')
            .whereRef('d.tenant_id', '=', 'a.tenant_id')
            .whereRef('d.approval_id', '=', 'a.id')
            .whereRef('d.version', '=', 'a.current_version'),
        ),
      ),
    )
    .orderBy('a.created_at', 'desc')
    .limit(limit)
    .execute();
}

export function countApprovals(db: Db, clientId: string) {
  return db
    .selectFrom('portal.approvals')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('client_id', '=', clientId)
    .where('cancelled_at', 'is', null)
    .executeTakeFirstOrThrow()
    .then((row) => row.n);
}

export function listDecisions(db: Db, approvalIds: readonly string[]) {
  if (approvalIds.length === 0) return Promise.resolve([] as (DecisionRow & { decided_by_name: string | null })[]);
  return db
    .selectFrom('portal.approval_decisions as d')
    .leftJoin('portal.users as u', (join) => join.onRef('u.tenant_id', '=', 'd.tenant_id').onRef('u.id', '=', 'd.decided_by'))
    .selectAll('d')
    .select('u.name as decided_by_name')
    .where('d.approval_id', 'in', approvalIds)
    .orderBy('d.version', 'desc')
    .execute();
}

export function recentDecisions(db: Db, clientId: string, limit: number) {
  return db
    .selectFrom('portal.approval_decisions as d')
    .innerJoin('portal.approvals as a', (join) => join.onRef('a.tenant_id', '=', 'd.tenant_id').onRef('a.id', '=', 'd.approval_id'))
    .select(['a.title', 'd.decision', 'd.decided_at'])
    .where('a.client_id', '=', clientId)
    .orderBy('d.decided_at', 'desc')
    .limit(limit)
    .execute();
}

/**
 * The client's decision on the version shown: inserted only while that version is the
 * approval's current one and the approval is open, and at most once per version (primary key),
 * in one statement. Undefined when any of that does not hold.
 */
export function insertDecision(
  db: Db,
  input: {
    approvalId: string;
    clientId: string;
    version: number;
    decision: 'approved' | 'changes_requested';
    comment: string | null;
    decidedBy: string;
    ip: string | null;
    userAgent: string | null;
  },
) {
  return db
    .insertInto('portal.approval_decisions')
    .columns(['tenant_id', 'approval_id', 'version', 'subject_hash', 'decision', 'comment', 'decided_by', 'ip', 'user_agent'])
    .expression((eb) =>
      eb
        .selectFrom('portal.approvals')
        .select([
          'tenant_id',
          'id',
          'current_version',
          'subject_hash',
          sql<string>`${input.decision}`.as('decision'),
          sql<string | null>`${input.comment}::text`.as('comment'),
          sql<string>`${input.decidedBy}::uuid`.as('decided_by'),
          sql<string | null>`${input.ip}::text`.as('ip'),
          sql<string | null>`${input.userAgent}::text`.as('user_agent'),
        ])
        .where('id', '=', input.approvalId)
        .where('client_id', '=', input.clientId)
        .where('cancelled_at', 'is', null)
        .where('current_version', '=', input.version),
    )
    .onConflict((conflict) => conflict.doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function cancelApproval(db: Db, approvalId: string, by: string | null) {
  return db
    .updateTable('portal.approvals')
    .set({ cancelled_at: sql<Date>`now()`, cancelled_by: by, updated_at: sql<Date>`now()` })
    .where('id', '=', approvalId)
    .where('cancelled_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** A new version of a file under approval: its open approvals move to it (pending again). */
export function advanceFileApprovals(db: Db, fileId: string, version: number, sha256: string) {
  return db
    .updateTable('portal.approvals')
    .set({ current_version: version, subject_hash: sha256, updated_at: sql<Date>`now()` })
    .where('file_id', '=', fileId)
    .where('cancelled_at', 'is', null)
    .where('current_version', '<', version)
    .returningAll()
    .execute();
}
