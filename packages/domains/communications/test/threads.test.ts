import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as crm from '@ubos/crm/contracts';
import { countOutbox, readOutbox, sql, uuidv7, withTenant, type EventEnvelope } from '@ubos/platform';
import { createTestDatabase, seedReferences, type TestDatabase } from '@ubos/platform/testing';
import type { AccountRow, EmailDB } from '../src/db-email.ts';
import { keepContactEmails } from '../src/handlers-email.ts';
import { parseEmail, sanitizeEmailHtml } from '../src/mime.ts';
import { storeMessages, type IncomingMessage } from '../src/service-store.ts';
import { subjectKey } from '../src/threading.ts';
import { actorFor, inTenant, rfc822, type MessageSpec } from './email-helpers.ts';
import { emailServices, type EmailServices } from './email-services.ts';
import { expectedGrouping, threadingFixture } from './fixtures/threading.ts';

/**
 * Storing, threading, linking and visibility without a mail server (the parsed message is what
 * the sync hands over): the 200-message threading fixture, links kept from crm's contract events
 * (email change, contact and client merge), the manual choice that sticks, internal mail, who sees what.
 */

let testDb: TestDatabase;
let env: EmailServices;
beforeAll(async () => {
  testDb = await createTestDatabase();
  env = await emailServices(testDb.db);
});
afterAll(async () => {
  await env?.close();
  await testDb?.drop();
});

async function makeAccount(tenantId: string, ownerUserId: string, address: string): Promise<AccountRow> {
  return withTenant<EmailDB, AccountRow>(testDb.db, { tenantId }, (trx) =>
    trx
      .insertInto('communications.email_accounts')
      .values({
        id: uuidv7(),
        tenant_id: tenantId,
        owner_user_id: ownerUserId,
        connection_id: uuidv7(),
        email_address: address,
        imap_host: 'imap.example',
        imap_port: 993,
        imap_tls: true,
        smtp_host: 'smtp.example',
        smtp_port: 465,
        smtp_security: 'tls',
        username: address,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

async function store(tenantId: string, account: AccountRow, specs: MessageSpec[]) {
  const items: IncomingMessage[] = [];
  for (const spec of specs) items.push({ parsed: await parseEmail(rfc822(spec)), direction: 'inbound' as const, size: 100, attachmentKeys: [] });
  return inTenant(testDb.db, tenantId, (ctx) => storeMessages(ctx, account, items), env.services);
}

function envelope<Payload extends Record<string, unknown>>(
  tenantId: string,
  type: string,
  aggregateType: string,
  aggregateId: string,
  payload: Payload,
): EventEnvelope {
  return {
    id: uuidv7(),
    tenant_id: tenantId,
    type,
    version: 1,
    payload,
    actor_id: null,
    aggregate_type: aggregateType,
    aggregate_id: aggregateId,
    occurred_at: new Date().toISOString(),
    correlation_id: uuidv7(),
    causation_id: null,
  };
}

function contact(id: string, email: string | null, clientIds: string[]): crm.ContactSnapshot {
  return {
    contact_id: id,
    client_id: clientIds[0] ?? null,
    client_ids: clientIds,
    relationships: clientIds.map((client_id) => ({ client_id, role: null })),
    name: 'Someone',
    email,
    email_normalized: email?.toLowerCase() ?? null,
    phone: null,
    title: null,
    owner_id: null,
    tags: [],
    custom_fields: {},
  };
}

async function deliverCrm(tenantId: string, event: EventEnvelope): Promise<void> {
  await inTenant(testDb.db, tenantId, (ctx) => keepContactEmails.handle(event, ctx));
}

const contactEvent = (tenantId: string, type: string, snapshot: crm.ContactSnapshot) => envelope(tenantId, type, 'crm.contact', snapshot.contact_id, snapshot);

describe('threading', () => {
  it('groups the 200-message fixture as its labels say', async () => {
    expect(threadingFixture).toHaveLength(200);
    const tenantId = uuidv7();
    const account = await makeAccount(tenantId, uuidv7(), 'anna@firm.example');
    const results: { threadId: string; messageId: string }[] = [];
    // In chunks, as a sync commits them: references cross chunk boundaries.
    for (let i = 0; i < threadingFixture.length; i += 37) {
      results.push(
        ...(await store(
          tenantId,
          account,
          threadingFixture.slice(i, i + 37).map((m) => m.spec),
        )),
      );
    }
    // A later message can merge earlier threads: read where each message ended up.
    const rows = await withTenant<EmailDB, { id: string; thread_id: string }[]>(testDb.db, { tenantId }, (trx) =>
      trx.selectFrom('communications.email_messages').select(['id', 'thread_id']).execute(),
    );
    const threadOf = new Map(rows.map((row) => [row.id, row.thread_id]));
    expect(rows).toHaveLength(195);
    const byLabel = new Map<string, Set<string>>();
    threadingFixture.forEach((message, index) => {
      const stored = results[index] as { messageId: string };
      const thread = threadOf.get(stored.messageId) as string;
      byLabel.set(message.thread, (byLabel.get(message.thread) ?? new Set()).add(thread));
    });
    // Every conversation is exactly one thread…
    const split = [...byLabel].filter(([, threads]) => threads.size !== 1).map(([label]) => label);
    expect(split).toEqual([]);
    // …and no two conversations share one.
    const owners = new Map<string, string>();
    const shared: string[] = [];
    for (const [label, threads] of byLabel) {
      const thread = [...threads][0] as string;
      const other = owners.get(thread);
      if (other) shared.push(`${other} + ${label}`);
      owners.set(thread, label);
    }
    expect(shared).toEqual([]);
    // Counts per thread match the fixture's grouping.
    const counts = await withTenant<EmailDB, { id: string; message_count: number }[]>(testDb.db, { tenantId }, (trx) =>
      trx.selectFrom('communications.email_threads').select(['id', 'message_count']).where('merged_into', 'is', null).execute(),
    );
    expect(counts).toHaveLength(Object.keys(expectedGrouping).length);
    const countOf = new Map(counts.map((row) => [row.id, row.message_count]));
    for (const [label, threads] of byLabel) expect([label, countOf.get([...threads][0] as string)]).toEqual([label, expectedGrouping[label]]);
  });

  it('normalises subjects and sanitises HTML', async () => {
    expect(subjectKey('RE: Fwd: AW:  Quote   for the Kitchen')).toBe('quote for the kitchen');
    expect(subjectKey('Re[3]: [client-list] SV: Budget')).toBe('budget');
    const { html, remoteImages } = sanitizeEmailHtml(
      '<p onclick="x()">Hi<script>alert(1)</script><img src="https://tracker.example/p.gif"><img src="cid:logo"><a href="javascript:alert(1)">x</a><iframe src="https://x"></iframe><style>p{}</style></p>',
    );
    expect(html).not.toMatch(/script|onclick|iframe|javascript|<style|<img src="https/);
    expect(html).toContain('data-remote-src="https://tracker.example/p.gif"');
    expect(html).toContain('src="cid:logo"');
    expect(remoteImages).toBe(1);
  });
});

describe('links to clients', () => {
  it('links from the contact-email copy, follows an email change and both merges, and never links internal mail', async () => {
    const owner = actorFor(testDb.db, env.services);
    const { tenantId } = owner;
    const account = await makeAccount(tenantId, owner.userId, 'anna@firm.example');
    await makeAccount(tenantId, uuidv7(), 'bob@firm.example');
    const clientA = uuidv7();
    const clientB = uuidv7();
    const jane = uuidv7();
    await deliverCrm(tenantId, contactEvent(tenantId, crm.contactCreated.type, contact(jane, 'Jane@Acme.example', [clientA])));

    const [fromJane] = await store(tenantId, account, [
      { id: 'j1@acme.example', from: 'Jane <jane@acme.example>', to: ['anna@firm.example'], subject: 'Kickoff', date: new Date() },
    ]);
    const [internal] = await store(tenantId, account, [
      { id: 'i1@firm.example', from: 'bob@firm.example', to: ['anna@firm.example'], subject: 'Lunch?', date: new Date() },
    ]);
    const list = await owner.caller.threads.list({ clientId: clientA });
    expect(list.items.map((t) => t.id)).toEqual([fromJane?.threadId]);
    expect((await owner.caller.threads.get({ id: internal?.threadId ?? '' })).internal).toBe(true);
    expect((await owner.caller.threads.list({ filter: 'unlinked' })).items.map((t) => t.id)).toEqual([internal?.threadId]);
    const linked = await inTenant(testDb.db, tenantId, (_ctx, trx) => readOutbox(trx, { types: ['communications.thread.linked'] }));
    expect(linked.map((e) => e.event.payload)).toEqual([
      expect.objectContaining({ thread_id: fromJane?.threadId, client_id: clientA, source: 'auto', contact_id: jane }),
    ]);
    // The received event says which client the mail is on (the timeline files it there); a private one says nothing.
    const received = await inTenant(testDb.db, tenantId, (_ctx, trx) => readOutbox(trx, { types: ['communications.email.received'] }));
    expect(received.map((e) => [e.event.payload.client_id, e.event.payload.subject])).toEqual([
      [clientA, 'Kickoff'],
      [null, null],
    ]);

    // Jane's address changes: her old thread leaves the client; mail already stored from the new address joins.
    const [fromNew] = await store(tenantId, account, [
      { id: 'j2@acme.example', from: 'jane@acme-group.example', to: ['anna@firm.example'], subject: 'New address', date: new Date() },
    ]);
    expect((await owner.caller.threads.get({ id: fromNew?.threadId ?? '' })).clientIds).toEqual([]);
    await deliverCrm(tenantId, contactEvent(tenantId, crm.contactUpdated.type, contact(jane, 'jane@acme-group.example', [clientA])));
    expect((await owner.caller.threads.list({ clientId: clientA })).items.map((t) => t.id)).toEqual([fromNew?.threadId]);
    expect((await owner.caller.threads.get({ id: fromJane?.threadId ?? '' })).clientIds).toEqual([]);

    // Client A is merged into B: the link moves to B.
    await deliverCrm(
      tenantId,
      envelope(tenantId, crm.clientMerged.type, 'crm.client', clientB, { survivor_id: clientB, merged_id: clientA, client_id: clientB }),
    );
    expect((await owner.caller.threads.list({ clientId: clientA })).items).toEqual([]);
    expect((await owner.caller.threads.list({ clientId: clientB })).items.map((t) => t.id)).toEqual([fromNew?.threadId]);

    // Contact merge: Tom (no client) is merged into Jane; mail from Tom's address lands on Jane's clients.
    const tom = uuidv7();
    await deliverCrm(tenantId, contactEvent(tenantId, crm.contactCreated.type, contact(tom, 'tom@acme.example', [])));
    const [fromTom] = await store(tenantId, account, [
      { id: 't1@acme.example', from: 'tom@acme.example', to: ['anna@firm.example'], subject: 'Invoice question', date: new Date() },
    ]);
    expect((await owner.caller.threads.get({ id: fromTom?.threadId ?? '' })).clientIds).toEqual([]);
    await deliverCrm(
      tenantId,
      envelope(tenantId, crm.contactMerged.type, 'crm.contact', jane, {
        survivor_id: jane,
        merged_id: tom,
        contact_id: jane,
        client_id: clientB,
        client_ids: [clientB],
      }),
    );
    expect((await owner.caller.threads.get({ id: fromTom?.threadId ?? '' })).clientIds).toEqual([clientB]);

    // A staff address that is also a contact does not make internal mail a client's.
    await deliverCrm(tenantId, contactEvent(tenantId, crm.contactCreated.type, contact(uuidv7(), 'bob@firm.example', [clientB])));
    expect((await owner.caller.threads.get({ id: internal?.threadId ?? '' })).clientIds).toEqual([]);
  });

  it('keeps a manual unlink and link against automatic linking, one event per change even when raced', async () => {
    const owner = actorFor(testDb.db, env.services);
    const { tenantId } = owner;
    const account = await makeAccount(tenantId, owner.userId, 'anna@firm.example');
    const [clientA, clientB] = (await seedReferences(testDb.db, tenantId, [{ kind: 'crm.client' }, { kind: 'crm.client' }])) as [string, string];
    await deliverCrm(tenantId, contactEvent(tenantId, crm.contactCreated.type, contact(uuidv7(), 'sam@shop.example', [clientA])));
    const [first] = await store(tenantId, account, [
      { id: 's1@shop.example', from: 'sam@shop.example', to: ['anna@firm.example'], subject: 'Order 17', date: new Date() },
    ]);
    const threadId = first?.threadId ?? '';
    expect((await owner.caller.threads.unlink({ threadId, clientId: clientA })).clientIds).toEqual([]);
    // Five people link client B at once: one link, one event.
    await Promise.all(Array.from({ length: 5 }, () => owner.caller.threads.link({ threadId, clientId: clientB })));
    const events = await inTenant(testDb.db, tenantId, (_ctx, trx) => countOutbox(trx, { types: ['communications.thread.linked'] }));
    expect(events).toBe(2); // the automatic link to A, then the manual one to B
    // More mail from Sam: A stays unlinked (the person's choice sticks), B stays.
    await store(tenantId, account, [
      {
        id: 's2@shop.example',
        from: 'sam@shop.example',
        to: ['anna@firm.example'],
        subject: 'Re: Order 17',
        date: new Date(),
        inReplyTo: 's1@shop.example',
        references: ['s1@shop.example'],
      },
    ]);
    const thread = await owner.caller.threads.get({ id: threadId });
    expect(thread).toMatchObject({ messageCount: 2, clientIds: [clientB], links: [{ clientId: clientB, source: 'manual' }] });
    expect(await inTenant(testDb.db, tenantId, (_ctx, trx) => countOutbox(trx, { types: ['communications.thread.unlinked'] }))).toBe(1);
  });

  it('shows a thread only to its mailbox owner until it is on a client, and pages the inbox', async () => {
    const owner = actorFor(testDb.db, env.services);
    const colleague = actorFor(testDb.db, env.services, { tenantId: owner.tenantId });
    const viewer = actorFor(testDb.db, env.services, { tenantId: owner.tenantId, role: 'viewer' });
    const account = await makeAccount(owner.tenantId, owner.userId, 'anna@firm.example');
    const specs = Array.from({ length: 7 }, (_, i) => ({
      id: `p${i}@x.example`,
      from: `p${i}@x.example`,
      to: ['anna@firm.example'],
      subject: `Private ${i}`,
      date: new Date(Date.UTC(2026, 0, 1 + i)),
    }));
    const stored = await store(owner.tenantId, account, specs);
    const target = stored[0]?.threadId ?? '';
    await expect(colleague.caller.threads.get({ id: target })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await colleague.caller.threads.list()).items).toEqual([]);
    await expect(viewer.caller.threads.list()).rejects.toMatchObject({ code: 'FORBIDDEN' });

    await expect(owner.caller.threads.link({ threadId: target, clientId: uuidv7() })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'The client given is not a client of this organization',
    });
    const [clientId] = (await seedReferences(testDb.db, owner.tenantId, [{ kind: 'crm.client' }])) as [string];
    await owner.caller.threads.link({ threadId: target, clientId });
    expect((await colleague.caller.threads.get({ id: target })).mine).toBe(false);
    expect((await colleague.caller.threads.list({ clientId })).items.map((t) => t.id)).toEqual([target]);
    // Still not in the colleague's own inbox.
    expect((await colleague.caller.threads.list()).items).toEqual([]);

    const page1 = await owner.caller.threads.list({ limit: 3 });
    const page2 = await owner.caller.threads.list({ limit: 3, cursor: page1.nextCursor ?? '' });
    const page3 = await owner.caller.threads.list({ limit: 3, cursor: page2.nextCursor ?? '' });
    expect([...page1.items, ...page2.items, ...page3.items].map((t) => t.subject)).toEqual(specs.map((s) => s.subject).reverse());
    expect(page3.nextCursor).toBeNull();
    await expect(owner.caller.threads.list({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const rows = await withTenant(testDb.db, { tenantId: owner.tenantId }, (trx) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM communications.thread_links`.execute(trx),
    );
    expect(rows.rows[0]?.n).toBe(1);
  });

  it("answers another tenant's calls with A's real ids NOT_FOUND or empty, changing nothing", async () => {
    const a = actorFor(testDb.db, env.services);
    const b = actorFor(testDb.db, env.services);
    const account = await makeAccount(a.tenantId, a.userId, 'anna@firm.example');
    const [stored] = await store(a.tenantId, account, [
      { id: 'x1@acme.example', from: 'jane@acme.example', to: ['anna@firm.example'], subject: 'Ours', date: new Date() },
    ]);
    const threadId = stored?.threadId ?? '';
    const [clientId] = (await seedReferences(testDb.db, a.tenantId, [{ kind: 'crm.client' }])) as [string];
    await a.caller.threads.link({ threadId, clientId });
    const before = await a.caller.threads.get({ id: threadId });
    await expect(b.caller.threads.get({ id: threadId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(b.caller.threads.link({ threadId, clientId: uuidv7() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(b.caller.threads.unlink({ threadId, clientId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(b.caller.messages.reply({ messageId: stored?.messageId ?? '', text: 'Hijack' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(b.caller.messages.forward({ messageId: stored?.messageId ?? '', to: ['x@example.com'] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(b.caller.messages.send({ accountId: account.id, to: ['x@example.com'], text: 'Hijack' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(b.caller.accounts.disconnect({ id: account.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await b.caller.threads.list({ clientId })).items).toEqual([]);
    expect((await b.caller.accounts.list()).items).toEqual([]);
    expect(await a.caller.threads.get({ id: threadId })).toEqual(before);
    expect(
      await inTenant(testDb.db, b.tenantId, (_ctx, trx) => countOutbox(trx, { types: ['communications.thread.linked', 'communications.email.queued'] })),
    ).toBe(0);
  });
});
