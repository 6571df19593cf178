import { defineAction, NotFoundError, type ActionDefinition } from '@ubos/platform';
import { routeBillForApprovalInput, routeBillForApprovalOutput, updateBillStatusInput, updateBillStatusOutput } from './contracts-bills.ts';
import type { BillsDB } from './db-bills.ts';
import { findBill } from './repository-bills.ts';
import { payBill, submitBill } from './service-bills.ts';

/**
 * Workflow actions of money out (ARCHITECTURE.md §6). The kit runs each at most once per
 * (tenant, action, step key), so a replayed step routes or pays nothing twice.
 */

/** Routes a received or rejected bill through the tenant's approval policy (the workflow's actor is none: no one is excluded as submitter). */
export const routeBillForApprovalAction = defineAction({
  name: 'revenue.routeBillForApproval',
  description: "Send a received bill through the tenant's approval policy; outputs its status after routing (approved at once when no rule matches)",
  input: routeBillForApprovalInput,
  output: routeBillForApprovalOutput,
  run: async (input, ctx) => {
    const routed = await submitBill(ctx, input.billId);
    return { billId: routed.bill.id, status: routed.bill.status as 'approved', version: routed.bill.version, ruleName: routed.ruleName };
  },
});

/** Schedules an approved bill or records it paid; a bill already there is left as it is (`changed: false`). */
export const updateBillStatusAction = defineAction({
  name: 'revenue.updateBillStatus',
  description: 'Move an approved bill to scheduled (for a date) or paid; a bill already in that status is unchanged',
  input: updateBillStatusInput,
  output: updateBillStatusOutput,
  run: async (input, ctx) => {
    if (!(await findBill(ctx.db<BillsDB>(), input.billId))) throw new NotFoundError('Bill', input.billId);
    const today = new Date().toISOString().slice(0, 10);
    const result = await payBill(ctx, {
      id: input.billId,
      action: input.status === 'scheduled' ? 'schedule' : 'paid',
      ...(input.status === 'scheduled' ? { scheduledFor: input.date ?? today } : input.date ? { paidOn: input.date } : {}),
      reference: input.reference ?? null,
    });
    return { billId: result.bill.id, status: result.bill.status as 'paid', changed: result.changed };
  },
});

export const billsActions: readonly ActionDefinition[] = [routeBillForApprovalAction, updateBillStatusAction];
