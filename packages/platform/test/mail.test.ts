/**
 * The kernel mail port against a real SMTP server (smtp-server on 127.0.0.1): delivery, a retried
 * 4xx, a 5xx and an exhausted retry visible on the message, the dead letter, the log transport,
 * the transaction boundary, and escaping of every interpolated value.
 */
import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_LINK_ORIGIN,
  buildIcs,
  createBoss,
  createDomainContext,
  createLogger,
  createMailDelivery,
  getSystemMail,
  KEPT_IN_LOG_MESSAGE,
  listSystemMail,
  LogMailTransport,
  MAIL_DEAD_QUEUE,
  renderSystemMail,
  resolveAppLinks,
  sendSystemMail,
  setMailBranding,
  SmtpMailTransport,
  uuidv7,
  withTenant,
  type Database,
  type DomainContext,
  type MailDelivery,
  type PgBoss,
  type SystemMailDetail,
  type UntypedDB,
} from '../src/index.ts';
import { createTestDatabase, type TestDatabase, waitFor } from '../src/testing/index.ts';

interface Received {
  to: string[];
  raw: string;
}

let testDb: TestDatabase;
let db: Database;
let boss: PgBoss;
let smtp: SMTPServer;
let smtpPort: number;
const received: Received[] = [];
/** Recipient -> how many RCPT TO attempts it has had (the server's fault script keys on it). */
const rcptAttempts = new Map<string, number>();
const logLines: string[] = [];
const logStream = new PassThrough();
logStream.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
const log = createLogger({ level: 'info', destination: logStream });
let smtpDelivery: MailDelivery;

const tenantId = uuidv7();

function smtpError(message: string, responseCode: number): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

async function inTenant<T>(fn: (ctx: DomainContext) => Promise<T>): Promise<T> {
  return withTenant<UntypedDB, T>(db, { tenantId }, (trx) => fn(createDomainContext({ trx, tenantId, actorId: null, correlationId: uuidv7(), log })));
}

async function readMail(id: string): Promise<SystemMailDetail> {
  return inTenant((ctx) => getSystemMail(ctx, id));
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (error?: Error | null) => void) {
      const count = (rcptAttempts.get(address.address) ?? 0) + 1;
      rcptAttempts.set(address.address, count);
      if (address.address.startsWith('greylist') && count === 1) return callback(smtpError('Greylisted, try again later', 451));
      if (address.address.startsWith('always-busy')) return callback(smtpError('Mailbox busy', 450));
      if (address.address.startsWith('nobody')) return callback(smtpError('No such user here', 550));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  boss = createBoss({ connectionString: testDb.appUrl, supervise: true, schedule: false, superviseIntervalSeconds: 1 });
  boss.on('error', () => undefined);
  await boss.start();
  smtpDelivery = createMailDelivery({
    db,
    boss,
    transport: new SmtpMailTransport(`smtp://127.0.0.1:${smtpPort}`),
    log,
    from: 'UBOS <no-reply@ubos.test>',
    listenConnectionString: testDb.appUrl,
    retryLimit: 2,
    retryDelaySeconds: 1,
    retryDelayMaxSeconds: 1,
    pollIntervalMs: 200,
  });
  await smtpDelivery.start();
  await inTenant((ctx) => setMailBranding(ctx, { name: 'Acme <Studio> & Co', logoUrl: 'https://cdn.example.com/logo.png' }));
}, 120_000);

afterAll(async () => {
  await smtpDelivery?.stop();
  await boss?.stop({ graceful: false });
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await testDb?.drop();
});

describe('templates', () => {
  it('escapes every interpolated value, keeps javascript: out of links and puts the link on its own line in the text', () => {
    const hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    const rendered = renderSystemMail(
      'notification',
      { title: `Task ${hostile}`, body: `Body ${hostile}`, url: 'javascript:alert(3)' },
      { name: `Firm ${hostile}`, logoUrl: 'javascript:alert(4)' },
    );
    expect(rendered.html).not.toContain('<script>');
    expect(rendered.html).not.toContain('<img src=x');
    expect(rendered.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(rendered.html).not.toContain('javascript:');
    expect(rendered.text).toContain(`Task ${hostile}`);

    const reset = renderSystemMail('password_reset', { resetUrl: 'https://ubos.test/reset-password?token=a"b<c', expiresInMinutes: 30 }, { name: 'Acme' });
    // The attribute cannot be broken out of: the quote is escaped (the URL parser percent-encodes it first).
    expect(reset.html).toMatch(/href="https:\/\/ubos\.test\/reset-password\?token=a(%22|&quot;)b(%3C|&lt;)c"/);
    const lines = reset.text.split('\n');
    const linkLine = lines.findIndex((line) => line.startsWith('https://ubos.test/reset-password?token='));
    expect(linkLine).toBeGreaterThan(0);
    expect(lines[linkLine - 1]).toBe('Choose a new password:');
    expect(reset.text).toContain('expires in 30 minutes');
    expect(reset.subject).toBe('Reset your Acme password');
  });

  it('renders path-only links against the app-link origin, which delivery replaces with the host address', () => {
    const rendered = renderSystemMail('notification', { title: 'Task assigned', url: '/projects/p1?task=t1' }, { name: 'Acme' });
    expect(rendered.text).toContain(`${APP_LINK_ORIGIN}/projects/p1?task=t1`);
    expect(resolveAppLinks(rendered.text, 'https://ubos.example.com/')).toContain('https://ubos.example.com/projects/p1?task=t1');
    expect(renderSystemMail('notification', { title: 'x', url: '//evil.example.com/x' }, { name: 'Acme' }).html).not.toContain('evil.example.com');
  });

  it('strips line breaks from subjects (no header injection)', () => {
    const rendered = renderSystemMail('message', { subject: 'Hello\r\nBcc: victim@example.com', body: 'x' }, { name: 'Acme' });
    expect(rendered.subject).toBe('Hello Bcc: victim@example.com');
  });

  it('builds an .ics with escaped text and the method', () => {
    const ics = buildIcs({
      uid: 'appt-1@ubos',
      startsAt: '2026-12-10T09:00:00Z',
      endsAt: '2026-12-10T09:30:00Z',
      summary: 'Call; with, Acme\nnotes',
      method: 'CANCEL',
      stamp: new Date('2026-12-01T00:00:00Z'),
    });
    expect(ics).toContain('METHOD:CANCEL\r\n');
    expect(ics).toContain('DTSTART:20261210T090000Z\r\n');
    expect(ics).toContain('SUMMARY:Call\\; with\\, Acme\\nnotes\r\n');
    expect(ics).toContain('STATUS:CANCELLED');
  });
});

describe('the system-mail log and delivery', () => {
  it('records nothing when the caller rolls back, and queues the rendered message when it commits', async () => {
    const to = `rollback-${uuidv7()}@example.com`;
    await expect(
      inTenant(async (ctx) => {
        await sendSystemMail(ctx, { to: { email: to }, template: 'message', data: { subject: 'Never', body: 'x' } });
        throw new Error('caller failed');
      }),
    ).rejects.toThrow('caller failed');
    const page = await inTenant((ctx) => listSystemMail(ctx, { limit: 50, to }));
    expect(page.items).toHaveLength(0);
    await smtpDelivery.flush();
    expect(received.some((mail) => mail.to.includes(to))).toBe(false);
  });

  it('delivers through SMTP with the tenant brand, the text part and attachments, and records the provider message id', async () => {
    const to = `client-${uuidv7()}@example.com`;
    const ics = buildIcs({ uid: 'a-1@ubos', startsAt: '2026-12-10T09:00:00Z', endsAt: '2026-12-10T09:30:00Z', summary: 'Intro call', method: 'REQUEST' });
    const queued = await inTenant((ctx) =>
      sendSystemMail(ctx, {
        to: { email: to, name: 'Ada Client' },
        template: 'appointment_confirmation',
        data: {
          title: 'Intro call',
          startsAt: '2026-12-10T09:00:00Z',
          endsAt: '2026-12-10T09:30:00Z',
          timeZone: 'Europe/London',
          manageUrl: 'https://ubos.test/manage/abc',
        },
        attachments: [{ filename: 'invite.ics', contentType: 'text/calendar; method=REQUEST', content: ics }],
      }),
    );
    expect(queued.status).toBe('queued');
    await waitFor(async () => (await readMail(queued.id)).status === 'sent', 30_000, 'the message to be sent');
    const mail = await readMail(queued.id);
    expect(mail.attempts).toBe(1);
    expect(mail.providerMessageId).toMatch(/^<.+>$/);
    expect(mail.html).toContain('Acme &lt;Studio&gt; &amp; Co');
    expect(mail.html).toContain('src="https://cdn.example.com/logo.png"');
    expect(mail.attachments).toEqual([{ filename: 'invite.ics', contentType: 'text/calendar; method=REQUEST', size: Buffer.byteLength(ics) }]);
    const delivered = received.filter((item) => item.to.includes(to));
    expect(delivered).toHaveLength(1);
    const raw = delivered[0]?.raw ?? '';
    expect(raw.toLowerCase()).toContain(`x-ubos-mail-id: ${queued.id}`);
    expect(raw).toContain('Content-Type: text/plain');
    expect(raw).toContain('Content-Type: text/html');
    expect(raw).toMatch(/filename="?invite\.ics"?/);
    expect(raw).toContain(mail.providerMessageId ?? 'no id');
  });

  it('retries a 4xx reply and then delivers once', async () => {
    const to = `greylist-${uuidv7()}@example.com`;
    const queued = await inTenant((ctx) => sendSystemMail(ctx, { to: { email: to }, template: 'notification', data: { title: 'Try again' } }));
    await waitFor(async () => (await readMail(queued.id)).status === 'sent', 60_000, 'the greylisted message to be sent');
    const mail = await readMail(queued.id);
    expect(mail.attempts).toBe(2);
    expect(mail.lastError).toBeNull();
    expect(rcptAttempts.get(to)).toBe(2);
    expect(received.filter((item) => item.to.includes(to))).toHaveLength(1);
  });

  it('shows a 5xx refusal on the message at once, without retrying', async () => {
    const to = `nobody-${uuidv7()}@example.com`;
    const queued = await inTenant((ctx) => sendSystemMail(ctx, { to: { email: to }, template: 'notification', data: { title: 'Bounce' } }));
    await waitFor(async () => (await readMail(queued.id)).status === 'failed', 30_000, 'the refused message to fail');
    const mail = await readMail(queued.id);
    expect(mail.attempts).toBe(1);
    expect(mail.lastError).toContain('550');
    expect(mail.lastError).toContain('No such user here');
    expect(mail.sentAt).toBeNull();
    expect(rcptAttempts.get(to)).toBe(1);
  });

  it('fails the message after the last retry of a 4xx and leaves the job in the dead letter', async () => {
    const to = `always-busy-${uuidv7()}@example.com`;
    const queued = await inTenant((ctx) => sendSystemMail(ctx, { to: { email: to }, template: 'notification', data: { title: 'Busy' } }));
    await waitFor(async () => (await readMail(queued.id)).status === 'failed', 90_000, 'the busy message to fail');
    const mail = await readMail(queued.id);
    expect(mail.attempts).toBe(3); // first attempt + retryLimit 2
    expect(mail.lastError).toContain('450');
    await waitFor(async () => (await boss.findJobs(MAIL_DEAD_QUEUE, { data: { mailId: queued.id } })).length === 1, 30_000, 'the dead letter job');
  });

  it('keeps the message in the log with the log transport and says where to read it', async () => {
    const logDelivery = createMailDelivery({
      db,
      boss,
      transport: new LogMailTransport(),
      log,
      from: 'UBOS <no-reply@ubos.test>',
      listenConnectionString: testDb.appUrl,
      pollIntervalMs: 200,
    });
    // One queue serves one transport per process: swap the SMTP worker for the log one.
    await smtpDelivery.stop();
    await logDelivery.start();
    try {
      const to = `fresh-${uuidv7()}@example.com`;
      const queued = await inTenant((ctx) =>
        sendSystemMail(ctx, {
          to: { email: to },
          template: 'magic_link',
          data: { signInUrl: 'https://ubos.test/portal/sign-in?token=t', expiresInMinutes: 15 },
        }),
      );
      await waitFor(async () => (await readMail(queued.id)).status === 'kept_in_log', 30_000, 'the message to be kept in the log');
      const mail = await readMail(queued.id);
      expect(mail.sentAt).not.toBeNull();
      expect(mail.text).toContain('https://ubos.test/portal/sign-in?token=t');
      expect(received.some((item) => item.to.includes(to))).toBe(false);
      const line = logLines.map((text) => JSON.parse(text) as { msg: string; mailId?: string }).find((entry) => entry.mailId === queued.id);
      expect(line?.msg).toBe(KEPT_IN_LOG_MESSAGE);
      expect(line?.msg).toContain('Settings → Email → Sent by UBOS');
    } finally {
      await logDelivery.stop();
    }
  });

  it('lists the log newest first with a cursor, per tenant', async () => {
    const first = await inTenant((ctx) => listSystemMail(ctx, { limit: 2 }));
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await inTenant((ctx) => listSystemMail(ctx, { limit: 2, cursor: first.nextCursor }));
    const ids = [...first.items, ...second.items].map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(first.items[0] && second.items[0] && first.items[0].createdAt >= second.items[0].createdAt).toBe(true);
    const otherTenant = uuidv7();
    const other = await withTenant<UntypedDB, { items: unknown[] }>(db, { tenantId: otherTenant }, (trx) =>
      listSystemMail(createDomainContext({ trx, tenantId: otherTenant, actorId: null, correlationId: uuidv7(), log }), { limit: 50 }),
    );
    expect(other.items).toHaveLength(0);
  });

  it('refuses an address it cannot send to, in words', async () => {
    await expect(
      inTenant((ctx) => sendSystemMail(ctx, { to: { email: 'not an address' }, template: 'message', data: { subject: 's', body: 'b' } })),
    ).rejects.toThrow('is not an email address UBOS can send to');
  });
});
