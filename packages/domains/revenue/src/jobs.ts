import { createDomainContext, sql, withTenant, type Database, type JobDefinition, type Logger } from '@ubos/platform';
import { today as utcToday } from './service-invoices.ts';
import { advancePlan, type PeriodOutcome } from './service-plans.ts';

/**
 * The invoice-plan scheduler (ARCHITECTURE.md §5), a pg-boss cron job. Each due period is one
 * transaction under the plan's row lock (service-plans.ts advancePlan), so several schedulers, a
 * run killed half-way and a catch-up after an outage all issue each period exactly once.
 */

export interface SchedulerOptions {
  /** The calendar date the run acts on (default: today, UTC). */
  today?: string;
  /** Only this tenant's plans (operations, tests); default every tenant. */
  tenantId?: string;
  /** Plans worked on at once (default 4); periods of one plan always run in order. */
  concurrency?: number;
  /** Called inside each period's transaction after its work (tests interrupt a run here). */
  onPeriod?: (planId: string, outcome: PeriodOutcome) => Promise<void> | void;
}

const PAGE = 500;

export async function issueDuePlans(db: Database, log: Logger, options: SchedulerOptions = {}): Promise<{ issued: number; skipped: number }> {
  const today = options.today ?? utcToday();
  const totals = { issued: 0, skipped: 0 };
  let after: string | null = null;
  for (;;) {
    const due: { id: string; tenant_id: string }[] = (
      await sql<{
        id: string;
        tenant_id: string;
      }>`SELECT id, tenant_id FROM revenue.due_plans(${today}::date, ${options.tenantId ?? null}::uuid, ${after}::uuid, ${PAGE})`.execute(db.kysely)
    ).rows;
    if (due.length === 0) break;
    after = due.at(-1)?.id ?? null;
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < due.length; index = next++) {
        const plan = due[index];
        if (!plan) continue;
        for (let guard = 0; guard < 1000; guard += 1) {
          const outcome = await withTenant(db, { tenantId: plan.tenant_id }, async (trx) => {
            const ctx = createDomainContext({ trx, tenantId: plan.tenant_id, actorId: null, correlationId: `revenue.plans:${plan.id}`, log });
            const result = await advancePlan(ctx, plan.id, today);
            if (result !== 'none') await options.onPeriod?.(plan.id, result);
            return result;
          });
          if (outcome === 'none') break;
          totals[outcome] += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
    if (due.length < PAGE) break;
  }
  if (totals.issued + totals.skipped > 0) log.info(totals, 'invoice plans advanced');
  return totals;
}

export const issueDuePlansJob: JobDefinition = {
  name: 'revenue.issue-due-plans',
  cron: '*/10 * * * *',
  async run(_data, { db, log }) {
    await issueDuePlans(db, log);
  },
};

export const revenueJobs: readonly JobDefinition[] = [issueDuePlansJob];
