import { DomainError, type DomainContext } from '@ubos/platform';
import type { ApprovalSubjectKind, DecideInput, DecisionResultDto, InboxItemDto } from './contracts-bills.ts';
import { decide, inboxSteps, type Decider, type DecisionOutcome } from './engine-approvals.ts';
import { applyApprovalOutcome, billTitles, lockBill } from './service-bills.ts';

/**
 * The approval inbox and decisions across subject kinds: the engine decides, and the subject's
 * own service applies a completed round. The seam for invoices: add their case to `lockSubject`,
 * `applyOutcome` and `titlesOf`, and call `openApproval` (engine-approvals.ts) when an invoice is
 * submitted (holding the invoice's row lock, as bills do).
 */

async function applyOutcome(ctx: DomainContext, kind: ApprovalSubjectKind, outcome: DecisionOutcome): Promise<void> {
  if (!outcome.completed) return;
  const facts = {
    subjectId: outcome.request.subject_id,
    version: outcome.request.subject_version,
    completed: outcome.completed,
    approverIds: outcome.approverIds,
    decidedBy: outcome.decidedBy,
    reason: outcome.reason,
  };
  switch (kind) {
    case 'bill':
      return applyApprovalOutcome(ctx, facts);
    case 'invoice':
      throw new DomainError('PRECONDITION_FAILED', 'Invoice approvals are not available yet');
  }
}

async function titlesOf(ctx: DomainContext, kind: ApprovalSubjectKind, ids: readonly string[]): Promise<Map<string, string>> {
  switch (kind) {
    case 'bill':
      return billTitles(ctx, ids);
    case 'invoice':
      return new Map(ids.map((id) => [id, `Invoice ${id}`]));
  }
}

/**
 * Locks the subject's row before the engine locks its round and step, in the order an edit of the
 * subject takes them (subject → round → steps): a decision and an edit of the same bill queue
 * instead of deadlocking.
 */
async function lockSubject(ctx: DomainContext, kind: ApprovalSubjectKind, subjectId: string): Promise<void> {
  switch (kind) {
    case 'bill':
      await lockBill(ctx, subjectId);
      return;
    case 'invoice':
      return;
  }
}

export async function decideApproval(ctx: DomainContext, input: DecideInput, decider: Decider): Promise<DecisionResultDto> {
  await lockSubject(ctx, input.subjectKind, input.subjectId);
  const outcome = await decide(ctx, input, decider);
  await applyOutcome(ctx, input.subjectKind, outcome);
  return {
    subjectKind: input.subjectKind,
    subjectId: input.subjectId,
    version: outcome.request.subject_version,
    requestStatus: outcome.request.status as DecisionResultDto['requestStatus'],
    stepCompleted: outcome.stepCompleted,
  };
}

/** What waits for the signed-in member's decision (own seats, delegated seats, role steps). */
export async function inbox(ctx: DomainContext, decider: Decider): Promise<InboxItemDto[]> {
  const steps = await inboxSteps(ctx, decider);
  const titles = new Map<string, string>();
  for (const kind of ['bill', 'invoice'] as const) {
    const ids = steps.filter((step) => step.subject_kind === kind).map((step) => step.subject_id);
    if (ids.length > 0) for (const [id, title] of await titlesOf(ctx, kind, ids)) titles.set(`${kind}:${id}`, title);
  }
  return steps.map((step) => ({
    subjectKind: step.subject_kind as ApprovalSubjectKind,
    subjectId: step.subject_id,
    version: step.subject_version,
    requestId: step.request_id,
    stepId: step.step_id,
    stepPosition: step.position,
    stepCount: step.step_count ?? 1,
    onBehalfOf: step.on_behalf_of,
    title: titles.get(`${step.subject_kind}:${step.subject_id}`) ?? step.subject_id,
    amountMinor: step.amount_minor,
    currency: step.currency,
    submittedBy: step.submitted_by,
    waitingSince: step.activated_at ?? step.created_at,
  }));
}
