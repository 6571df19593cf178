/**
 * Notifications end to end on the real event backbone and the kernel mail port against smtp-server
 * on 127.0.0.1: a workflow notification reaches the bell and, per preference, the mailbox (now or
 * in the daily digest); task assignments notify the assignee; read state, preferences, the
 * workflow actions (idempotent per step key), the Sent by UBOS log and the per-cause uniqueness.
 */
import type { AddressInfo } from 'node:net';
import { userCreated } from '@ubos/identity/contracts';
import {
  createBoss,
  createCallerFactory,
  createDomainContext,
  createLogger,
  createMailDelivery,
  readOutbox,
  SmtpMailTransport,
  startEventBackbone,
  uuidv7,
  withTenant,
  type ActionContext,
  type DomainContext,
  type EventBackbone,
  type EventContract,
  type MailDelivery,
  type PgBoss,
  type Role,
  type UntypedDB,
} from '@ubos/platform';
import { createTestDatabase, testContext, testSession, waitFor, type TestDatabase } from '@ubos/platform/testing';
import { taskCreated, taskUpdated } from '@ubos/projects/contracts';
import { appointmentBooked, appointmentCancelled, appointmentRescheduled } from '@ubos/scheduling/contracts';
import { notificationCreated as workflowNotificationCreated } from '@ubos/workflow/contracts';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyAction, sendEmailAction } from '../src/actions-notifications.ts';
import { notificationCreated } from '../src/contracts-notifications.ts';
import { notificationSubscriptions } from '../src/handlers-notifications.ts';
import { communicationsModule } from '../src/module.ts';
import { communicationsRouter } from '../src/router.ts';
import { notify, runDigests } from '../src/service-notifications.ts';

const createCaller = createCallerFactory(communicationsRouter);
const log = createLogger({ level: 'silent' });

let testDb: TestDatabase;
let boss: PgBoss;
let backbone: EventBackbone;
let delivery: MailDelivery;
let smtp: SMTPServer;
const inbox: { to: string[]; raw: string }[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  boss = createBoss({ connectionString: testDb.appUrl, supervise: true, schedule: false, superviseIntervalSeconds: 1 });
  boss.on('error', () => undefined);
  await boss.start();
  // Only this suite's subscriptions: the client-email handlers have their own tests.
  backbone = await startEventBackbone({
    db: testDb.db,
    boss,
    modules: [{ subscriptions: notificationSubscriptions }],
    log,
    listenConnectionString: testDb.appUrl,
    workerPollIntervalSeconds: 1,
  });
  delivery = createMailDelivery({
    db: testDb.db,
    boss,
    transport: new SmtpMailTransport(`smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`),
    log,
    from: 'UBOS <no-reply@ubos.test>',
    appUrl: 'https://ubos.example.com',
    listenConnectionString: testDb.appUrl,
    retryDelaySeconds: 1,
    pollIntervalMs: 200,
  });
  await delivery.start();
}, 120_000);

afterAll(async () => {
  await delivery?.stop();
  await backbone?.stop();
  await boss?.stop({ graceful: false });
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await testDb?.drop();
});

function inTenant<T>(tenantId: string, fn: (ctx: DomainContext) => Promise<T>, actorId: string | null = null): Promise<T> {
  return withTenant<UntypedDB, T>(testDb.db, { tenantId }, (trx) => fn(createDomainContext({ trx, tenantId, actorId, correlationId: uuidv7(), log })));
}

function emit<Payload extends Record<string, unknown>>(
  tenantId: string,
  contract: EventContract<string, Payload>,
  payload: Payload,
  aggregateId: string,
  actorId: string | null = null,
) {
  return inTenant(tenantId, (ctx) => ctx.emit(contract, payload, { aggregateId }), actorId);
}

/** A staff user of a fresh tenant: identity's user.created puts their address in communications' directory. */
async function staffUser(options: { role?: Role; tenantId?: string } = {}) {
  const tenantId = options.tenantId ?? uuidv7();
  const userId = uuidv7();
  const email = `staff-${userId.slice(-12)}@firm.example`;
  await emit(tenantId, userCreated, { user_id: userId, email, name: 'Sam Staff' }, userId);
  const session = testSession({ userId, tenantId, role: options.role ?? 'member', modules: [communicationsModule] });
  const caller = createCaller(testContext({ db: testDb.db, session, modules: [communicationsModule] }));
  await waitFor(async () => (await caller.preferences.get()).emailAddress === email, 30_000, 'the staff directory to learn the address');
  return { tenantId, userId, email, caller };
}

const delivered = (email: string) => inbox.filter((mail) => mail.to.includes(email));

describe('notifications', () => {
  it('a workflow notification reaches the bell and, with "email immediately", the mailbox', async () => {
    const user = await staffUser();
    expect(await user.caller.preferences.get()).toMatchObject({ inApp: true, email: 'off', digestHour: 8 });
    await user.caller.preferences.update({ email: 'immediately' });
    const notificationId = uuidv7();
    await emit(
      user.tenantId,
      workflowNotificationCreated,
      { notification_id: notificationId, user_id: user.userId, title: 'Deal <Acme> won', run_id: null, body: 'Kick off the project.', link: '/deals?id=1' },
      notificationId,
    );
    await waitFor(async () => (await user.caller.notifications.list({ limit: 20, unreadOnly: false })).items.length === 1, 30_000, 'the bell');
    const page = await user.caller.notifications.list({ limit: 20, unreadOnly: false });
    expect(page.unread).toBe(1);
    expect(page.items[0]).toMatchObject({ kind: 'workflow', title: 'Deal <Acme> won', body: 'Kick off the project.', link: '/deals?id=1', readAt: null });

    await waitFor(() => delivered(user.email).length === 1, 30_000, 'the email');
    const raw = delivered(user.email)[0]?.raw ?? '';
    expect(raw).toContain('Subject: Deal <Acme> won');
    // The path-only link was resolved against the app's address when sent.
    expect(raw.replace(/=\r\n/g, '')).toContain('https://ubos.example.com/deals?id=1');
    // The same event again (a redelivery) notifies nobody twice.
    await inTenant(user.tenantId, (ctx) =>
      notify(ctx, { userId: user.userId, kind: 'workflow', title: 'again', sourceKey: `workflow.notification:${notificationId}` }),
    );
    expect((await user.caller.notifications.list({ limit: 20, unreadOnly: false })).items).toHaveLength(1);
  });

  it('with email off only the bell gets it; with in-app off the bell stays quiet', async () => {
    const user = await staffUser();
    const first = uuidv7();
    await emit(user.tenantId, workflowNotificationCreated, { notification_id: first, user_id: user.userId, title: 'Bell only', run_id: null }, first);
    await waitFor(async () => (await user.caller.notifications.list({ limit: 5, unreadOnly: true })).unread === 1, 30_000, 'the bell');
    await user.caller.preferences.update({ inApp: false });
    const second = uuidv7();
    await emit(user.tenantId, workflowNotificationCreated, { notification_id: second, user_id: user.userId, title: 'Hidden', run_id: null }, second);
    // Delivered (its event says through no channel), yet not under the bell.
    await waitFor(
      async () => {
        const events = await inTenant(user.tenantId, (ctx) => readOutbox(ctx.db<UntypedDB>(), { types: [notificationCreated.type] }));
        return events.some(({ event }) => event.payload.title === 'Hidden' && Array.isArray(event.payload.channels) && event.payload.channels.length === 0);
      },
      30_000,
      'the hidden notification to be delivered',
    );
    const page = await user.caller.notifications.list({ limit: 5, unreadOnly: false });
    expect(page.items.map((item) => item.title)).toEqual(['Bell only']);
    await delivery.flush();
    expect(delivered(user.email)).toHaveLength(0);
  });

  it('the daily digest sends once per day what arrived since, and nothing when nothing did', async () => {
    const user = await staffUser();
    const hour = new Date().getUTCHours();
    await user.caller.preferences.update({ email: 'daily_digest', digestHour: hour });
    for (const title of ['First thing', 'Second thing']) {
      await inTenant(user.tenantId, (ctx) => notify(ctx, { userId: user.userId, kind: 'message', title, link: '/clients', sourceKey: `test:${uuidv7()}` }));
    }
    expect(delivered(user.email)).toHaveLength(0);
    const first = await runDigests(testDb.db, log, { hour });
    expect(first.sent).toBeGreaterThanOrEqual(1);
    await waitFor(() => delivered(user.email).length === 1, 30_000, 'the digest email');
    const raw = (delivered(user.email)[0]?.raw ?? '').replace(/=\r\n/g, '');
    expect(raw).toContain('2 notifications');
    expect(raw).toContain('First thing');
    expect(raw).toContain('Second thing');
    // A second pass in the same hour (an overlapping run, a retried job) sends nothing more.
    await runDigests(testDb.db, log, { hour });
    await delivery.flush();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(delivered(user.email)).toHaveLength(1);
    // Concurrent passes for a fresh user: still one digest.
    const other = await staffUser();
    await other.caller.preferences.update({ email: 'daily_digest', digestHour: hour });
    await inTenant(other.tenantId, (ctx) => notify(ctx, { userId: other.userId, kind: 'message', title: 'Only once', sourceKey: 'test:once' }));
    await Promise.all([runDigests(testDb.db, log, { hour }), runDigests(testDb.db, log, { hour })]);
    await waitFor(() => delivered(other.email).length === 1, 30_000, 'the other digest');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(delivered(other.email)).toHaveLength(1);
  });

  it('a task assigned to someone notifies them, with a link to the project; assigning yourself does not', async () => {
    const assignee = await staffUser();
    const manager = uuidv7();
    const projectId = uuidv7();
    const fields = { project_id: projectId, client_id: null, title: 'Draft the brief', status: 'open' as const, due_date: '2026-12-24' };
    const created = uuidv7();
    await emit(
      assignee.tenantId,
      taskCreated,
      { ...fields, task_id: created, assignee_id: assignee.userId, column_id: uuidv7(), milestone_id: null },
      created,
      manager,
    );
    const own = uuidv7();
    await emit(
      assignee.tenantId,
      taskCreated,
      { ...fields, task_id: own, title: 'Self-assigned', assignee_id: assignee.userId, column_id: uuidv7(), milestone_id: null },
      own,
      assignee.userId,
    );
    const renamed = uuidv7();
    await emit(
      assignee.tenantId,
      taskUpdated,
      { ...fields, task_id: renamed, title: 'Renamed only', assignee_id: assignee.userId, changed: ['title'] },
      renamed,
      manager,
    );
    const reassigned = uuidv7();
    await emit(
      assignee.tenantId,
      taskUpdated,
      { ...fields, task_id: reassigned, title: 'Handed over', assignee_id: assignee.userId, changed: ['assignee_id'] },
      reassigned,
      manager,
    );
    await waitFor(
      async () => (await assignee.caller.notifications.list({ limit: 20, unreadOnly: false })).items.length >= 2,
      30_000,
      'the assignment notifications',
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const page = await assignee.caller.notifications.list({ limit: 20, unreadOnly: false });
    expect(page.items.map((item) => item.title).sort()).toEqual(['You were assigned the task "Draft the brief"', 'You were assigned the task "Handed over"']);
    expect(page.items.every((item) => item.kind === 'task_assigned' && item.link === `/projects/${projectId}`)).toBe(true);
  });

  it('the hosts hear of a booking, a reschedule and a cancellation someone else made, in their time zone; their own moves are not told', async () => {
    const host = await staffUser();
    const other = await staffUser({ tenantId: host.tenantId });
    const appointmentId = uuidv7();
    const base = {
      appointment_id: appointmentId,
      type_id: uuidv7(),
      type_name: 'Intro call',
      host_id: host.userId,
      host_ids: [host.userId, other.userId],
      attendee_name: 'Ana Lopez',
      attendee_email: 'ana@client.example',
      attendee_time_zone: 'America/New_York',
      start_at: '2026-12-08T09:00:00.000Z',
      end_at: '2026-12-08T09:30:00.000Z',
      host_time_zone: 'Europe/Berlin',
      client_id: null,
      contact_id: null,
      source: 'public' as const,
    };
    await emit(host.tenantId, appointmentBooked, { ...base, answers: {}, project_template_id: null }, appointmentId, null);
    await emit(
      host.tenantId,
      appointmentRescheduled,
      {
        ...base,
        start_at: '2026-12-09T13:00:00.000Z',
        end_at: '2026-12-09T13:30:00.000Z',
        previous_start_at: base.start_at,
        previous_end_at: base.end_at,
        reason: 'Clash',
        sequence: 1,
        by: 'staff' as const,
      },
      appointmentId,
      host.userId,
    );
    await emit(host.tenantId, appointmentCancelled, { ...base, reason: null, by: 'attendee' as const }, appointmentId, null);
    await waitFor(
      async () => (await other.caller.notifications.list({ limit: 20, unreadOnly: false })).items.length >= 3,
      30_000,
      "the other host's notifications",
    );
    await waitFor(async () => (await host.caller.notifications.list({ limit: 20, unreadOnly: false })).items.length >= 2, 30_000, "the host's notifications");
    const others = (await other.caller.notifications.list({ limit: 20, unreadOnly: false })).items;
    expect(others.map((item) => item.title).sort()).toEqual([
      'Intro call booked with Ana Lopez for Tue 8 Dec, 10:00',
      'Intro call with Ana Lopez moved to Wed 9 Dec, 14:00',
      'Intro call with Ana Lopez on Tue 8 Dec, 10:00 was cancelled',
    ]);
    expect(others.every((item) => item.kind === 'appointment' && item.link === `/scheduling?appointment=${appointmentId}`)).toBe(true);
    // The host moved it themself: told of the booking and the cancellation only.
    const own = (await host.caller.notifications.list({ limit: 20, unreadOnly: false })).items;
    expect(own.map((item) => item.title).sort()).toEqual([
      'Intro call booked with Ana Lopez for Tue 8 Dec, 10:00',
      'Intro call with Ana Lopez on Tue 8 Dec, 10:00 was cancelled',
    ]);
  });

  it('marks one read, then all; nobody marks another user’s', async () => {
    const user = await staffUser();
    const colleague = await staffUser({ tenantId: user.tenantId });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const result = await inTenant(user.tenantId, (ctx) => notify(ctx, { userId: user.userId, kind: 'message', title: `Note ${n}`, sourceKey: `test:${n}` }));
      ids.push(result?.id ?? '');
    }
    expect(await colleague.caller.notifications.markRead({ ids })).toEqual({ marked: 0, unread: 0 });
    expect(await user.caller.notifications.markRead({ ids: [ids[0] as string] })).toEqual({ marked: 1, unread: 2 });
    expect(await user.caller.notifications.markRead({ ids: [ids[0] as string] })).toEqual({ marked: 0, unread: 2 });
    const unread = await user.caller.notifications.list({ limit: 20, unreadOnly: true });
    expect(unread.items.map((item) => item.title)).toEqual(['Note 3', 'Note 2']);
    expect(await user.caller.notifications.markAllRead()).toEqual({ marked: 2, unread: 0 });
    // Pages of one with a cursor walk all three, newest first.
    const first = await user.caller.notifications.list({ limit: 1, unreadOnly: false });
    const second = await user.caller.notifications.list({ limit: 1, unreadOnly: false, cursor: first.nextCursor });
    expect([first.items[0]?.title, second.items[0]?.title]).toEqual(['Note 3', 'Note 2']);
  });

  it('stores one notification per user and cause, also when two deliveries race', async () => {
    const user = await staffUser();
    const results = await Promise.all(
      [1, 2, 3].map(() => inTenant(user.tenantId, (ctx) => notify(ctx, { userId: user.userId, kind: 'message', title: 'Race', sourceKey: 'test:race' }))),
    );
    expect(results.filter((result) => result !== null)).toHaveLength(1);
    expect((await user.caller.notifications.list({ limit: 20, unreadOnly: false })).items).toHaveLength(1);
  });

  it('refuses bad preferences in words', async () => {
    const user = await staffUser();
    await expect(user.caller.preferences.update({ digestHour: 24 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(user.caller.preferences.update({})).rejects.toThrow('Change at least one preference');
  });
});

describe('workflow actions', () => {
  function actionContext(tenantId: string, key: string, fn: (ctx: ActionContext) => Promise<unknown>) {
    return inTenant(tenantId, (ctx) => fn({ ...ctx, idempotencyKey: key }));
  }

  it('communications.notify runs once per step key', async () => {
    const user = await staffUser();
    const key = `${uuidv7()}:notify-owner`;
    const input = { userId: user.userId, title: 'From a workflow', link: '/workflows' };
    const first = await actionContext(user.tenantId, key, (ctx) => notifyAction.run(input, ctx));
    const second = await actionContext(user.tenantId, key, (ctx) => notifyAction.run(input, ctx));
    expect(second).toEqual(first);
    expect((await user.caller.notifications.list({ limit: 20, unreadOnly: false })).items.map((item) => item.title)).toEqual(['From a workflow']);
    await expect(actionContext(user.tenantId, `${uuidv7()}:bad`, (ctx) => notifyAction.run({ ...input, link: 'https://evil.example' }, ctx))).rejects.toThrow();
  });

  it('communications.sendEmail sends a templated email to a user or an address once per step key, visible in Sent by UBOS', async () => {
    const manager = await staffUser({ role: 'admin' });
    const key = `${uuidv7()}:welcome`;
    const input = {
      to: { email: 'client@customer.example', name: 'Cli Ent' },
      subject: 'Welcome aboard',
      body: 'Hello!\n\nWe start on Monday.',
      link: '/portal',
    };
    const first = (await actionContext(manager.tenantId, key, (ctx) => sendEmailAction.run(input, ctx))) as { mailId: string };
    const again = (await actionContext(manager.tenantId, key, (ctx) => sendEmailAction.run(input, ctx))) as { mailId: string };
    expect(again.mailId).toBe(first.mailId);
    const toUser = (await actionContext(manager.tenantId, `${uuidv7()}:tell-user`, (ctx) =>
      sendEmailAction.run({ to: { userId: manager.userId }, subject: 'Internal', body: 'For you.' }, ctx),
    )) as { to: string };
    expect(toUser.to).toBe(manager.email);

    await waitFor(() => delivered('client@customer.example').length === 1, 30_000, 'the templated email');
    const log = await manager.caller.outgoing.list({ limit: 10 });
    expect(log.items.map((item) => item.subject)).toEqual(['Internal', 'Welcome aboard']);
    // The row says sent once the SMTP reply is recorded (just after the server has the message).
    await waitFor(async () => (await manager.caller.outgoing.get({ id: first.mailId })).status === 'sent', 30_000, 'the log to say sent');
    const detail = await manager.caller.outgoing.get({ id: first.mailId });
    expect(detail.text).toContain('We start on Monday.');
    // The log screen resolves path-only links against this host's address (no PUBLIC_URL in tests).
    expect(detail.text).toMatch(/^http:\/\/localhost:\d+\/portal$/m);
    expect(detail.html).not.toContain('ubos.invalid');

    const member = await staffUser({ tenantId: manager.tenantId, role: 'member' });
    await expect(member.caller.outgoing.list({ limit: 10 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(manager.caller.outgoing.get({ id: uuidv7() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
