import { grants } from '@ubos/platform';
import { billsActions } from './actions-bills.ts';
import { billsEvents } from './contracts-bills.ts';
import { billsSubscriptions } from './handlers-approvals.ts';
import { approvalRemindersJob } from './jobs-approvals.ts';

/** What money out and approvals add to the revenue module (spread into module.ts). */
export const billsPermissions = {
  'revenue.bill.read': grants.everyone,
  'revenue.bill.write': grants.staff,
  'revenue.bill.pay': grants.managers,
  'revenue.vendor.write': grants.staff,
  'revenue.approval.decide': grants.staff,
  'revenue.policy.manage': grants.managers,
} as const;

export { billsActions, billsEvents, billsSubscriptions };
export const billsJobs = [approvalRemindersJob];
