import { router, tenantProcedure } from '@ubos/platform';
import { settingsDto, updateSettingsInput } from './contracts.ts';
import { approvalsRouter, billsRouter, policiesRouter, vendorsRouter } from './router-bills.ts';
import * as service from './service.ts';
import { accountsRouter, creditNotesRouter, invoiceSettingsRouter, invoicesRouter, paymentsRouter, plansRouter, reportsRouter } from './router-invoices.ts';

/** Thin procedures (ARCHITECTURE.md §10): parse, authorize through the meta permission, call the service. */

const settings = router({
  get: tenantProcedure
    .meta({ permission: 'revenue.settings.read' })
    .output(settingsDto)
    .query(({ ctx }) => service.getSettings(ctx.domain)),
  update: tenantProcedure
    .meta({ permission: 'revenue.settings.manage' })
    .input(updateSettingsInput)
    .output(settingsDto)
    .mutation(({ ctx, input }) => service.updateSettings(ctx.domain, input)),
});

export const revenueRouter = router({
  settings,
  // money in (router-invoices.ts)
  invoiceSettings: invoiceSettingsRouter,
  accounts: accountsRouter,
  invoices: invoicesRouter,
  creditNotes: creditNotesRouter,
  payments: paymentsRouter,
  reports: reportsRouter,
  plans: plansRouter,
  vendors: vendorsRouter,
  bills: billsRouter,
  approvals: approvalsRouter,
  policies: policiesRouter,
});
export type RevenueRouter = typeof revenueRouter;
