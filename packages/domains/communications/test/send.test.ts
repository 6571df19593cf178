import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOutbox, readOutbox, uuidv7, withTenant } from '@ubos/platform';
import { createTestDatabase, seedReferences, type TestDatabase } from '@ubos/platform/testing';
import type { AccountRow, EmailDB } from '../src/db-email.ts';
import { parseEmail } from '../src/mime.ts';
import { runSend } from '../src/service-send.ts';
import { storeMessages, uploadAttachments } from '../src/service-store.ts';
import { actorFor, inTenant, rfc822 } from './email-helpers.ts';
import { emailServices, silent, type EmailServices } from './email-services.ts';

/**
 * Compose and reply through the account's own SMTP: a real smtp-server on 127.0.0.1 (AUTH checked,
 * a 550 for one recipient), the message stored in its thread at once (queued), sent by the job
 * (sent with the server's answer, or failed with the reason), correct In-Reply-To/References.
 */

let testDb: TestDatabase;
let env: EmailServices;
let server: SMTPServer;
let port = 0;
const received: { from: string; to: string[]; raw: string }[] = [];
const PASSWORD = 'smtp-secret-canary-7731';

beforeAll(async () => {
  testDb = await createTestDatabase();
  env = await emailServices(testDb.db);
  server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'anna@firm.example' && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('bounce@')) {
        const error = new Error('Mailbox unavailable') as Error & { responseCode: number };
        error.responseCode = 550;
        callback(error);
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString(),
        });
        callback(null, 'Queued as 4711');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await env?.close();
  await testDb?.drop();
});

async function account(tenantId: string, ownerUserId: string, smtpPort = port, address = 'anna@firm.example'): Promise<AccountRow> {
  return inTenant(
    testDb.db,
    tenantId,
    async (ctx) => {
      const connection = await env.services.connections?.secrets?.save(ctx, {
        provider: 'imap',
        accountLabel: 'anna@firm.example',
        externalAccountId: `${ownerUserId}:anna@firm.example:${smtpPort}`,
        ownerUserId,
        secret: { password: PASSWORD },
      });
      return ctx
        .db<EmailDB>()
        .insertInto('communications.email_accounts')
        .values({
          id: uuidv7(),
          tenant_id: tenantId,
          owner_user_id: ownerUserId,
          connection_id: connection?.id ?? '',
          email_address: address,
          display_name: 'Anna Firm',
          imap_host: '127.0.0.1',
          imap_port: 143,
          imap_tls: false,
          smtp_host: '127.0.0.1',
          smtp_port: smtpPort,
          smtp_security: 'none',
          username: 'anna@firm.example',
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    env.services,
  );
}

const deps = () => ({ db: testDb.db, log: silent, services: env.services });

describe('sending through the account SMTP', () => {
  it('queues, sends as a job, stores the message in its thread, and replies with the right headers', async () => {
    const a = actorFor(testDb.db, env.services);
    const mailbox = await account(a.tenantId, a.userId);
    // Only a client of this organization can be named (another's id, or none, is refused).
    await expect(
      a.caller.messages.send({ accountId: mailbox.id, to: ['jane@acme.example'], subject: 'X', text: 'x', clientId: uuidv7() }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const [clientId = ''] = await seedReferences(testDb.db, a.tenantId, [{ kind: 'crm.client' }]);
    const queued = await a.caller.messages.send({ accountId: mailbox.id, to: ['jane@acme.example'], subject: 'Proposal', text: 'Here it is.', clientId });
    expect(queued.status).toBe('queued');
    let thread = await a.caller.threads.get({ id: queued.threadId });
    expect(thread).toMatchObject({ clientIds: [clientId], messages: [{ direction: 'outbound', sendStatus: 'queued', to: ['jane@acme.example'] }] });

    // Two workers pick the same job: sent once.
    const outcomes = await Promise.all([
      runSend(deps(), { tenantId: a.tenantId, messageId: queued.messageId }),
      runSend(deps(), { tenantId: a.tenantId, messageId: queued.messageId }),
    ]);
    expect(outcomes.sort()).toEqual(['sent', 'skipped']);
    expect(received).toHaveLength(1);
    const sent = await PostalMime.parse(received[0]?.raw ?? '');
    thread = await a.caller.threads.get({ id: queued.threadId });
    expect(sent.messageId).toBe(`<${thread.messages[0]?.messageIdHeader}>`);
    expect(sent).toMatchObject({ subject: 'Proposal', from: { address: 'anna@firm.example', name: 'Anna Firm' } });
    expect(thread.messages[0]).toMatchObject({ sendStatus: 'sent', sendError: null });
    const sentEvents = await inTenant(testDb.db, a.tenantId, (_ctx, trx) => readOutbox(trx, { types: ['communications.email.sent'] }));
    expect(sentEvents.map((e) => e.event.payload)).toEqual([
      expect.objectContaining({ message_id: queued.messageId, client_id: clientId, smtp_response: expect.stringContaining('Queued as 4711') }),
    ]);

    // Jane answers (with References to the original); Anna replies to all.
    const janeReply = await parseEmail(
      rfc822({
        id: 'jane-1@acme.example',
        from: 'Jane <jane@acme.example>',
        to: ['anna@firm.example'],
        cc: ['boss@acme.example'],
        subject: 'Re: Proposal',
        // Date headers have whole seconds: a second later than the proposal.
        date: new Date(Date.now() + 2000),
        inReplyTo: thread.messages[0]?.messageIdHeader ?? '',
        references: [thread.messages[0]?.messageIdHeader ?? ''],
      }),
    );
    const [stored] = await inTenant(
      testDb.db,
      a.tenantId,
      (ctx) => storeMessages(ctx, mailbox, [{ parsed: janeReply, direction: 'inbound', size: 10, attachmentKeys: [] }]),
      env.services,
    );
    expect(stored?.threadId).toBe(queued.threadId);
    const reply = await a.caller.messages.reply({ messageId: stored?.messageId ?? '', replyAll: true, text: 'Thanks, Jane.' });
    expect(reply.threadId).toBe(queued.threadId);
    expect(await runSend(deps(), { tenantId: a.tenantId, messageId: reply.messageId })).toBe('sent');
    const wire = await PostalMime.parse(received[1]?.raw ?? '');
    expect(wire).toMatchObject({ subject: 'Re: Proposal', inReplyTo: '<jane-1@acme.example>' });
    expect(wire.references).toBe(`<${thread.messages[0]?.messageIdHeader}> <jane-1@acme.example>`);
    expect(received[1]?.to.sort()).toEqual(['boss@acme.example', 'jane@acme.example']);
    thread = await a.caller.threads.get({ id: queued.threadId });
    expect(thread.messages.map((m) => [m.id, m.direction, m.sendStatus]).sort()).toEqual(
      [
        [queued.messageId, 'outbound', 'sent'],
        [stored?.messageId, 'inbound', null],
        [reply.messageId, 'outbound', 'sent'],
      ].sort(),
    );
  });

  it('forwards a message with its note, the original headers and text, and its attachment copied', async () => {
    const a = actorFor(testDb.db, env.services);
    const mailbox = await account(a.tenantId, a.userId);
    const pdf = Buffer.from('%PDF-1.4 the signed contract');
    const incoming = await parseEmail(
      rfc822({
        id: 'contract-1@acme.example',
        from: 'Jane Doe <jane@acme.example>',
        to: ['anna@firm.example'],
        subject: 'Signed contract',
        date: new Date(),
        body: 'Attached, signed.',
        attachment: { filename: 'contract.pdf', contentType: 'application/pdf', content: pdf },
      }),
    );
    const [stored] = await inTenant(
      testDb.db,
      a.tenantId,
      async (ctx) =>
        storeMessages(ctx, mailbox, [
          { parsed: incoming, direction: 'inbound', size: 10, attachmentKeys: await uploadAttachments(env.services.blobs, a.tenantId, incoming) },
        ]),
      env.services,
    );
    const before = received.length;
    const forwarded = await a.caller.messages.forward({ messageId: stored?.messageId ?? '', to: ['accounts@firm.example'], text: 'For the file.' });
    expect(await runSend(deps(), { tenantId: a.tenantId, messageId: forwarded.messageId })).toBe('sent');
    expect(received.length).toBe(before + 1);
    const wire = await PostalMime.parse(received.at(-1)?.raw ?? '');
    expect(wire.subject).toBe('Fwd: Signed contract');
    expect(wire.text).toContain('For the file.');
    expect(wire.text).toContain('---------- Forwarded message ---------');
    expect(wire.text).toContain('From: Jane Doe <jane@acme.example>');
    expect(wire.text).toContain('Attached, signed.');
    expect(wire.attachments.map((file) => [file.filename, file.mimeType, Buffer.from(file.content as ArrayBuffer).toString()])).toEqual([
      ['contract.pdf', 'application/pdf', pdf.toString()],
    ]);
    // Stored with its own copy of the attachment, listed on the sent message.
    const thread = await a.caller.threads.get({ id: forwarded.threadId });
    const sent = thread.messages.find((m) => m.id === forwarded.messageId);
    expect(sent?.attachments.map((file) => file.filename)).toEqual(['contract.pdf']);
    const keys = await inTenant(testDb.db, a.tenantId, (ctx) => ctx.db<EmailDB>().selectFrom('communications.email_attachments').select('blob_key').execute());
    expect(new Set(keys.map((row) => row.blob_key)).size).toBe(2);
    // Another user's message is not found, and nothing is queued for it.
    const other = actorFor(testDb.db, env.services, { tenantId: a.tenantId });
    await expect(other.caller.messages.forward({ messageId: stored?.messageId ?? '', to: ['x@y.example'] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('marks a refused message failed with the reason, and retries a transient failure up to the limit', async () => {
    const a = actorFor(testDb.db, env.services);
    const mailbox = await account(a.tenantId, a.userId);
    const bounced = await a.caller.messages.send({ accountId: mailbox.id, to: ['bounce@nowhere.example'], subject: 'Hello?', text: 'Anyone?' });
    expect(await runSend(deps(), { tenantId: a.tenantId, messageId: bounced.messageId })).toBe('failed');
    const thread = await a.caller.threads.get({ id: bounced.threadId });
    expect(thread.messages[0]).toMatchObject({ sendStatus: 'failed', sendError: expect.stringContaining('Mailbox unavailable') });
    expect(await inTenant(testDb.db, a.tenantId, (_ctx, trx) => countOutbox(trx, { types: ['communications.email.send_failed'] }))).toBe(1);

    // A server that is not there: two retries, then failed on the third attempt.
    const down = await account(a.tenantId, a.userId, 1, 'anna.old@firm.example');
    const unreachable = await a.caller.messages.send({ accountId: down.id, to: ['jane@acme.example'], subject: 'Later', text: 'Try again' });
    const attempts = [];
    for (let i = 0; i < 3; i += 1) attempts.push(await runSend(deps(), { tenantId: a.tenantId, messageId: unreachable.messageId }));
    expect(attempts).toEqual(['retry', 'retry', 'failed']);
    expect((await a.caller.threads.get({ id: unreachable.threadId })).messages[0]?.sendStatus).toBe('failed');
  });

  it('refuses bad input in words and another user’s mailbox, writing nothing', async () => {
    const a = actorFor(testDb.db, env.services);
    const mailbox = await account(a.tenantId, a.userId);
    await expect(a.caller.messages.send({ accountId: mailbox.id, to: [], subject: 'x', text: 'y' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(a.caller.messages.send({ accountId: mailbox.id, to: ['not an address'], subject: 'x', text: 'y' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const other = actorFor(testDb.db, env.services, { tenantId: a.tenantId });
    await expect(other.caller.messages.send({ accountId: mailbox.id, to: ['jane@acme.example'], subject: 'x', text: 'y' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const rows = await withTenant<EmailDB, unknown[]>(testDb.db, { tenantId: a.tenantId }, (trx) =>
      trx.selectFrom('communications.email_messages').select('id').execute(),
    );
    expect(rows).toEqual([]);
  });
});
