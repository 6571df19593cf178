import { DomainError, NotFoundError, sql, uuidv7, type DomainContext } from '@ubos/platform';
import {
  planCreated,
  planStatusChanged,
  planTemplateSchema,
  type CreateInvoiceInput,
  type CreatePlanInput,
  type InvoiceStatus,
  type PlanDto,
  type PlanTemplate,
} from './contracts-invoices.ts';
import type { InvoicePlanRow, RevenueDB } from './db.ts';
import { invoiceNeedsApproval } from './approval.ts';
import { computeInvoice, parseRate } from './money.ts';
import { createInvoice, dateText, getInvoiceSettings, issueInvoice, submitForApproval } from './service-invoices.ts';

/**
 * Invoice plans (ARCHITECTURE.md §3): a template invoice and a schedule. Recurring plans issue
 * one invoice per period (every 1 or 3 months on an anchor day, until N periods or an end date);
 * a deposit plan issues a percentage of the template on its start date; a milestones plan issues
 * a percentage when the named project milestone is reached (`projects.milestone.reached`).
 *
 * Exactly once per period: every invoice of a plan carries (plan_id, plan_period), unique in
 * Postgres, and the scheduler takes each period under the plan's row lock (`FOR UPDATE SKIP
 * LOCKED`) in one transaction with the invoice and the plan's advance — a second scheduler skips
 * a plan being worked on, a killed run leaves whole periods only, and a run after an outage walks
 * every missed period (or skips all but the latest when the tenant chose `missedPeriods: skip`).
 */

const pad = (n: number) => String(n).padStart(2, '0');

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** The date of recurring period `k` (0-based): start month (or the next, when the anchor day is already past) + k × interval. */
export function periodDate(plan: { start_date: Date | string; interval_months: number | null; anchor_day: number | null }, k: number): string {
  const start = dateText(plan.start_date) ?? '1970-01-01';
  const [year = 1970, month = 1, day = 1] = start.split('-').map(Number);
  const anchor = plan.anchor_day ?? day;
  let base = (year * 12 + (month - 1)) as number;
  if (Math.min(anchor, daysInMonth(year, month - 1)) < day) base += 1;
  const index = base + k * (plan.interval_months ?? 1);
  const y = Math.floor(index / 12);
  const m = index % 12;
  return `${y}-${pad(m + 1)}-${pad(Math.min(anchor, daysInMonth(y, m)))}`;
}

/** Whether recurring period `k` is inside the plan (end after N periods / on a date). */
export function periodInPlan(plan: Pick<InvoicePlanRow, 'start_date' | 'interval_months' | 'anchor_day' | 'end_after' | 'end_date'>, k: number): boolean {
  if (plan.end_after !== null && k >= plan.end_after) return false;
  const end = dateText(plan.end_date);
  return end === null || periodDate(plan, k) <= end;
}

function nextRunOn(plan: InvoicePlanRow, k: number): string | null {
  if (plan.kind === 'recurring') return periodInPlan(plan, k) ? periodDate(plan, k) : null;
  return null;
}

function template(plan: InvoicePlanRow): PlanTemplate {
  return planTemplateSchema.parse(plan.template);
}

/** The invoice of one part of a plan: the template itself (recurring) or one line for a percentage of its taxable amount. */
async function invoiceInputFor(
  ctx: DomainContext,
  plan: InvoicePlanRow,
  part: { kind: 'period'; date: string } | { kind: 'percent'; percent: string; label: string },
): Promise<CreateInvoiceInput> {
  const base = template(plan);
  if (part.kind === 'period') {
    return { ...base, clientId: plan.client_id, notes: [base.notes, `${plan.name}: period starting ${part.date}`].filter(Boolean).join('\n') };
  }
  const settings = await getInvoiceSettings(ctx);
  const computed = computeInvoice({
    currency: base.currency ?? settings.currency,
    lines: base.lines,
    discount: base.discount ?? null,
    taxes: base.taxes,
    documentTaxIds: base.documentTaxIds,
    taxMode: base.taxMode ?? settings.taxMode,
    rounding: { level: settings.roundingLevel, mode: settings.roundingMode },
  });
  // The part's amount before tax; the template's document taxes apply to it as to the template.
  const scaled = computed.taxable * parseRate(part.percent);
  const amount = (scaled + 500_000n) / 1_000_000n;
  return {
    clientId: plan.client_id,
    currency: base.currency,
    taxMode: base.taxMode,
    taxes: base.taxes,
    documentTaxIds: base.documentTaxIds,
    paymentTermsDays: base.paymentTermsDays,
    notes: base.notes ?? null,
    lines: [{ description: `${part.label} (${part.percent}% of ${plan.name})`, quantity: '1', unitPrice: amount.toString(), taxIds: [] }],
  };
}

/**
 * Makes and issues (or, when the tenant wants approvals, submits) the invoice of one part of a
 * plan, in the caller's transaction. The unique (plan, period) index refuses a second one.
 */
async function issuePart(ctx: DomainContext, plan: InvoicePlanRow, period: string, input: CreateInvoiceInput, issueDate: string): Promise<string> {
  const draft = await createInvoice(ctx, input, { planId: plan.id, planPeriod: period });
  const subject = { id: draft.id, client_id: draft.clientId, currency: draft.currency, total_minor: draft.totals.total };
  if (await invoiceNeedsApproval(ctx, subject)) await submitForApproval(ctx, draft.id);
  else await issueInvoice(ctx, draft.id, issueDate);
  return draft.id;
}

function planDtoOf(row: InvoicePlanRow, invoices: PlanDto['invoices']): PlanDto {
  return {
    id: row.id,
    clientId: row.client_id,
    name: row.name,
    kind: row.kind as PlanDto['kind'],
    status: row.status as PlanDto['status'],
    template: row.template,
    interval: row.interval_months === 3 ? 'quarterly' : row.interval_months === 1 ? 'monthly' : null,
    anchorDay: row.anchor_day,
    startDate: dateText(row.start_date) ?? '',
    endAfter: row.end_after,
    endDate: dateText(row.end_date),
    depositPercent: row.deposit_percent === null ? null : row.deposit_percent.replace(/\.?0+$/, ''),
    milestones: row.milestones,
    nextRunOn: dateText(row.next_run_on),
    issuedCount: row.issued_count,
    skippedCount: row.skipped_count,
    invoices,
    createdAt: row.created_at,
  };
}

async function planInvoices(ctx: DomainContext, planId: string): Promise<PlanDto['invoices']> {
  const rows = await ctx
    .db<RevenueDB>()
    .selectFrom('revenue.invoices')
    .select(['id', 'number', 'plan_period', 'status', 'total_minor'])
    .where('plan_id', '=', planId)
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    number: row.number,
    period: row.plan_period ?? '',
    status: row.status as InvoiceStatus,
    total: BigInt(row.total_minor).toString(),
  }));
}

async function loadPlan(ctx: DomainContext, id: string, options: { forUpdate?: boolean } = {}): Promise<InvoicePlanRow> {
  const query = ctx.db<RevenueDB>().selectFrom('revenue.invoice_plans').selectAll().where('id', '=', id);
  const row = await (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
  if (!row) throw new NotFoundError('Invoice plan', id);
  return row;
}

export async function getPlan(ctx: DomainContext, id: string): Promise<PlanDto> {
  const row = await loadPlan(ctx, id);
  return planDtoOf(row, await planInvoices(ctx, id));
}

export async function listPlans(
  ctx: DomainContext,
  input: { clientId?: string | undefined; status?: string | undefined; limit: number; cursor?: string | undefined },
) {
  let query = ctx.db<RevenueDB>().selectFrom('revenue.invoice_plans').selectAll();
  if (input.clientId) query = query.where('client_id', '=', input.clientId);
  if (input.status) query = query.where('status', '=', input.status);
  if (input.cursor) query = query.where('id', '<', input.cursor);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(input.limit + 1)
    .execute();
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((row) => {
      const { invoices: _omitted, ...plan } = planDtoOf(row, []);
      return plan;
    }),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

export async function createPlan(ctx: DomainContext, input: CreatePlanInput): Promise<PlanDto> {
  await ctx.requireReferences([{ kind: 'crm.client', id: input.clientId, path: ['clientId'], label: 'client' }]);
  // The template must make a valid invoice now, not at the first period.
  const settings = await getInvoiceSettings(ctx);
  try {
    computeInvoice({
      currency: input.template.currency ?? settings.currency,
      lines: input.template.lines,
      discount: input.template.discount ?? null,
      taxes: input.template.taxes,
      documentTaxIds: input.template.documentTaxIds,
      taxMode: input.template.taxMode ?? settings.taxMode,
      rounding: { level: settings.roundingLevel, mode: settings.roundingMode },
    });
  } catch (error) {
    if (error instanceof RangeError) throw new DomainError('BAD_REQUEST', error.message, [{ path: ['template'], message: error.message }]);
    throw error;
  }
  const startDay = Number(input.startDate.slice(8, 10));
  const draft = {
    start_date: input.startDate,
    interval_months: input.kind === 'recurring' ? (input.interval === 'quarterly' ? 3 : 1) : null,
    anchor_day: input.kind === 'recurring' ? (input.anchorDay ?? startDay) : null,
    end_after: input.endAfter ?? null,
    end_date: input.endDate ?? null,
  };
  const firstRun = input.kind === 'recurring' ? (periodInPlan(draft, 0) ? periodDate(draft, 0) : null) : input.kind === 'deposit' ? input.startDate : null;
  if (input.kind === 'recurring' && firstRun === null)
    throw new DomainError('BAD_REQUEST', 'The plan ends before its first period', [{ path: ['endDate'], message: 'Before the first period' }]);
  const row = await ctx
    .db<RevenueDB>()
    .insertInto('revenue.invoice_plans')
    .values({
      id: uuidv7(),
      tenant_id: ctx.tenantId,
      client_id: input.clientId,
      name: input.name,
      kind: input.kind,
      template: JSON.stringify(input.template),
      ...draft,
      deposit_percent: input.kind === 'deposit' ? (input.depositPercent ?? null) : null,
      milestones: JSON.stringify(input.kind === 'milestones' ? input.milestones : []),
      next_run_on: firstRun,
      created_by: ctx.actorId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await ctx.emit(planCreated, { plan_id: row.id, client_id: row.client_id, name: row.name, kind: row.kind, created_by: ctx.actorId }, { aggregateId: row.id });
  return planDtoOf(row, []);
}

async function setStatus(ctx: DomainContext, id: string, from: string, to: string): Promise<PlanDto> {
  const row = await loadPlan(ctx, id, { forUpdate: true });
  if (row.status !== from)
    throw new DomainError('PRECONDITION_FAILED', to === 'paused' ? 'Only an active plan can be paused' : 'Only a paused plan can be resumed');
  const updated = await ctx
    .db<RevenueDB>()
    .updateTable('revenue.invoice_plans')
    .set({ status: to, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await ctx.emit(planStatusChanged, { plan_id: id, client_id: row.client_id, name: row.name, status: to, changed_by: ctx.actorId }, { aggregateId: id });
  return planDtoOf(updated, await planInvoices(ctx, id));
}

/** Pauses a plan: nothing is issued while paused; periods that fall due meanwhile follow the tenant's missed-periods rule on resume. */
export const pausePlan = (ctx: DomainContext, id: string) => setStatus(ctx, id, 'active', 'paused');
export const resumePlan = (ctx: DomainContext, id: string) => setStatus(ctx, id, 'paused', 'active');

export type PeriodOutcome = 'issued' | 'skipped' | 'none';

/**
 * Takes the next due part of one plan, in the caller's transaction: locks the plan (SKIP LOCKED:
 * another scheduler holding it answers 'none'), issues or skips the part and advances the plan.
 * Call it until it answers 'none'.
 */
export async function advancePlan(ctx: DomainContext, planId: string, today: string): Promise<PeriodOutcome> {
  const db = ctx.db<RevenueDB>();
  const plan = await db.selectFrom('revenue.invoice_plans').selectAll().where('id', '=', planId).forUpdate().skipLocked().executeTakeFirst();
  const due = dateText(plan?.next_run_on ?? null);
  if (plan?.status !== 'active' || due === null || due > today) return 'none';
  if (plan.kind === 'deposit') {
    const input = await invoiceInputFor(ctx, plan, { kind: 'percent', percent: plan.deposit_percent?.replace(/\.?0+$/, '') ?? '0', label: 'Deposit' });
    await issuePart(ctx, plan, 'deposit', input, today);
    await db
      .updateTable('revenue.invoice_plans')
      .set({ next_run_on: null, status: 'completed', issued_count: plan.issued_count + 1, updated_at: sql<Date>`now()` })
      .where('id', '=', plan.id)
      .execute();
    return 'issued';
  }
  const k = plan.next_period;
  const next = nextRunOn(plan, k + 1);
  const settings = await getInvoiceSettings(ctx);
  // Skipping: a missed period is passed over when a later one is already due too.
  const skip = settings.missedPeriods === 'skip' && next !== null && next <= today;
  if (!skip) await issuePart(ctx, plan, periodDate(plan, k), await invoiceInputFor(ctx, plan, { kind: 'period', date: periodDate(plan, k) }), today);
  await db
    .updateTable('revenue.invoice_plans')
    .set({
      next_period: k + 1,
      next_run_on: next,
      status: next === null ? 'completed' : 'active',
      issued_count: plan.issued_count + (skip ? 0 : 1),
      skipped_count: plan.skipped_count + (skip ? 1 : 0),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', plan.id)
    .execute();
  return skip ? 'skipped' : 'issued';
}

/** A project milestone was reached: issue the parts of active milestone plans that name it (once each). */
export async function milestoneReached(ctx: DomainContext, projectMilestoneId: string, today: string): Promise<number> {
  const db = ctx.db<RevenueDB>();
  const plans = await db
    .selectFrom('revenue.invoice_plans')
    .selectAll()
    .where('kind', '=', 'milestones')
    .where('status', '=', 'active')
    .where(sql<boolean>`milestones @> ${JSON.stringify([{ projectMilestoneId }])}::jsonb`)
    .forUpdate()
    .execute();
  let issued = 0;
  for (const plan of plans) {
    for (const milestone of plan.milestones.filter((item) => item.projectMilestoneId === projectMilestoneId)) {
      const period = `milestone:${milestone.key}`;
      const exists = await db.selectFrom('revenue.invoices').select('id').where('plan_id', '=', plan.id).where('plan_period', '=', period).executeTakeFirst();
      if (exists) continue;
      await issuePart(ctx, plan, period, await invoiceInputFor(ctx, plan, { kind: 'percent', percent: milestone.percent, label: milestone.label }), today);
      issued += 1;
    }
    const done = await db
      .selectFrom('revenue.invoices')
      .select(sql<number>`count(*)::int`.as('count'))
      .where('plan_id', '=', plan.id)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('revenue.invoice_plans')
      .set({ issued_count: done.count, status: done.count >= plan.milestones.length ? 'completed' : 'active', updated_at: sql<Date>`now()` })
      .where('id', '=', plan.id)
      .execute();
  }
  return issued;
}
