import { DomainError, NotFoundError, uuidv7, type DomainContext } from '@ubos/platform';
import {
  approvalDecided,
  approvalStepSchema,
  policiesUpdated,
  type ApprovalRequestDto,
  type ApprovalStep,
  type ApprovalSubjectKind,
  type ApproverRole,
  type DecideInput,
  type PoliciesDto,
  type SetPoliciesInput,
} from './contracts-bills.ts';
import type { ApprovalRequestRow, ApprovalRuleRow, ApprovalStepRow, BillsDB, StoredStep } from './db-bills.ts';
import * as repo from './repository-approvals.ts';

/**
 * The approval engine, generic over the subject kind (a bill now, an invoice through the same
 * seam): policies (ordered rules by amount band, vendor, category → ordered steps), one approval
 * round per subject version, decisions bound to that version, delegation, reminders. It knows
 * nothing of bills: `openApproval` is given the subject's facts, and `decide` returns the outcome
 * for the subject's own service to apply (service-approvals.ts dispatches by kind).
 *
 * Invariants in Postgres: one open round per subject (partial unique index), one round per
 * version, one decision per seat per step per version (unique), a step completes once (conditional
 * UPDATE … RETURNING under the step's row lock).
 */

const ROLE_RANK: Record<string, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** What the engine needs to know about a subject to route it. */
export interface ApprovalSubject {
  kind: ApprovalSubjectKind;
  id: string;
  version: number;
  amountMinor: number;
  currency: string;
  vendorId: string | null;
  category: string | null;
  /** Who submitted it: never one of its approvers. */
  submittedBy: string | null;
}

export interface OpenedApproval {
  /** 'approved' when no rule asked for approval (recorded as a round without steps). */
  status: 'pending' | 'approved';
  requestId: string;
  ruleName: string | null;
  steps: number;
}

export interface Decider {
  userId: string;
  role: string;
}

export interface DecisionOutcome {
  request: ApprovalRequestRow;
  stepCompleted: boolean;
  /** Set when this decision completed the whole round. */
  completed: 'approved' | 'rejected' | null;
  /** Every seat that approved in this round (for the subject's approved event). */
  approverIds: string[];
  decidedBy: string;
  reason: string | null;
}

// ---------------------------------------------------------------- policies

function toStored(step: ApprovalStep): StoredStep {
  return step.kind === 'role' ? { kind: 'role', role: step.role, count: step.count } : { kind: 'users', user_ids: [...new Set(step.userIds)], mode: step.mode };
}

function fromStored(step: StoredStep): ApprovalStep {
  return step.kind === 'role' ? { kind: 'role', role: step.role, count: step.count } : { kind: 'users', userIds: step.user_ids, mode: step.mode };
}

export async function listPolicies(ctx: DomainContext, kind: ApprovalSubjectKind): Promise<PoliciesDto> {
  const db = ctx.db<BillsDB>();
  const policy = await repo.findPolicy(db, kind);
  const rules = await repo.listRules(db, kind);
  return {
    subjectKind: kind,
    reminderHours: policy?.reminder_hours ?? 24,
    revision: policy?.revision ?? 0,
    updatedAt: policy?.updated_at ?? null,
    rules: rules.map((rule) => ({
      id: rule.id,
      position: rule.position,
      name: rule.name,
      minMinor: rule.min_minor,
      maxMinor: rule.max_minor,
      currency: rule.currency,
      vendorId: rule.vendor_id,
      category: rule.category,
      steps: rule.steps.map((step) => approvalStepSchema.parse(fromStored(step))),
    })),
  };
}

/**
 * Replaces the tenant's rules for one subject kind. Named approvers must be members of this
 * organization; a vendor named by a rule must be one of its vendors (checked by the caller's
 * `checkVendor`, since vendors are the bills' business). Rounds already open keep their steps.
 */
export async function setPolicies(
  ctx: DomainContext,
  input: SetPoliciesInput,
  checkVendor: (vendorId: string, path: (string | number)[]) => Promise<void>,
): Promise<PoliciesDto> {
  const checks = input.rules.flatMap((rule, ruleIndex) =>
    rule.steps.flatMap((step, stepIndex) =>
      step.kind === 'users'
        ? step.userIds.map((userId, userIndex) => ({
            kind: 'identity.member' as const,
            id: userId,
            path: ['rules', ruleIndex, 'steps', stepIndex, 'userIds', userIndex],
            label: 'approver',
          }))
        : [],
    ),
  );
  await ctx.requireReferences(checks);
  for (const [index, rule] of input.rules.entries()) if (rule.vendorId) await checkVendor(rule.vendorId, ['rules', index, 'vendorId']);
  const db = ctx.db<BillsDB>();
  const policy = await repo.replacePolicy(db, {
    tenantId: ctx.tenantId,
    kind: input.subjectKind,
    reminderHours: input.reminderHours,
    updatedBy: ctx.actorId,
    rules: input.rules.map((rule, position) => ({
      position,
      name: rule.name,
      min_minor: rule.minMinor,
      max_minor: rule.maxMinor,
      currency: rule.currency,
      vendor_id: rule.vendorId,
      category: rule.category,
      steps: rule.steps.map(toStored),
    })),
  });
  await ctx.emit(
    policiesUpdated,
    { subject_kind: input.subjectKind, revision: policy.revision, rules: input.rules.length, reminder_hours: input.reminderHours },
    { aggregateId: ctx.tenantId },
  );
  return listPolicies(ctx, input.subjectKind);
}

/** The first rule (by position) whose band, currency, vendor and category all match. */
export function matchRule(
  rules: readonly ApprovalRuleRow[],
  subject: Pick<ApprovalSubject, 'amountMinor' | 'currency' | 'vendorId' | 'category'>,
): ApprovalRuleRow | undefined {
  return rules.find(
    (rule) =>
      (rule.currency === null || rule.currency === subject.currency) &&
      (rule.min_minor === null || subject.amountMinor >= rule.min_minor) &&
      (rule.max_minor === null || subject.amountMinor < rule.max_minor) &&
      (rule.vendor_id === null || rule.vendor_id === subject.vendorId) &&
      (rule.category === null || rule.category.toLowerCase() === (subject.category ?? '').toLowerCase()),
  );
}

// ---------------------------------------------------------------- rounds

/**
 * Opens the approval round of one subject version: voids an earlier open (or approved) round of
 * the subject, matches the policy and writes the steps, the first one pending. The submitter's
 * seat never counts: an all-of step needs every other named user, and a step naming only the
 * submitter is refused (nobody could approve it).
 */
export async function openApproval(ctx: DomainContext, subject: ApprovalSubject): Promise<OpenedApproval> {
  const db = ctx.db<BillsDB>();
  await repo.voidOpenRequest(db, subject.kind, subject.id);
  const policy = await repo.findPolicy(db, subject.kind);
  const rule = matchRule(await repo.listRules(db, subject.kind), subject);
  const steps = rule?.steps ?? [];
  const requestId = uuidv7();
  const planned = steps.map((step, position) => {
    if (step.kind === 'role') {
      return {
        id: uuidv7(),
        tenant_id: ctx.tenantId,
        request_id: requestId,
        position,
        kind: 'role',
        role: step.role,
        user_ids: [],
        mode: step.count > 1 ? 'all' : 'any',
        required: step.count,
      };
    }
    const seats = step.user_ids.filter((userId) => userId !== subject.submittedBy);
    if (seats.length === 0) {
      throw new DomainError(
        'PRECONDITION_FAILED',
        `Step ${position + 1} of the rule "${rule?.name}" names only the person submitting, who cannot approve their own ${subject.kind}; ask a manager to add another approver`,
      );
    }
    return {
      id: uuidv7(),
      tenant_id: ctx.tenantId,
      request_id: requestId,
      position,
      kind: 'users',
      role: null,
      user_ids: step.user_ids,
      mode: step.mode,
      required: step.mode === 'all' ? seats.length : 1,
    };
  });
  await repo.insertRequest(db, {
    id: requestId,
    tenant_id: ctx.tenantId,
    subject_kind: subject.kind,
    subject_id: subject.id,
    subject_version: subject.version,
    rule_id: rule?.id ?? null,
    rule_name: rule?.name ?? 'No approval needed',
    amount_minor: subject.amountMinor,
    currency: subject.currency,
    status: planned.length === 0 ? 'approved' : 'pending',
    submitted_by: subject.submittedBy,
  });
  await repo.insertSteps(db, planned, policy?.reminder_hours ?? 24);
  return { status: planned.length === 0 ? 'approved' : 'pending', requestId, ruleName: rule?.name ?? null, steps: planned.length };
}

/** Voids the subject's open or approved round (its decisions stay in the history, void). */
export async function voidApproval(ctx: DomainContext, kind: ApprovalSubjectKind, subjectId: string): Promise<void> {
  await repo.voidOpenRequest(ctx.db<BillsDB>(), kind, subjectId);
}

/** The roles that meet a role step (it and the ones above it). */
export function rolesMeeting(role: string | null): string[] {
  const need = ROLE_RANK[role ?? 'owner'] ?? 3;
  return Object.entries(ROLE_RANK)
    .filter(([, rank]) => rank >= need)
    .map(([name]) => name);
}

const meets = (role: string | undefined, stepRole: string | null) => (ROLE_RANK[role ?? 'viewer'] ?? 0) >= (ROLE_RANK[stepRole ?? 'owner'] ?? 3);

/**
 * Which seat `decider` holds on `step` today, if any: their own (named, or their role meets a role
 * step), else an away member's who delegated to them and holds a seat (named, or by the role
 * revenue's directory knows them by). Never the submitter's, never a seat that already decided
 * (unless it is the decider's own: then the insert answers "already decided").
 */
async function seatOf(
  ctx: DomainContext,
  step: ApprovalStepRow,
  decider: Decider,
  submittedBy: string | null,
  decided: ReadonlySet<string>,
): Promise<string | null> {
  const db = ctx.db<BillsDB>();
  const own = step.kind === 'role' ? meets(decider.role, step.role) : step.user_ids.includes(decider.userId) && decider.userId !== submittedBy;
  if (own && !decided.has(decider.userId)) return decider.userId;
  const delegators = (await repo.activeDelegatorsOf(db, decider.userId)).filter((userId) => userId !== submittedBy && !decided.has(userId));
  if (step.kind === 'role') {
    const roles = await repo.rolesOf(db, delegators);
    const seat = delegators.find((userId) => meets(roles.get(userId), step.role));
    if (seat) return seat;
  } else {
    const seat = step.user_ids.find((userId) => delegators.includes(userId));
    if (seat) return seat;
  }
  return own ? decider.userId : null;
}

/**
 * One approver's decision on the subject's pending step. Refused: a decision on another version
 * than the open round's (CONFLICT), the submitter (FORBIDDEN), someone holding no seat on the step
 * (FORBIDDEN), a seat that already decided (CONFLICT), a step another approver just completed
 * (CONFLICT). A rejection ends the round; an approval that reaches the step's count completes it
 * once and opens the next step, or completes the round.
 */
export async function decide(ctx: DomainContext, input: DecideInput, decider: Decider): Promise<DecisionOutcome> {
  const db = ctx.db<BillsDB>();
  const request = await repo.findOpenRequest(db, input.subjectKind, input.subjectId);
  if (!request) {
    const latest = await repo.findLatestRequest(db, input.subjectKind, input.subjectId);
    if (!latest) throw new NotFoundError(`Approval of ${input.subjectKind}`, input.subjectId);
    if (latest.subject_version === input.version && (latest.status === 'approved' || latest.status === 'rejected')) {
      throw new DomainError('CONFLICT', `The approval of this ${input.subjectKind} was just completed (${latest.status}); reload it to see where it stands`);
    }
    throw new DomainError('PRECONDITION_FAILED', `This ${input.subjectKind} is not waiting for approval (its last approval round is ${latest.status})`);
  }
  if (request.subject_version !== input.version) {
    throw new DomainError(
      'CONFLICT',
      `This ${input.subjectKind} changed since you opened it (you saw version ${input.version}, it is now version ${request.subject_version}); review it again before deciding`,
      [{ path: ['version'], message: `The current version is ${request.subject_version}` }],
    );
  }
  if (request.submitted_by === decider.userId) {
    throw new DomainError('FORBIDDEN', `You submitted this ${input.subjectKind} for approval, so someone else must decide on it`);
  }
  const step = await repo.lockPendingStep(db, request.id);
  if (!step || (input.stepId !== undefined && step.id !== input.stepId)) {
    throw new DomainError('CONFLICT', `Another approver just completed this step; reload the ${input.subjectKind} to see where it stands`);
  }
  const decided = new Set((await repo.seatsDecided(db, [step.id])).map((row) => row.approver_id));
  const seat = await seatOf(ctx, step, decider, request.submitted_by, decided);
  if (!seat) throw new DomainError('FORBIDDEN', `You are not an approver of step ${step.position + 1} of this ${input.subjectKind}`);
  const decision = await repo.insertDecision(db, {
    id: uuidv7(),
    tenant_id: ctx.tenantId,
    request_id: request.id,
    step_id: step.id,
    subject_version: request.subject_version,
    approver_id: seat,
    decided_by: decider.userId,
    decision: input.decision,
    reason: input.reason ?? null,
  });
  if (!decision) throw new DomainError('CONFLICT', seat === decider.userId ? 'You already decided on this step' : 'This approver already decided on this step');

  let stepCompleted = false;
  let completed: DecisionOutcome['completed'] = null;
  if (input.decision === 'reject') {
    stepCompleted = Boolean(await repo.completeStep(db, step.id, 'rejected'));
    if (stepCompleted && (await repo.completeRequest(db, request.id, 'rejected'))) completed = 'rejected';
  } else if ((await repo.countApprovals(db, step.id)) >= step.required) {
    stepCompleted = Boolean(await repo.completeStep(db, step.id, 'approved'));
    if (stepCompleted) {
      const policy = await repo.findPolicy(db, request.subject_kind);
      const next = await repo.activateStep(db, request.id, step.position + 1, policy?.reminder_hours ?? 24);
      if (!next && (await repo.completeRequest(db, request.id, 'approved'))) completed = 'approved';
    }
  }
  await ctx.emit(
    approvalDecided,
    {
      request_id: request.id,
      subject_kind: input.subjectKind,
      subject_id: input.subjectId,
      subject_version: request.subject_version,
      step_position: step.position,
      approver_id: seat,
      decided_by: decider.userId,
      decision: input.decision,
      reason: input.reason ?? null,
      step_completed: stepCompleted,
    },
    { aggregateId: request.id },
  );
  const decisions = await repo.listDecisions(db, [request.id]);
  return {
    request: completed ? { ...request, status: completed } : request,
    stepCompleted,
    completed,
    approverIds: [...new Set(decisions.filter((row) => row.decision === 'approve').map((row) => row.approver_id))],
    decidedBy: decider.userId,
    reason: input.reason ?? null,
  };
}

/** Every round of a subject with its steps and decisions, newest first: the history on its page. */
export async function history(ctx: DomainContext, kind: ApprovalSubjectKind, subjectId: string): Promise<ApprovalRequestDto[]> {
  const db = ctx.db<BillsDB>();
  const requests = await repo.listRequests(db, kind, subjectId);
  const ids = requests.map((request) => request.id);
  const [steps, decisions] = await Promise.all([repo.listSteps(db, ids), repo.listDecisions(db, ids)]);
  return requests.map((request) => ({
    id: request.id,
    version: request.subject_version,
    ruleName: request.rule_name,
    amountMinor: request.amount_minor,
    currency: request.currency,
    status: request.status as ApprovalRequestDto['status'],
    submittedBy: request.submitted_by,
    createdAt: request.created_at,
    completedAt: request.completed_at,
    steps: steps
      .filter((step) => step.request_id === request.id)
      .map((step) => ({
        id: step.id,
        position: step.position,
        kind: step.kind as 'role' | 'users',
        role: step.role as ApproverRole | null,
        userIds: step.user_ids,
        mode: step.mode as 'any' | 'all',
        required: step.required,
        status: step.status as ApprovalRequestDto['steps'][number]['status'],
        decisions: decisions
          .filter((decision) => decision.step_id === step.id)
          .map((decision) => ({
            id: decision.id,
            approverId: decision.approver_id,
            decidedBy: decision.decided_by,
            decision: decision.decision as 'approve' | 'reject',
            reason: decision.reason,
            version: decision.subject_version,
            createdAt: decision.created_at,
          })),
      })),
  }));
}

/** A pending step in words, for lists ("Step 1 of 2: any one of 2 people"). */
export function describeStep(
  step: { position: number; kind: string; role: string | null; user_ids: string[]; mode: string; required: number },
  count: number,
): string {
  const who =
    step.kind === 'role'
      ? step.required > 1
        ? `${step.required} people with the ${step.role} role`
        : `someone with the ${step.role} role`
      : step.mode === 'all'
        ? `all of ${step.user_ids.length} people`
        : step.user_ids.length === 1
          ? 'one named approver'
          : `any one of ${step.user_ids.length} people`;
  return `Step ${step.position + 1} of ${count}: waiting for ${who}`;
}

/** Pending steps `decider` may decide now (own seat, a delegated seat, or a role), never their own submissions. */
export async function inboxSteps(ctx: DomainContext, decider: Decider) {
  const db = ctx.db<BillsDB>();
  const candidates = (await repo.listPendingSteps(db)).filter((row) => row.submitted_by !== decider.userId);
  const decided = await repo.seatsDecided(
    db,
    candidates.map((row) => row.step_id),
  );
  const delegators = (await repo.activeDelegatorsOf(db, decider.userId)).filter((userId) => userId !== decider.userId);
  const delegatorRoles = await repo.rolesOf(db, delegators);
  const items: ((typeof candidates)[number] & { on_behalf_of: string | null })[] = [];
  for (const row of candidates) {
    const done = new Set(decided.filter((item) => item.step_id === row.step_id).map((item) => item.approver_id));
    const away = delegators.filter((userId) => userId !== row.submitted_by && !done.has(userId));
    if (row.kind === 'role') {
      if (meets(decider.role, row.role) && !done.has(decider.userId)) items.push({ ...row, on_behalf_of: null });
      else {
        const seat = away.find((userId) => meets(delegatorRoles.get(userId), row.role));
        if (seat) items.push({ ...row, on_behalf_of: seat });
      }
      continue;
    }
    if (row.user_ids.includes(decider.userId) && !done.has(decider.userId)) items.push({ ...row, on_behalf_of: null });
    else {
      const seat = row.user_ids.find((userId) => away.includes(userId));
      if (seat) items.push({ ...row, on_behalf_of: seat });
    }
  }
  return items;
}
