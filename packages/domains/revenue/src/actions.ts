import { defineAction, type ActionDefinition } from '@ubos/platform';
import { z } from 'zod';
import { settingsSchema, updateSettingsInput } from './contracts.ts';
import * as service from './service.ts';
import {
  createInvoiceInput,
  createPlanInput,
  invoiceIdInput,
  portalInvoiceDetail,
  portalInvoiceInput,
  portalInvoicesInput,
  portalInvoicesOutput,
} from './contracts-invoices.ts';
import { createInvoice, submitForApproval } from './service-invoices.ts';
import { createPlan } from './service-plans.ts';
import { portalInvoice, portalInvoices } from './service-portal.ts';
import { invoiceNeedsApproval } from './approval.ts';
import { loadInvoice } from './service-invoices.ts';

/**
 * Workflow actions of the revenue domain (ARCHITECTURE.md §6). The kit validates input and
 * output and runs each at most once per step idempotency key, in the step's tenant transaction.
 * Outputs are stored as JSON for repeats: keep them JSON values (no Date).
 */

export const updateSettingsAction = defineAction({
  name: 'revenue.updateSettings',
  description: "Change the tenant's revenue settings (only the fields given); outputs the settings after the change",
  input: updateSettingsInput,
  output: settingsSchema,
  run: async (input, ctx) => (await service.updateSettings(ctx, input)).settings,
});

// ---------------------------------------------------------------- money in

const invoiceRefOutput = z.object({ invoiceId: z.uuid(), status: z.string(), total: z.string(), currency: z.string() });

/** A draft invoice for a client (a workflow step: once per step key). */
export const draftInvoiceAction = defineAction({
  name: 'revenue.draftInvoice',
  description: 'Draft an invoice for a client (lines, taxes, discount); outputs its id, status and total in minor units',
  input: createInvoiceInput,
  output: invoiceRefOutput,
  run: async (input, ctx) => {
    const invoice = await createInvoice(ctx, input);
    return { invoiceId: invoice.id, status: invoice.status, total: invoice.totals.total, currency: invoice.currency };
  },
});

/** An invoice plan for a client (recurring, deposit or milestones). */
export const createInvoicePlanAction = defineAction({
  name: 'revenue.createInvoicePlan',
  description: 'Create an invoice plan (recurring, deposit or milestones) for a client; outputs its id and next run date',
  input: createPlanInput,
  output: z.object({ planId: z.uuid(), nextRunOn: z.string().nullable() }),
  run: async (input, ctx) => {
    const plan = await createPlan(ctx, input);
    return { planId: plan.id, nextRunOn: plan.nextRunOn };
  },
});

/**
 * Asks for the approval of a draft invoice (the approval seam, approval.ts). When the tenant
 * needs no approval it reports `required: false` and changes nothing.
 */
export const requestApprovalAction = defineAction({
  name: 'revenue.requestApproval',
  description: 'Submit a draft invoice for approval when the organization requires it; outputs whether approval is required and the status',
  input: invoiceIdInput,
  output: z.object({ invoiceId: z.uuid(), required: z.boolean(), status: z.string() }),
  run: async (input, ctx) => {
    const row = await loadInvoice(ctx, input.id);
    if (!(await invoiceNeedsApproval(ctx, row)) || row.status !== 'draft')
      return { invoiceId: row.id, required: row.status === 'pending_approval', status: row.status };
    const submitted = await submitForApproval(ctx, input.id);
    return { invoiceId: submitted.id, required: true, status: submitted.status };
  },
});

/** A client's issued invoices, for the client portal (which decided the client: its session's). Read-only. */
export const portalInvoicesAction = defineAction({
  name: 'revenue.portalInvoices',
  description: "A client's issued invoices (newest first), for the client portal; read-only",
  input: portalInvoicesInput,
  output: portalInvoicesOutput,
  idempotent: false,
  run: (input, ctx) => portalInvoices(ctx, input),
});

/** One issued invoice of a client, for the client portal; not found for a draft, a void one or another client's. */
export const portalInvoiceAction = defineAction({
  name: 'revenue.portalInvoice',
  description: 'One issued invoice of a client with its lines, taxes and stored PDF file, for the client portal; read-only',
  input: portalInvoiceInput,
  output: portalInvoiceDetail,
  idempotent: false,
  run: (input, ctx) => portalInvoice(ctx, input),
});

export const revenueActions: readonly ActionDefinition[] = [
  updateSettingsAction,
  draftInvoiceAction,
  createInvoicePlanAction,
  requestApprovalAction,
  portalInvoicesAction,
  portalInvoiceAction,
];
