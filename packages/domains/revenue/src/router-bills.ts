import { router, tenantProcedure } from '@ubos/platform';
import { z } from 'zod';
import {
  billDto,
  billSummaryDto,
  createBillInput,
  createDelegationInput,
  createVendorInput,
  decideInput,
  decisionResultDto,
  delegationDto,
  inboxItemDto,
  listBillsInput,
  listPoliciesInput,
  listVendorsInput,
  payBillInput,
  policiesDto,
  setPoliciesInput,
  updateBillInput,
  updateVendorInput,
  vendorDto,
} from './contracts-bills.ts';
import * as delegations from './delegations-approvals.ts';
import * as engine from './engine-approvals.ts';
import { decideApproval, inbox } from './service-approvals.ts';
import * as bills from './service-bills.ts';

/** Thin procedures of money out and approvals (ARCHITECTURE.md §10): parse, authorize, call the service. */

const byId = z.strictObject({ id: z.uuid() });
const MANAGE = 'revenue.policy.manage';

export const vendorsRouter = router({
  create: tenantProcedure
    .meta({ permission: 'revenue.vendor.write' })
    .input(createVendorInput)
    .output(vendorDto)
    .mutation(({ ctx, input }) => bills.createVendor(ctx.domain, input)),
  list: tenantProcedure
    .meta({ permission: 'revenue.bill.read' })
    .input(listVendorsInput)
    .output(z.array(vendorDto))
    .query(({ ctx, input }) => bills.listVendors(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'revenue.vendor.write' })
    .input(updateVendorInput)
    .output(vendorDto)
    .mutation(({ ctx, input }) => bills.updateVendor(ctx.domain, input)),
});

export const billsRouter = router({
  create: tenantProcedure
    .meta({ permission: 'revenue.bill.write' })
    .input(createBillInput)
    .output(billDto)
    .mutation(({ ctx, input }) => bills.createBill(ctx.domain, ctx.runtime.actions, input)),
  update: tenantProcedure
    .meta({ permission: 'revenue.bill.write' })
    .input(updateBillInput)
    .output(billDto)
    .mutation(({ ctx, input }) => bills.updateBill(ctx.domain, ctx.runtime.actions, input)),
  get: tenantProcedure
    .meta({ permission: 'revenue.bill.read' })
    .input(byId)
    .output(billDto)
    .query(({ ctx, input }) => bills.getBill(ctx.domain, input.id)),
  list: tenantProcedure
    .meta({ permission: 'revenue.bill.read' })
    .input(listBillsInput)
    .output(z.array(billSummaryDto))
    .query(({ ctx, input }) => bills.listBills(ctx.domain, input)),
  submit: tenantProcedure
    .meta({ permission: 'revenue.bill.write' })
    .input(byId)
    .output(billDto)
    .mutation(async ({ ctx, input }) => {
      await bills.submitBill(ctx.domain, input.id);
      return bills.getBill(ctx.domain, input.id);
    }),
  pay: tenantProcedure
    .meta({ permission: 'revenue.bill.pay' })
    .input(payBillInput)
    .output(billDto)
    .mutation(async ({ ctx, input }) => {
      await bills.payBill(ctx.domain, input);
      return bills.getBill(ctx.domain, input.id);
    }),
});

export const approvalsRouter = router({
  inbox: tenantProcedure
    .meta({ permission: 'revenue.approval.decide' })
    .output(z.array(inboxItemDto))
    .query(({ ctx }) => inbox(ctx.domain, { userId: ctx.tenant.userId, role: ctx.tenant.role })),
  decide: tenantProcedure
    .meta({ permission: 'revenue.approval.decide' })
    .input(decideInput)
    .output(decisionResultDto)
    .mutation(({ ctx, input }) => decideApproval(ctx.domain, input, { userId: ctx.tenant.userId, role: ctx.tenant.role })),
  delegations: router({
    list: tenantProcedure
      .meta({ permission: 'revenue.approval.decide' })
      .output(z.array(delegationDto))
      .query(({ ctx }) => delegations.listDelegations(ctx.domain, ctx.tenant.permissions.has(MANAGE))),
    create: tenantProcedure
      .meta({ permission: 'revenue.approval.decide' })
      .input(createDelegationInput)
      .output(delegationDto)
      .mutation(({ ctx, input }) => delegations.createDelegation(ctx.domain, input, ctx.tenant.permissions.has(MANAGE))),
    revoke: tenantProcedure
      .meta({ permission: 'revenue.approval.decide' })
      .input(byId)
      .output(delegationDto)
      .mutation(({ ctx, input }) => delegations.revokeDelegation(ctx.domain, input.id, ctx.tenant.permissions.has(MANAGE))),
  }),
});

export const policiesRouter = router({
  list: tenantProcedure
    .meta({ permission: 'revenue.bill.read' })
    .input(listPoliciesInput)
    .output(policiesDto)
    .query(({ ctx, input }) => engine.listPolicies(ctx.domain, input.subjectKind)),
  set: tenantProcedure
    .meta({ permission: MANAGE })
    .input(setPoliciesInput)
    .output(policiesDto)
    .mutation(({ ctx, input }) => engine.setPolicies(ctx.domain, input, (vendorId, path) => bills.checkVendor(ctx.domain, vendorId, path))),
});
