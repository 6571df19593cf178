import { sql, uuidv7, type Kysely, type Transaction, type UntypedDB } from '@ubos/platform';
import type { ApprovalDecisionRow, ApprovalDelegationRow, ApprovalRequestRow, ApprovalRuleRow, ApprovalStepRow, BillsDB, StoredStep } from './db-bills.ts';

/** SQL of the approval engine (schema `revenue` only; RLS scopes every query to the tenant). */

type Db = Transaction<BillsDB>;

export async function findPolicy(db: Db, kind: string) {
  return db.selectFrom('revenue.approval_policies').selectAll().where('subject_kind', '=', kind).executeTakeFirst();
}

export async function listRules(db: Db, kind: string): Promise<ApprovalRuleRow[]> {
  return db.selectFrom('revenue.approval_rules').selectAll().where('subject_kind', '=', kind).orderBy('position').execute();
}

/** Replaces the kind's rule set and bumps the policy's revision, in the caller's transaction. */
export async function replacePolicy(
  db: Db,
  input: {
    tenantId: string;
    kind: string;
    reminderHours: number;
    updatedBy: string | null;
    rules: (Omit<ApprovalRuleRow, 'id' | 'tenant_id' | 'subject_kind' | 'steps'> & { steps: StoredStep[] })[];
  },
) {
  const policy = await db
    .insertInto('revenue.approval_policies')
    .values({ tenant_id: input.tenantId, subject_kind: input.kind, reminder_hours: input.reminderHours, updated_by: input.updatedBy })
    .onConflict((conflict) =>
      conflict.columns(['tenant_id', 'subject_kind']).doUpdateSet({
        reminder_hours: input.reminderHours,
        updated_by: input.updatedBy,
        updated_at: sql<Date>`now()`,
        revision: sql<number>`revenue.approval_policies.revision + 1`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  await db.deleteFrom('revenue.approval_rules').where('subject_kind', '=', input.kind).execute();
  if (input.rules.length > 0) {
    await db
      .insertInto('revenue.approval_rules')
      .values(
        input.rules.map((rule) => ({
          id: uuidv7(),
          tenant_id: input.tenantId,
          subject_kind: input.kind,
          position: rule.position,
          name: rule.name,
          min_minor: rule.min_minor,
          max_minor: rule.max_minor,
          currency: rule.currency,
          vendor_id: rule.vendor_id,
          category: rule.category,
          steps: JSON.stringify(rule.steps),
        })),
      )
      .execute();
  }
  return policy;
}

export async function findOpenRequest(db: Db, kind: string, subjectId: string, options: { forUpdate?: boolean } = {}) {
  const query = db
    .selectFrom('revenue.approval_requests')
    .selectAll()
    .where('subject_kind', '=', kind)
    .where('subject_id', '=', subjectId)
    .where('status', '=', 'pending');
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function findLatestRequest(db: Db, kind: string, subjectId: string) {
  return db
    .selectFrom('revenue.approval_requests')
    .selectAll()
    .where('subject_kind', '=', kind)
    .where('subject_id', '=', subjectId)
    .orderBy('subject_version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Voids the subject's open round (and its steps): a changed subject is decided again from the start. */
export async function voidOpenRequest(db: Db, kind: string, subjectId: string): Promise<ApprovalRequestRow | undefined> {
  const voided = await db
    .updateTable('revenue.approval_requests')
    .set({ status: 'void', completed_at: sql<Date>`now()` })
    .where('subject_kind', '=', kind)
    .where('subject_id', '=', subjectId)
    .where('status', 'in', ['pending', 'approved'])
    .returningAll()
    .execute();
  if (voided.length > 0) {
    await db
      .updateTable('revenue.approval_steps')
      .set({ status: 'void', completed_at: sql<Date>`now()` })
      .where(
        'request_id',
        'in',
        voided.map((row) => row.id),
      )
      .where('status', 'in', ['waiting', 'pending'])
      .execute();
  }
  return voided[0];
}

export async function insertRequest(db: Db, row: Omit<ApprovalRequestRow, 'created_at' | 'completed_at'>) {
  return db
    .insertInto('revenue.approval_requests')
    .values({ ...row, completed_at: row.status === 'approved' ? sql<Date>`now()` : null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertSteps(
  db: Db,
  rows: {
    id: string;
    tenant_id: string;
    request_id: string;
    position: number;
    kind: string;
    role: string | null;
    user_ids: string[];
    mode: string;
    required: number;
  }[],
  reminderHours: number,
) {
  if (rows.length === 0) return;
  await db
    .insertInto('revenue.approval_steps')
    .values(
      rows.map((row) => ({
        ...row,
        status: row.position === 0 ? 'pending' : 'waiting',
        activated_at: row.position === 0 ? sql<Date>`now()` : null,
        remind_at: row.position === 0 ? sql<Date>`now() + make_interval(hours => ${reminderHours})` : null,
      })),
    )
    .execute();
}

export async function listSteps(db: Db, requestIds: readonly string[]): Promise<ApprovalStepRow[]> {
  if (requestIds.length === 0) return [];
  return db.selectFrom('revenue.approval_steps').selectAll().where('request_id', 'in', requestIds).orderBy('request_id').orderBy('position').execute();
}

export async function listDecisions(db: Db, requestIds: readonly string[]): Promise<ApprovalDecisionRow[]> {
  if (requestIds.length === 0) return [];
  return db.selectFrom('revenue.approval_decisions').selectAll().where('request_id', 'in', requestIds).orderBy('created_at').orderBy('id').execute();
}

export async function listRequests(db: Db, kind: string, subjectId: string): Promise<ApprovalRequestRow[]> {
  return db
    .selectFrom('revenue.approval_requests')
    .selectAll()
    .where('subject_kind', '=', kind)
    .where('subject_id', '=', subjectId)
    .orderBy('subject_version', 'desc')
    .orderBy('created_at', 'desc')
    .execute();
}

/**
 * The request's pending step, locked: decisions on one step are taken one at a time, so counting
 * its approvals is exact. Another decider's completed step is no longer pending when the lock is
 * granted (READ COMMITTED re-checks the row), and this returns nothing.
 */
export async function lockPendingStep(db: Db, requestId: string): Promise<ApprovalStepRow | undefined> {
  return db
    .selectFrom('revenue.approval_steps')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('status', '=', 'pending')
    .orderBy('position')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
}

/** One decision per seat per step per version: a second one inserts nothing (returns undefined). */
export async function insertDecision(db: Db, row: Omit<ApprovalDecisionRow, 'created_at'>) {
  return db
    .insertInto('revenue.approval_decisions')
    .values(row)
    .onConflict((conflict) => conflict.constraint('approval_decisions_one_per_seat').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function countApprovals(db: Db, stepId: string): Promise<number> {
  const row = await db
    .selectFrom('revenue.approval_decisions')
    .select(sql<number>`count(DISTINCT approver_id)::int`.as('count'))
    .where('step_id', '=', stepId)
    .where('decision', '=', 'approve')
    .executeTakeFirstOrThrow();
  return row.count;
}

/** Completes a pending step once: the conditional UPDATE returns the row to exactly one caller. */
export async function completeStep(db: Db, stepId: string, status: 'approved' | 'rejected') {
  return db
    .updateTable('revenue.approval_steps')
    .set({ status, completed_at: sql<Date>`now()` })
    .where('id', '=', stepId)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

export async function activateStep(db: Db, requestId: string, position: number, reminderHours: number) {
  return db
    .updateTable('revenue.approval_steps')
    .set({ status: 'pending', activated_at: sql<Date>`now()`, remind_at: sql<Date>`now() + make_interval(hours => ${reminderHours})` })
    .where('request_id', '=', requestId)
    .where('position', '=', position)
    .where('status', '=', 'waiting')
    .returningAll()
    .executeTakeFirst();
}

export async function completeRequest(db: Db, requestId: string, status: 'approved' | 'rejected') {
  return db
    .updateTable('revenue.approval_requests')
    .set({ status, completed_at: sql<Date>`now()` })
    .where('id', '=', requestId)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

/** The tenant's pending steps of pending requests (the inbox's candidates), oldest first. */
export async function listPendingSteps(db: Db) {
  return db
    .selectFrom('revenue.approval_steps as s')
    .innerJoin('revenue.approval_requests as r', 'r.id', 's.request_id')
    .select([
      's.id as step_id',
      's.position',
      's.kind',
      's.role',
      's.user_ids',
      's.mode',
      's.activated_at',
      'r.id as request_id',
      'r.subject_kind',
      'r.subject_id',
      'r.subject_version',
      'r.amount_minor',
      'r.currency',
      'r.submitted_by',
      'r.created_at',
    ])
    .select((eb) =>
      eb.selectFrom('revenue.approval_steps as c').select(sql<number>`count(*)::int`.as('n')).whereRef('c.request_id', '=', 'r.id').as('step_count'),
    )
    .where('s.status', '=', 'pending')
    .where('r.status', '=', 'pending')
    .orderBy('s.activated_at')
    .limit(500)
    .execute();
}

export async function seatsDecided(db: Db, stepIds: readonly string[]): Promise<{ step_id: string; approver_id: string }[]> {
  if (stepIds.length === 0) return [];
  return db.selectFrom('revenue.approval_decisions').select(['step_id', 'approver_id']).where('step_id', 'in', stepIds).execute();
}

// ---------------------------------------------------------------- delegations

const delegationColumns = [
  'id',
  'tenant_id',
  'from_member',
  'to_member',
  sql<string>`starts_on::text`.as('starts_on'),
  sql<string>`ends_on::text`.as('ends_on'),
  'note',
  'created_by',
  'created_at',
  'revoked_at',
] as const;

/** Members who delegated their approvals to `toMember` for today (the database's date). */
export async function activeDelegatorsOf(db: Db, toMember: string): Promise<string[]> {
  const rows = await db
    .selectFrom('revenue.approval_delegations')
    .select('from_member')
    .where('to_member', '=', toMember)
    .where('revoked_at', 'is', null)
    .where(sql<boolean>`current_date BETWEEN starts_on AND ends_on`)
    .execute();
  return rows.map((row) => row.from_member);
}

/** Delegates standing in today for any of `fromMembers`. */
export async function activeDelegatesFor(db: Db, fromMembers: readonly string[]): Promise<{ from_member: string; to_member: string }[]> {
  if (fromMembers.length === 0) return [];
  return db
    .selectFrom('revenue.approval_delegations')
    .select(['from_member', 'to_member'])
    .where('from_member', 'in', fromMembers)
    .where('revoked_at', 'is', null)
    .where(sql<boolean>`current_date BETWEEN starts_on AND ends_on`)
    .execute();
}

export async function insertDelegation(db: Db, row: Omit<ApprovalDelegationRow, 'created_at' | 'revoked_at'>): Promise<ApprovalDelegationRow> {
  return db.insertInto('revenue.approval_delegations').values(row).returning(delegationColumns).executeTakeFirstOrThrow();
}

export async function listDelegations(db: Db, member: string | null): Promise<ApprovalDelegationRow[]> {
  let query = db.selectFrom('revenue.approval_delegations').select(delegationColumns).orderBy('starts_on', 'desc').limit(200);
  if (member) query = query.where((eb) => eb.or([eb('from_member', '=', member), eb('to_member', '=', member)]));
  return query.execute();
}

export async function findDelegation(db: Db, delegationId: string): Promise<ApprovalDelegationRow | undefined> {
  return db.selectFrom('revenue.approval_delegations').select(delegationColumns).where('id', '=', delegationId).executeTakeFirst();
}

export async function revokeDelegation(db: Db, delegationId: string): Promise<ApprovalDelegationRow | undefined> {
  return db
    .updateTable('revenue.approval_delegations')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', delegationId)
    .where('revoked_at', 'is', null)
    .returning(delegationColumns)
    .executeTakeFirst();
}

// ---------------------------------------------------------------- approver directory

export async function upsertDirectoryMember(db: Db, tenantId: string, userId: string, role: string): Promise<void> {
  await db
    .insertInto('revenue.approver_directory')
    .values({ tenant_id: tenantId, user_id: userId, role })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'user_id']).doUpdateSet({ role, updated_at: sql<Date>`now()` }))
    .execute();
}

export async function removeDirectoryMember(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('revenue.approver_directory').where('user_id', '=', userId).execute();
}

/** Members whose role is one of `roles` (a role step's holders). */
export async function membersWithRoles(db: Db, roles: readonly string[]): Promise<string[]> {
  if (roles.length === 0) return [];
  return (
    await db
      .selectFrom('revenue.approver_directory')
      .select('user_id')
      .where('role', 'in', [...roles])
      .execute()
  ).map((row) => row.user_id);
}

/** The roles of `userIds` as the directory knows them. */
export async function rolesOf(db: Db, userIds: readonly string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('revenue.approver_directory')
    .select(['user_id', 'role'])
    .where('user_id', 'in', [...userIds])
    .execute();
  return new Map(rows.map((row) => [row.user_id, row.role]));
}

// ---------------------------------------------------------------- reminders

/** Due reminders of every tenant (SECURITY DEFINER work list; each is then claimed under RLS). */
export async function dueReminders(db: Kysely<UntypedDB>, limit: number): Promise<{ id: string; tenant_id: string }[]> {
  return (await sql<{ id: string; tenant_id: string }>`SELECT id, tenant_id FROM revenue.due_approval_reminders(${limit})`.execute(db)).rows;
}

/** Claims one step's reminder: the conditional UPDATE lets exactly one run send it. */
export async function claimReminder(db: Db, stepId: string) {
  return db
    .updateTable('revenue.approval_steps')
    .set({ reminded_at: sql<Date>`now()` })
    .where('id', '=', stepId)
    .where('status', '=', 'pending')
    .where('reminded_at', 'is', null)
    .where('remind_at', '<=', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

export async function findRequest(db: Db, requestId: string) {
  return db.selectFrom('revenue.approval_requests').selectAll().where('id', '=', requestId).executeTakeFirst();
}
