import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCallerFactory,
  createDatabase,
  createDomainContext,
  createLogger,
  defineAction,
  defineDomain,
  DomainError,
  NotFoundError,
  readOutbox,
  router,
  sql,
  uuidv7,
  withTenant,
  type ActionContext,
  type Role,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { createTestDatabase, seedReferences, testContext, testSession, waitFor, type TestDatabase } from '@ubos/platform/testing';
import { z } from 'zod';
import { routeBillForApprovalAction, updateBillStatusAction } from '../src/actions-bills.ts';
import type { CreateBillInput, SetPoliciesInput } from '../src/contracts-bills.ts';
import { matchRule } from '../src/engine-approvals.ts';
import type { ApprovalRuleRow } from '../src/db-bills.ts';
import { keepApproverDirectory } from '../src/handlers-approvals.ts';
import { sendDueApprovalReminders } from '../src/jobs-approvals.ts';
import { revenueModule } from '../src/module.ts';
import { revenueRouter } from '../src/router.ts';

const createCaller = createCallerFactory(revenueRouter);
const silent = createLogger({ level: 'silent' });

/** A stand-in for files' `files.signDownload`: the one file id it knows is ready, another is archived. */
const readyFile = uuidv7();
const archivedFile = uuidv7();
const fakeFiles = defineDomain({
  name: 'files',
  router: router({}),
  migrations: [],
  permissions: {},
  events: [],
  subscriptions: [],
  actions: [
    defineAction({
      name: 'files.signDownload',
      description: 'test double',
      input: z.object({ fileId: z.uuid() }),
      output: z.object({ url: z.string(), filename: z.string(), contentType: z.string(), expiresAt: z.string() }),
      idempotent: false,
      run: async (input) => {
        if (input.fileId === archivedFile) throw new DomainError('PRECONDITION_FAILED', 'The file "old.pdf" is archived; restore it to download it');
        if (input.fileId !== readyFile) throw new NotFoundError('File', input.fileId);
        return { url: 'https://blobs.invalid/x', filename: 'bill.pdf', contentType: 'application/pdf', expiresAt: new Date().toISOString() };
      },
    }),
  ],
});
const modules = [revenueModule, fakeFiles];

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

interface Member {
  tenantId: string;
  userId: string;
  caller: ReturnType<typeof createCaller>;
}

/** Delivers one of identity's membership events to revenue's directory, as the runner would. */
function membership(
  tenantId: string,
  type: 'identity.member.joined' | 'identity.member.role_changed' | 'identity.member.removed',
  payload: Record<string, unknown>,
) {
  return inTenant(tenantId, (trx) =>
    keepApproverDirectory.handle(
      {
        id: uuidv7(),
        tenant_id: tenantId,
        type,
        version: 2,
        payload,
        actor_id: null,
        aggregate_type: 'identity.membership',
        aggregate_id: String(payload.membership_id),
        occurred_at: new Date().toISOString(),
        correlation_id: 'test',
        causation_id: null,
      },
      createDomainContext({ trx, tenantId, actorId: null, correlationId: 'test', log: silent }),
    ),
  );
}

async function member(tenantId: string, role: Role): Promise<Member> {
  const userId = uuidv7();
  await seedReferences(testDb.db, tenantId, [{ kind: 'identity.member', id: userId }]);
  await membership(tenantId, 'identity.member.joined', { membership_id: uuidv7(), user_id: userId, role, via: 'invitation', invitation_id: uuidv7() });
  const session = testSession({ userId, tenantId, role, modules });
  return { tenantId, userId, caller: createCaller(testContext({ db: testDb.db, session, modules })) };
}

/** An organization with an owner, two admins, two members and a viewer. */
async function organization() {
  const tenantId = uuidv7();
  const [owner, admin, admin2, staff, staff2, viewer] = await Promise.all([
    member(tenantId, 'owner'),
    member(tenantId, 'admin'),
    member(tenantId, 'admin'),
    member(tenantId, 'member'),
    member(tenantId, 'member'),
    member(tenantId, 'viewer'),
  ]);
  const vendor = await owner.caller.vendors.create({ name: 'Acme Supplies', defaultCategory: 'supplies' });
  return { tenantId, owner, admin, admin2, staff, staff2, viewer, vendor };
}

function inTenant<T>(tenantId: string, fn: (trx: Transaction<UntypedDB>) => Promise<T>): Promise<T> {
  return withTenant(testDb.db, { tenantId }, fn);
}

const eventsOf = (tenantId: string, types: string[]) => inTenant(tenantId, (trx) => readOutbox(trx, { types })).then((rows) => rows.map((row) => row.event));

function billInput(vendorId: string, amountMinor: number, number = `B-${uuidv7().slice(-6)}`): CreateBillInput {
  return { vendorId, number, issueDate: '2026-11-01', dueDate: '2026-12-01', currency: 'USD', lines: [{ description: 'Paper', amountMinor }] };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
}

function runAction<T>(tenantId: string, key: string, run: (ctx: ActionContext) => Promise<T>): Promise<T> {
  return inTenant(tenantId, (trx) =>
    run({ ...createDomainContext({ trx, tenantId, actorId: null, correlationId: 'test', log: silent }), idempotencyKey: key }),
  );
}

async function withPolicy(org: Awaited<ReturnType<typeof organization>>, rules: SetPoliciesInput['rules']) {
  return org.owner.caller.policies.set({ subjectKind: 'bill', reminderHours: 4, rules });
}

describe('vendors', () => {
  it('creates, lists, renames and archives vendors; names are unique among live vendors', async () => {
    const org = await organization();
    expect(await org.staff.caller.vendors.list()).toEqual([expect.objectContaining({ name: 'Acme Supplies', archived: false })]);
    await expect(org.staff.caller.vendors.create({ name: ' acme supplies ' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const other = await org.staff.caller.vendors.create({ name: 'Blue Print Co', defaultCurrency: 'eur' });
    expect(other.defaultCurrency).toBe('EUR');
    await expect(org.staff.caller.vendors.update({ id: other.id, name: 'ACME Supplies' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await org.staff.caller.vendors.update({ id: other.id, archived: true });
    expect((await org.staff.caller.vendors.list()).map((vendor) => vendor.name)).toEqual(['Acme Supplies']);
    expect(await org.staff.caller.vendors.list({ includeArchived: true })).toHaveLength(2);
    await expect(org.viewer.caller.vendors.create({ name: 'Nope' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const events = await eventsOf(org.tenantId, ['revenue.vendor.created', 'revenue.vendor.updated']);
    expect(events.map((event) => event.type)).toEqual(['revenue.vendor.created', 'revenue.vendor.created', 'revenue.vendor.updated']);
  });
});

describe('bills', () => {
  it('receives a bill with lines in minor units, and refuses a duplicate naming the existing bill', async () => {
    const org = await organization();
    const bill = await org.staff.caller.bills.create({
      ...billInput(org.vendor.id, 0, 'INV-001'),
      lines: [
        { description: 'Paper', amountMinor: 12_345 },
        { description: 'Toner', amountMinor: 6_655, category: 'printing' },
      ],
      attachmentFileId: readyFile,
    });
    expect(bill).toMatchObject({
      status: 'received',
      version: 1,
      totalMinor: 19_000,
      category: 'supplies',
      vendorName: 'Acme Supplies',
      attachmentFileId: readyFile,
    });
    expect(bill.lines.map((line) => line.amountMinor)).toEqual([12_345, 6_655]);
    const duplicate = await org.staff.caller.bills.create(billInput(org.vendor.id, 100, ' inv-001')).catch((error: unknown) => error);
    expect(duplicate).toMatchObject({ code: 'CONFLICT' });
    expect(String((duplicate as Error).message)).toContain(bill.id);
    // The same number from another vendor is another bill.
    const other = await org.staff.caller.vendors.create({ name: 'Other Vendor' });
    await org.staff.caller.bills.create(billInput(other.id, 100, 'INV-001'));
    expect((await eventsOf(org.tenantId, ['revenue.bill.received'])).length).toBe(2);
  });

  it('lets exactly one of two concurrent identical bills in', async () => {
    const org = await organization();
    const results = await Promise.allSettled([
      org.staff.caller.bills.create(billInput(org.vendor.id, 500, 'RACE-1')),
      org.staff2.caller.bills.create(billInput(org.vendor.id, 500, 'RACE-1')),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((result) => result.status === 'rejected')).toMatchObject({ reason: { code: 'CONFLICT' } });
    expect(await org.staff.caller.bills.list()).toHaveLength(1);
  });

  it('checks the attachment through files and refuses unknown vendors and bad input in words', async () => {
    const org = await organization();
    await expect(org.staff.caller.bills.create({ ...billInput(org.vendor.id, 100), attachmentFileId: uuidv7() })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'The attachment is not a file of this organization',
    });
    await expect(org.staff.caller.bills.create({ ...billInput(org.vendor.id, 100), attachmentFileId: archivedFile })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(org.staff.caller.bills.create(billInput(uuidv7(), 100))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(org.staff.caller.bills.create({ ...billInput(org.vendor.id, 1), lines: [{ description: 'x', amountMinor: 10.5 }] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(org.staff.caller.bills.create({ ...billInput(org.vendor.id, 1), dueDate: '2026-10-01' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const huge = Number.MAX_SAFE_INTEGER - 1;
    await expect(
      org.staff.caller.bills.create({
        ...billInput(org.vendor.id, 1),
        lines: [
          { description: 'a', amountMinor: huge },
          { description: 'b', amountMinor: huge },
        ],
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'The lines add up to more than a bill can hold' });
    expect(await org.staff.caller.bills.list()).toEqual([]);
  });
});

describe('approval policies', () => {
  const rule = (overrides: Partial<ApprovalRuleRow>): ApprovalRuleRow => ({
    id: uuidv7(),
    tenant_id: uuidv7(),
    subject_kind: 'bill',
    position: 0,
    name: 'r',
    min_minor: null,
    max_minor: null,
    currency: null,
    vendor_id: null,
    category: null,
    steps: [],
    ...overrides,
  });

  it('matches amount bands [min, max), currency, vendor and category, first rule first', () => {
    const vendorId = uuidv7();
    const rules = [
      rule({ name: 'vendor', vendor_id: vendorId }),
      rule({ name: 'travel', category: 'Travel' }),
      rule({ name: 'small', max_minor: 100_00, currency: 'USD' }),
      rule({ name: 'mid', min_minor: 100_00, max_minor: 1000_00, currency: 'USD' }),
      rule({ name: 'large', min_minor: 1000_00 }),
    ];
    const subject = { amountMinor: 50_00, currency: 'USD', vendorId: null, category: null };
    expect(matchRule(rules, subject)?.name).toBe('small');
    expect(matchRule(rules, { ...subject, amountMinor: 99_99 })?.name).toBe('small');
    expect(matchRule(rules, { ...subject, amountMinor: 100_00 })?.name).toBe('mid');
    expect(matchRule(rules, { ...subject, amountMinor: 1000_00 })?.name).toBe('large');
    expect(matchRule(rules, { ...subject, currency: 'EUR' })).toBeUndefined();
    expect(matchRule(rules, { ...subject, category: 'travel' })?.name).toBe('travel');
    expect(matchRule(rules, { ...subject, vendorId, category: 'travel' })?.name).toBe('vendor');
  });

  it('routes by band: under the threshold approved at once, over it waits for the steps', async () => {
    const org = await organization();
    const policies = await withPolicy(org, [
      { name: 'Small', minMinor: null, maxMinor: 500_00, currency: 'USD', vendorId: null, category: null, steps: [] },
      { name: 'Large', minMinor: 500_00, maxMinor: null, currency: null, vendorId: null, category: null, steps: [{ kind: 'role', role: 'admin', count: 1 }] },
    ]);
    expect(policies).toMatchObject({ revision: 1, reminderHours: 4, rules: [{ name: 'Small' }, { name: 'Large' }] });
    expect(await org.viewer.caller.policies.list()).toEqual(policies);
    await expect(org.admin.caller.policies.set({ subjectKind: 'bill', rules: [] })).resolves.toBeTruthy();
    await expect(org.staff.caller.policies.set({ subjectKind: 'bill', rules: [] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await withPolicy(
      org,
      policies.rules.map(({ id: _id, position: _position, ...rule }) => rule),
    );

    const small = await org.staff.caller.bills.create(billInput(org.vendor.id, 499_99));
    expect(await org.staff.caller.bills.submit({ id: small.id })).toMatchObject({
      status: 'approved',
      approvals: [{ ruleName: 'Small', status: 'approved', steps: [] }],
    });
    const large = await org.staff.caller.bills.create(billInput(org.vendor.id, 500_00));
    const submitted = await org.staff.caller.bills.submit({ id: large.id });
    expect(submitted).toMatchObject({ status: 'pending_approval', approvalState: 'Step 1 of 1: waiting for someone with the admin role' });
    // A member does not meet an admin step; an owner does (a higher role).
    await expect(org.staff2.caller.approvals.decide({ subjectKind: 'bill', subjectId: large.id, version: 1, decision: 'approve' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect((await org.owner.caller.approvals.inbox()).map((item) => item.subjectId)).toEqual([large.id]);
    expect(await org.staff2.caller.approvals.inbox()).toEqual([]);
    await org.owner.caller.approvals.decide({ subjectKind: 'bill', subjectId: large.id, version: 1, decision: 'approve' });
    expect(await org.staff.caller.bills.get({ id: large.id })).toMatchObject({ status: 'approved' });
    const approved = await eventsOf(org.tenantId, ['revenue.bill.approved']);
    expect(approved.map((event) => event.payload.automatic)).toEqual([true, false]);
    expect(approved[1]?.payload).toMatchObject({ bill_id: large.id, approver_ids: [org.owner.userId] });
  });

  it('refuses named approvers who are not members and vendors of another organization', async () => {
    const org = await organization();
    const step = { kind: 'users' as const, userIds: [uuidv7()], mode: 'any' as const };
    await expect(
      withPolicy(org, [{ name: 'x', minMinor: null, maxMinor: null, currency: null, vendorId: null, category: null, steps: [step] }]),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      withPolicy(org, [{ name: 'x', minMinor: null, maxMinor: null, currency: null, vendorId: uuidv7(), category: null, steps: [] }]),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(withPolicy(org, [{ name: 'x', minMinor: 10, maxMinor: 5, currency: null, vendorId: null, category: null, steps: [] }])).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('all-of needs every named approver, then the next step; any-one needs one; the history shows every decision', async () => {
    const org = await organization();
    await withPolicy(org, [
      {
        name: 'Two signatures then the owner',
        minMinor: null,
        maxMinor: null,
        currency: null,
        vendorId: null,
        category: null,
        steps: [
          { kind: 'users', userIds: [org.admin.userId, org.admin2.userId], mode: 'all' },
          { kind: 'users', userIds: [org.owner.userId, org.staff2.userId], mode: 'any' },
        ],
      },
    ]);
    const bill = await org.staff.caller.bills.create(billInput(org.vendor.id, 2000_00));
    await org.staff.caller.bills.submit({ id: bill.id });
    const decide = (who: Member, decision: 'approve' | 'reject' = 'approve') =>
      who.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision, ...(decision === 'reject' ? { reason: 'no' } : {}) });
    // The second step's approvers cannot decide before the first step completes.
    expect(await codeOf(decide(org.owner))).toBe('FORBIDDEN');
    expect(await decide(org.admin)).toMatchObject({ requestStatus: 'pending', stepCompleted: false });
    expect(await codeOf(decide(org.admin))).toBe('CONFLICT');
    expect((await org.staff.caller.bills.get({ id: bill.id })).approvalState).toBe('Step 1 of 2: waiting for all of 2 people');
    expect(await decide(org.admin2)).toMatchObject({ requestStatus: 'pending', stepCompleted: true });
    expect((await org.staff.caller.bills.get({ id: bill.id })).approvalState).toBe('Step 2 of 2: waiting for any one of 2 people');
    expect(await decide(org.staff2)).toMatchObject({ requestStatus: 'approved', stepCompleted: true });
    expect(await codeOf(decide(org.owner))).toBe('CONFLICT');
    const got = await org.staff.caller.bills.get({ id: bill.id });
    expect(got.status).toBe('approved');
    expect(got.approvals[0]?.steps.map((step) => [step.status, step.decisions.map((decision) => decision.approverId)])).toEqual([
      ['approved', [org.admin.userId, org.admin2.userId]],
      ['approved', [org.staff2.userId]],
    ]);
  });

  it('never lets the submitter approve, even when named or delegated', async () => {
    const org = await organization();
    await withPolicy(org, [
      {
        name: 'Admins',
        minMinor: null,
        maxMinor: null,
        currency: null,
        vendorId: null,
        category: null,
        steps: [{ kind: 'users', userIds: [org.admin.userId, org.admin2.userId], mode: 'all' }],
      },
    ]);
    const bill = await org.admin.caller.bills.create(billInput(org.vendor.id, 100_00));
    await org.admin.caller.bills.submit({ id: bill.id });
    await expect(org.admin.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'You submitted this bill for approval, so someone else must decide on it',
    });
    expect(await org.admin.caller.approvals.inbox()).toEqual([]);
    // The submitter's seat does not count: all-of needs the other admin only.
    expect(await org.admin2.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' })).toMatchObject({
      requestStatus: 'approved',
    });

    // A step naming only the submitter cannot be met: refused at submit, nothing written.
    await withPolicy(org, [
      {
        name: 'Only me',
        minMinor: null,
        maxMinor: null,
        currency: null,
        vendorId: null,
        category: null,
        steps: [{ kind: 'users', userIds: [org.staff.userId], mode: 'any' }],
      },
    ]);
    const mine = await org.staff.caller.bills.create(billInput(org.vendor.id, 100_00));
    await expect(org.staff.caller.bills.submit({ id: mine.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(await org.staff.caller.bills.get({ id: mine.id })).toMatchObject({ status: 'received', approvals: [] });
  });

  it('re-opens approval when an approved bill changes amount: earlier decisions are void and bound to the old version', async () => {
    const org = await organization();
    await withPolicy(org, [
      {
        name: 'Any admin',
        minMinor: 100_00,
        maxMinor: null,
        currency: null,
        vendorId: null,
        category: null,
        steps: [{ kind: 'role', role: 'admin', count: 1 }],
      },
    ]);
    const bill = await org.staff.caller.bills.create(billInput(org.vendor.id, 150_00));
    await org.staff.caller.bills.submit({ id: bill.id });
    await org.admin.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' });
    // A change that approvers did not approve on (notes) keeps the approval.
    expect(await org.staff.caller.bills.update({ id: bill.id, notes: 'Paid by card' })).toMatchObject({ status: 'approved', version: 1 });
    const changed = await org.staff.caller.bills.update({ id: bill.id, lines: [{ description: 'Paper', amountMinor: 900_00 }] });
    expect(changed).toMatchObject({ status: 'pending_approval', version: 2, totalMinor: 900_00 });
    expect(changed.approvals.map((round) => [round.version, round.status])).toEqual([
      [2, 'pending'],
      [1, 'void'],
    ]);
    // A decision on the version the approver saw before is refused.
    await expect(org.admin.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await org.admin.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 2, decision: 'approve' });
    expect(await org.staff.caller.bills.get({ id: bill.id })).toMatchObject({ status: 'approved', version: 2 });
    // Dropping below the band re-routes to no approval at all.
    expect(await org.staff.caller.bills.update({ id: bill.id, lines: [{ description: 'Paper', amountMinor: 10_00 }] })).toMatchObject({
      status: 'approved',
      version: 3,
    });
  });

  it('rejects with a reason; the bill can be corrected and resubmitted as a new round', async () => {
    const org = await organization();
    await withPolicy(org, [
      { name: 'Owner', minMinor: null, maxMinor: null, currency: null, vendorId: null, category: null, steps: [{ kind: 'role', role: 'owner', count: 1 }] },
    ]);
    const bill = await org.staff.caller.bills.create(billInput(org.vendor.id, 100_00));
    await org.staff.caller.bills.submit({ id: bill.id });
    await expect(org.owner.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'reject' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await org.owner.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'reject', reason: 'Wrong vendor' });
    expect(await org.staff.caller.bills.get({ id: bill.id })).toMatchObject({ status: 'rejected', rejectionReason: 'Wrong vendor' });
    const [rejected] = await eventsOf(org.tenantId, ['revenue.bill.rejected']);
    expect(rejected?.payload).toMatchObject({ rejected_by: org.owner.userId, reason: 'Wrong vendor' });
    const again = await org.staff.caller.bills.submit({ id: bill.id });
    expect(again).toMatchObject({ status: 'pending_approval', version: 2 });
    expect(again.approvals.map((round) => round.status)).toEqual(['pending', 'rejected']);
  });

  it('lets a delegate decide for an away approver within the dates, recorded on the approver’s seat', async () => {
    const org = await organization();
    await withPolicy(org, [
      {
        name: 'Admin one',
        minMinor: null,
        maxMinor: null,
        currency: null,
        vendorId: null,
        category: null,
        steps: [{ kind: 'users', userIds: [org.admin.userId], mode: 'any' }],
      },
    ]);
    const bill = await org.staff.caller.bills.create(billInput(org.vendor.id, 100_00));
    await org.staff.caller.bills.submit({ id: bill.id });
    expect(await codeOf(org.staff2.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' }))).toBe('FORBIDDEN');
    // Past dates do not count; a member cannot delegate someone else's approvals.
    await org.admin.caller.approvals.delegations.create({ toMember: org.staff2.userId, startsOn: '2020-01-01', endsOn: '2020-01-31' });
    expect(await org.staff2.caller.approvals.inbox()).toEqual([]);
    await expect(
      org.staff.caller.approvals.delegations.create({ fromMember: org.admin.userId, toMember: org.staff.userId, startsOn: '2026-01-01', endsOn: '2030-01-01' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(org.admin.caller.approvals.delegations.create({ toMember: uuidv7(), startsOn: '2026-01-01', endsOn: '2030-01-01' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const today = new Date().toISOString().slice(0, 10);
    const delegation = await org.admin.caller.approvals.delegations.create({
      toMember: org.staff2.userId,
      startsOn: today,
      endsOn: '2099-12-31',
      note: 'On leave',
    });
    expect((await org.staff2.caller.approvals.inbox()).map((item) => [item.subjectId, item.onBehalfOf])).toEqual([[bill.id, org.admin.userId]]);
    // The submitter never gets the seat, even by delegation.
    const toSubmitter = await org.admin.caller.approvals.delegations.create({ toMember: org.staff.userId, startsOn: today, endsOn: today });
    expect(await codeOf(org.staff.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' }))).toBe('FORBIDDEN');
    await org.admin.caller.approvals.delegations.revoke({ id: toSubmitter.id });
    await org.staff2.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' });
    const got = await org.staff.caller.bills.get({ id: bill.id });
    expect(got.status).toBe('approved');
    expect(got.approvals[0]?.steps[0]?.decisions).toEqual([expect.objectContaining({ approverId: org.admin.userId, decidedBy: org.staff2.userId })]);
    expect((await org.staff2.caller.approvals.delegations.list()).map((item) => item.id)).toContain(delegation.id);
    await org.admin.caller.approvals.delegations.revoke({ id: delegation.id });
    expect((await org.admin.caller.approvals.delegations.list()).find((item) => item.id === delegation.id)?.revoked).toBe(true);
    await expect(org.staff.caller.approvals.delegations.revoke({ id: delegation.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('two approvers of an any-one step deciding at once complete it once, with one approved event', async () => {
    const org = await organization();
    await withPolicy(org, [
      {
        name: 'Any admin',
        minMinor: null,
        maxMinor: null,
        currency: null,
        vendorId: null,
        category: null,
        steps: [{ kind: 'users', userIds: [org.admin.userId, org.admin2.userId, org.owner.userId], mode: 'any' }],
      },
    ]);
    for (let round = 0; round < 5; round += 1) {
      const bill = await org.staff.caller.bills.create(billInput(org.vendor.id, 100_00));
      await org.staff.caller.bills.submit({ id: bill.id });
      const input = { subjectKind: 'bill' as const, subjectId: bill.id, version: 1, decision: 'approve' as const };
      const results = await Promise.allSettled([
        org.admin.caller.approvals.decide(input),
        org.admin2.caller.approvals.decide(input),
        org.owner.caller.approvals.decide(input),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((result) => result.status === 'rejected').map((result) => (result as PromiseRejectedResult).reason.code)).toEqual([
        'CONFLICT',
        'CONFLICT',
      ]);
      const approved = (await eventsOf(org.tenantId, ['revenue.bill.approved'])).filter((event) => event.payload.bill_id === bill.id);
      expect(approved).toHaveLength(1);
      const decided = (await eventsOf(org.tenantId, ['revenue.approval.decided'])).filter((event) => event.payload.subject_id === bill.id);
      expect(decided).toHaveLength(1);
    }
  });

  it('binds a decision to the step the approver saw, and an edit racing a decision neither deadlocks nor loses the change', async () => {
    const org = await organization();
    const pair = [org.admin.userId, org.admin2.userId];
    await withPolicy(org, [
      {
        name: 'Twice',
        minMinor: null,
        maxMinor: null,
        currency: null,
        vendorId: null,
        category: null,
        steps: [
          { kind: 'users', userIds: pair, mode: 'any' },
          { kind: 'users', userIds: pair, mode: 'any' },
        ],
      },
    ]);
    const bill = await org.staff.caller.bills.create(billInput(org.vendor.id, 100_00));
    await org.staff.caller.bills.submit({ id: bill.id });
    const [seen] = await org.admin2.caller.approvals.inbox();
    await org.admin.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, stepId: seen?.stepId, decision: 'approve' });
    // admin2 clicked on step 1 as well: refused, not counted on step 2.
    await expect(
      org.admin2.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, stepId: seen?.stepId, decision: 'approve' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await org.staff.caller.bills.get({ id: bill.id })).approvalState).toBe('Step 2 of 2: waiting for any one of 2 people');

    for (let round = 0; round < 5; round += 1) {
      const raced = await org.staff.caller.bills.create(billInput(org.vendor.id, 100_00));
      await org.staff.caller.bills.submit({ id: raced.id });
      const results = await Promise.allSettled([
        org.admin.caller.approvals.decide({ subjectKind: 'bill', subjectId: raced.id, version: 1, decision: 'approve' }),
        org.staff2.caller.bills.update({ id: raced.id, lines: [{ description: 'Paper', amountMinor: 200_00 }] }),
      ]);
      expect(results[1]).toMatchObject({ status: 'fulfilled' });
      if (results[0].status === 'rejected') expect(results[0].reason).toMatchObject({ code: 'CONFLICT' });
      const after = await org.staff.caller.bills.get({ id: raced.id });
      expect(after).toMatchObject({ status: 'pending_approval', version: 2, totalMinor: 200_00 });
      expect(after.approvals[0]).toMatchObject({ version: 2, status: 'pending' });
    }
  });

  it('a decision takes the bill’s lock before its step’s, the order an edit takes them (no deadlock between the two)', async () => {
    const org = await organization();
    await withPolicy(org, [
      { name: 'Admin', minMinor: null, maxMinor: null, currency: null, vendorId: null, category: null, steps: [{ kind: 'role', role: 'admin', count: 1 }] },
    ]);
    const bill = await org.staff.caller.bills.create(billInput(org.vendor.id, 100_00));
    await org.staff.caller.bills.submit({ id: bill.id });
    const watcher = createDatabase({ connectionString: testDb.adminUrl, max: 1 });
    try {
      const waiting = async () =>
        (
          await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(
            watcher.kysely,
          )
        ).rows[0]?.n ?? 0;
      let decision: Promise<unknown> = Promise.resolve();
      const stepFree = await inTenant(org.tenantId, async (trx) => {
        // An edit in progress holds the bill.
        await sql`SELECT id FROM revenue.bills WHERE id = ${bill.id} FOR UPDATE`.execute(trx);
        decision = org.admin.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' });
        await waitFor(async () => (await waiting()) > 0, 20_000, 'the decision to wait for a lock');
        // The waiting decision holds no step lock, so the edit can go on to void the round's steps.
        const steps =
          await sql`SELECT s.id FROM revenue.approval_steps s JOIN revenue.approval_requests r ON r.id = s.request_id WHERE r.subject_id = ${bill.id} FOR UPDATE OF s NOWAIT`
            .execute(trx)
            .then(
              () => true,
              () => false,
            );
        return steps;
      });
      expect(stepFree).toBe(true);
      await decision;
      expect((await org.staff.caller.bills.get({ id: bill.id })).status).toBe('approved');
    } finally {
      await watcher.close();
    }
  });

  it('N members of a role: distinct approvers', async () => {
    const org = await organization();
    await withPolicy(org, [
      {
        name: 'Two staff',
        minMinor: null,
        maxMinor: null,
        currency: null,
        vendorId: null,
        category: null,
        steps: [{ kind: 'role', role: 'member', count: 2 }],
      },
    ]);
    const bill = await org.owner.caller.bills.create(billInput(org.vendor.id, 100_00));
    await org.owner.caller.bills.submit({ id: bill.id });
    const decide = (who: Member) => who.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' });
    expect(await decide(org.staff)).toMatchObject({ stepCompleted: false });
    expect(await codeOf(decide(org.staff))).toBe('CONFLICT');
    expect(await codeOf(org.viewer.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' }))).toBe('FORBIDDEN');
    expect(await decide(org.admin)).toMatchObject({ stepCompleted: true, requestStatus: 'approved' });
  });
});

describe('payment, workflow actions and reminders', () => {
  it('schedules and pays approved bills only, once', async () => {
    const org = await organization();
    const bill = await org.staff.caller.bills.create(billInput(org.vendor.id, 100_00));
    await expect(org.admin.caller.bills.pay({ id: bill.id, action: 'paid' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await org.staff.caller.bills.submit({ id: bill.id });
    await expect(org.staff.caller.bills.pay({ id: bill.id, action: 'paid' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await org.admin.caller.bills.pay({ id: bill.id, action: 'schedule', scheduledFor: '2026-12-15' })).toMatchObject({
      status: 'scheduled',
      scheduledFor: '2026-12-15',
    });
    await expect(org.staff.caller.bills.update({ id: bill.id, notes: 'x' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    const paid = await Promise.all([
      org.admin.caller.bills.pay({ id: bill.id, action: 'paid', reference: 'ACH 1' }),
      org.owner.caller.bills.pay({ id: bill.id, action: 'paid', reference: 'ACH 1' }),
    ]);
    expect(paid.map((row) => row.status)).toEqual(['paid', 'paid']);
    expect(await eventsOf(org.tenantId, ['revenue.bill.paid'])).toHaveLength(1);
  });

  it('routes and pays through the workflow actions once per step key', async () => {
    const org = await organization();
    await withPolicy(org, [
      { name: 'Admin', minMinor: 1000_00, maxMinor: null, currency: null, vendorId: null, category: null, steps: [{ kind: 'role', role: 'admin', count: 1 }] },
    ]);
    const small = await org.staff.caller.bills.create(billInput(org.vendor.id, 10_00));
    const route = () => runAction(org.tenantId, 'run-1:route', (ctx) => routeBillForApprovalAction.run({ billId: small.id }, ctx));
    expect(await route()).toEqual({ billId: small.id, status: 'approved', version: 1, ruleName: null });
    expect(await route()).toEqual({ billId: small.id, status: 'approved', version: 1, ruleName: null });
    expect(await eventsOf(org.tenantId, ['revenue.bill.submitted'])).toHaveLength(1);
    const pay = (key: string) =>
      runAction(org.tenantId, key, (ctx) => updateBillStatusAction.run({ billId: small.id, status: 'paid', reference: 'wire' }, ctx));
    expect(await pay('run-1:pay')).toEqual({ billId: small.id, status: 'paid', changed: true });
    expect(await pay('run-1:pay')).toEqual({ billId: small.id, status: 'paid', changed: true });
    expect(await pay('run-2:pay')).toEqual({ billId: small.id, status: 'paid', changed: false });
    expect(await eventsOf(org.tenantId, ['revenue.bill.paid'])).toHaveLength(1);
    const large = await org.staff.caller.bills.create(billInput(org.vendor.id, 5000_00));
    expect(await runAction(org.tenantId, 'run-3:route', (ctx) => routeBillForApprovalAction.run({ billId: large.id }, ctx))).toMatchObject({
      status: 'pending_approval',
      ruleName: 'Admin',
    });
    await expect(runAction(org.tenantId, 'run-4:pay', (ctx) => updateBillStatusAction.run({ billId: uuidv7(), status: 'paid' }, ctx))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('reminds the approvers still to decide (and their delegates) once, after the delay', async () => {
    const org = await organization();
    await withPolicy(org, [
      {
        name: 'Pair',
        minMinor: null,
        maxMinor: null,
        currency: null,
        vendorId: null,
        category: null,
        steps: [{ kind: 'users', userIds: [org.admin.userId, org.admin2.userId], mode: 'all' }],
      },
    ]);
    const today = new Date().toISOString().slice(0, 10);
    await org.admin2.caller.approvals.delegations.create({ toMember: org.staff2.userId, startsOn: today, endsOn: today });
    const bill = await org.staff.caller.bills.create(billInput(org.vendor.id, 100_00));
    await org.staff.caller.bills.submit({ id: bill.id });
    await org.admin.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' });
    // Not due yet: nothing.
    await sendDueApprovalReminders(testDb.db, silent);
    expect(await eventsOf(org.tenantId, ['revenue.approval.reminder_due'])).toEqual([]);
    await inTenant(org.tenantId, (trx) => sql`UPDATE revenue.approval_steps SET remind_at = now() - interval '1 minute'`.execute(trx));
    await Promise.all([sendDueApprovalReminders(testDb.db, silent), sendDueApprovalReminders(testDb.db, silent)]);
    await sendDueApprovalReminders(testDb.db, silent);
    const reminders = await eventsOf(org.tenantId, ['revenue.approval.reminder_due']);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.payload).toMatchObject({ subject_id: bill.id, link: `/bills/${bill.id}`, title: expect.stringContaining('Acme Supplies') });
    expect([...((reminders[0]?.payload.user_ids as string[] | undefined) ?? [])].sort()).toEqual([org.admin2.userId, org.staff2.userId].sort());
  });
});

describe('random policies', () => {
  it('a bill reaches approved only when every step has its count of distinct, eligible approvers, never the submitter', async () => {
    const org = await organization();
    const people: Member[] = [org.owner, org.admin, org.admin2, org.staff, org.staff2, org.viewer];
    const roleOf = new Map<string, string>([
      [org.owner.userId, 'owner'],
      [org.admin.userId, 'admin'],
      [org.admin2.userId, 'admin'],
      [org.staff.userId, 'member'],
      [org.staff2.userId, 'member'],
      [org.viewer.userId, 'viewer'],
    ]);
    const rank: Record<string, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
    let seed = 20261204;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const candidates = [org.owner, org.admin, org.admin2, org.staff2];
    let approvedCount = 0;
    for (let round = 0; round < 12; round += 1) {
      const steps = Array.from({ length: 1 + random(3) }, () => {
        if (random(2) === 0) return { kind: 'role' as const, role: (['owner', 'admin', 'member'] as const)[random(3)] ?? 'admin', count: 1 + random(2) };
        const userIds = candidates.filter(() => random(2) === 0).map((who) => who.userId);
        return {
          kind: 'users' as const,
          userIds: userIds.length > 0 ? userIds : [org.admin.userId],
          mode: random(2) === 0 ? ('any' as const) : ('all' as const),
        };
      });
      await withPolicy(org, [{ name: `Random ${round}`, minMinor: null, maxMinor: null, currency: null, vendorId: null, category: null, steps }]);
      const bill = await org.staff.caller.bills.create(billInput(org.vendor.id, 100_00));
      await org.staff.caller.bills.submit({ id: bill.id });
      for (let attempt = 0; attempt < 40; attempt += 1) {
        const who = people[random(people.length)] as Member;
        await who.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' }).catch((error: unknown) => {
          expect(['FORBIDDEN', 'CONFLICT', 'PRECONDITION_FAILED']).toContain((error as { code?: string }).code);
        });
        const now = await org.staff.caller.bills.get({ id: bill.id });
        const [current] = now.approvals;
        for (const step of current?.steps ?? []) {
          for (const decision of step.decisions) {
            expect(decision.approverId).not.toBe(org.staff.userId);
            if (step.kind === 'users') expect(step.userIds).toContain(decision.approverId);
            else expect(rank[roleOf.get(decision.decidedBy) ?? 'viewer'] ?? 0).toBeGreaterThanOrEqual(rank[step.role ?? 'owner'] ?? 3);
          }
          const distinct = new Set(step.decisions.map((decision) => decision.approverId)).size;
          if (step.status === 'approved') expect(distinct).toBeGreaterThanOrEqual(step.required);
          else expect(distinct).toBeLessThan(step.required);
        }
        if (now.status === 'approved') {
          expect(current?.steps.every((step) => step.status === 'approved')).toBe(true);
          approvedCount += 1;
          break;
        }
        expect(now.status).toBe('pending_approval');
      }
    }
    // The random walks do reach approval (the property is not vacuous).
    expect(approvedCount).toBeGreaterThan(3);
  });
});

describe('role steps and the approver directory', () => {
  it('a delegate stands in for the only admin of a role step; the directory follows role changes', async () => {
    const org = await organization();
    await withPolicy(org, [
      { name: 'Admin', minMinor: null, maxMinor: null, currency: null, vendorId: null, category: null, steps: [{ kind: 'role', role: 'admin', count: 2 }] },
    ]);
    const bill = await org.staff.caller.bills.create(billInput(org.vendor.id, 100_00));
    await org.staff.caller.bills.submit({ id: bill.id });
    const decide = (who: Member) => who.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' });
    expect(await codeOf(decide(org.staff2))).toBe('FORBIDDEN');
    const today = new Date().toISOString().slice(0, 10);
    await org.admin.caller.approvals.delegations.create({ toMember: org.staff2.userId, startsOn: today, endsOn: today });
    expect((await org.staff2.caller.approvals.inbox()).map((item) => item.onBehalfOf)).toEqual([org.admin.userId]);
    // The delegate takes the away admin's seat; the admin cannot decide a second time for it.
    expect(await decide(org.staff2)).toMatchObject({ stepCompleted: false });
    expect(await codeOf(decide(org.admin))).toBe('CONFLICT');
    // A demoted delegator no longer lends a role seat.
    await membership(org.tenantId, 'identity.member.role_changed', {
      membership_id: uuidv7(),
      user_id: org.admin2.userId,
      previous_role: 'admin',
      role: 'member',
      changed_by: org.owner.userId,
    });
    await org.admin2.caller.approvals.delegations.create({ toMember: org.staff2.userId, startsOn: today, endsOn: today });
    expect(await org.staff2.caller.approvals.inbox()).toEqual([]);
    expect(await codeOf(decide(org.staff2))).toBe('FORBIDDEN');
    expect(await decide(org.owner)).toMatchObject({ stepCompleted: true, requestStatus: 'approved' });
    const got = await org.staff.caller.bills.get({ id: bill.id });
    expect(got.approvals[0]?.steps[0]?.decisions.map((decision) => [decision.approverId, decision.decidedBy])).toEqual([
      [org.admin.userId, org.staff2.userId],
      [org.owner.userId, org.owner.userId],
    ]);
  });

  it('reminds the holders of a role step’s role, not the submitter, and forgets removed members', async () => {
    const org = await organization();
    await withPolicy(org, [
      { name: 'Admins', minMinor: null, maxMinor: null, currency: null, vendorId: null, category: null, steps: [{ kind: 'role', role: 'admin', count: 1 }] },
    ]);
    await membership(org.tenantId, 'identity.member.removed', {
      membership_id: uuidv7(),
      user_id: org.admin2.userId,
      role: 'admin',
      removed_by: org.owner.userId,
    });
    const bill = await org.admin.caller.bills.create(billInput(org.vendor.id, 100_00));
    await org.admin.caller.bills.submit({ id: bill.id });
    await inTenant(org.tenantId, (trx) => sql`UPDATE revenue.approval_steps SET remind_at = now() - interval '1 minute'`.execute(trx));
    await sendDueApprovalReminders(testDb.db, silent);
    const [reminder] = await eventsOf(org.tenantId, ['revenue.approval.reminder_due']);
    expect(reminder?.payload).toMatchObject({ role: 'admin', user_ids: [org.owner.userId] });
  });
});

describe('tenants', () => {
  it("never sees or decides another organization's bills", async () => {
    const a = await organization();
    const b = await organization();
    await a.owner.caller.policies.set({
      subjectKind: 'bill',
      rules: [
        { name: 'All', minMinor: null, maxMinor: null, currency: null, vendorId: null, category: null, steps: [{ kind: 'role', role: 'admin', count: 1 }] },
      ],
    });
    const bill = await a.staff.caller.bills.create(billInput(a.vendor.id, 100_00));
    await a.staff.caller.bills.submit({ id: bill.id });
    expect(await codeOf(b.owner.caller.bills.get({ id: bill.id }))).toBe('NOT_FOUND');
    expect(await codeOf(b.owner.caller.approvals.decide({ subjectKind: 'bill', subjectId: bill.id, version: 1, decision: 'approve' }))).toBe('NOT_FOUND');
    expect(await codeOf(b.owner.caller.bills.create(billInput(a.vendor.id, 1)))).toBe('BAD_REQUEST');
    expect(await b.owner.caller.approvals.inbox()).toEqual([]);
    expect(await b.owner.caller.bills.list()).toEqual([]);
    expect((await a.staff.caller.bills.get({ id: bill.id })).status).toBe('pending_approval');
  });
});
