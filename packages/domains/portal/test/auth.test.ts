import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { safePortalRedirect } from '../src/contracts.ts';
import { hashPortalToken, PORTAL_COOKIE_NAME, resolvePortalSession } from '../src/sessions.ts';
import { anonymous, client, inTenant, lastLink, mailsTo, organization, outbox, portalCaller, signIn, staff } from './helpers.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return String((error as { code?: unknown }).code ?? error);
  }
}

async function count(tenantId: string, table: string): Promise<number> {
  return inTenant(db, tenantId, async (trx) => {
    const row = await trx
      .selectFrom(table as never)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number((row as { n: number }).n);
  });
}

describe('portal users', () => {
  it('staff invite a contact once: a second invite returns the same portal user; the link is mailed, only its hash stored', async () => {
    const org = await organization(db, 'Northwind Studio');
    expect(org.slug).toBe('northwind-studio');
    const acme = await client(db, org.tenantId, 'Acme');
    const { caller, userId } = staff(db, org.tenantId, 'member');
    const first = await caller.users.invite({ contactId: acme.contactId });
    const second = await caller.users.invite({ contactId: acme.contactId });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.user.id).toBe(first.user.id);
    expect(first.user).toMatchObject({ clientId: acme.clientId, contactId: acme.contactId, email: acme.email, status: 'active', invitedBy: userId });
    const mails = await mailsTo(db, org.tenantId, acme.email);
    expect(mails).toHaveLength(2);
    expect(mails[0]).toMatchObject({ template: 'magic_link', subject: 'Sign in to the Northwind Studio client portal', to: { email: acme.email } });
    const { token, url } = await lastLink(db, org.tenantId, acme.email);
    expect(url).toMatch(/^\/portal\/northwind-studio\/sign-in\?token=[A-Za-z0-9_-]{43}$/);
    // Only the SHA-256 of the token is in the database, never the token.
    const stored = await inTenant(db, org.tenantId, (trx) =>
      trx
        .selectFrom('portal.magic_links' as never)
        .selectAll()
        .execute(),
    );
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(JSON.stringify(stored)).toContain(hashPortalToken(token));
    const events = await outbox(db, org.tenantId, ['portal.user.invited']);
    expect(events).toHaveLength(1);
    expect(events[0]?.event.payload).toMatchObject({ portal_user_id: first.user.id, client_id: acme.clientId, reinvited: false });
    expect((await caller.users.list({ clientId: acme.clientId })).items.map((user) => user.id)).toEqual([first.user.id]);
  });

  it('refuses a contact without an email or of another client, in words', async () => {
    const org = await organization(db, 'Refusals Ltd');
    const acme = await client(db, org.tenantId, 'Acme');
    const other = await client(db, org.tenantId, 'Other');
    const { caller } = staff(db, org.tenantId);
    await expect(caller.users.invite({ contactId: acme.contactId, clientId: other.clientId })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Acme Contact is not a contact of that client.',
    });
    await expect(caller.users.invite({ contactId: uuidv7() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await count(org.tenantId, 'portal.users')).toBe(0);
  });
});

describe('magic links', () => {
  it('consume signs in once: the cookie names a portal principal of that client; portal.accessed has the portal user as actor', async () => {
    const org = await organization(db, 'Consume Co');
    const acme = await client(db, org.tenantId, 'Acme');
    await staff(db, org.tenantId).caller.users.invite({ contactId: acme.contactId });
    const { token, slug } = await lastLink(db, org.tenantId, acme.email);
    const visitor = anonymous(db);
    const result = await visitor.caller.auth.consume({ tenantSlug: slug, token, next: `/portal/${slug}/approvals` });
    expect(result.redirectTo).toBe(`/portal/${slug}/approvals`);
    const cookie = visitor.cookies.values.get(PORTAL_COOKIE_NAME);
    expect(cookie?.options).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/' });
    const session = await resolvePortalSession(db.db, cookie?.value ?? '');
    expect(session).toMatchObject({ tenantId: org.tenantId, clientId: acme.clientId, contactId: acme.contactId, email: acme.email });
    // 12 hours absolute.
    expect(Math.abs((session?.expiresAt.getTime() ?? 0) - Date.now() - 12 * 3_600_000)).toBeLessThan(60_000);
    const [accessed] = await outbox(db, org.tenantId, ['portal.accessed']);
    expect(accessed?.event.actor_id).toBe(session?.portalUserId);
    // Used: refused the second time, in words.
    await expect(anonymous(db).caller.auth.consume({ tenantSlug: slug, token })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('already been used, has expired'),
    });
  });

  it('100 concurrent consume POSTs with one token create exactly 1 session', async () => {
    const org = await organization(db, 'Race Inc');
    const acme = await client(db, org.tenantId, 'Acme');
    await staff(db, org.tenantId).caller.users.invite({ contactId: acme.contactId });
    const { token, slug } = await lastLink(db, org.tenantId, acme.email);
    const results = await Promise.all(Array.from({ length: 100 }, () => codeOf(anonymous(db).caller.auth.consume({ tenantSlug: slug, token }))));
    expect(results.filter((code) => code === 'OK')).toHaveLength(1);
    expect(results.filter((code) => code === 'UNAUTHORIZED')).toHaveLength(99);
    expect(await count(org.tenantId, 'portal.sessions')).toBe(1);
    expect(await outbox(db, org.tenantId, ['portal.accessed'])).toHaveLength(1);
  });

  it('refuses an expired link, another tenant’s slug and a revoked user’s link', async () => {
    const org = await organization(db, 'Refuse Links');
    const other = await organization(db, 'Someone Else');
    const acme = await client(db, org.tenantId, 'Acme');
    const { caller } = staff(db, org.tenantId);
    const invited = await caller.users.invite({ contactId: acme.contactId });

    // Another tenant's portal address: the token is not found there.
    const { token: forOther } = await lastLink(db, org.tenantId, acme.email);
    expect(await codeOf(anonymous(db).caller.auth.consume({ tenantSlug: other.slug, token: forOther }))).toBe('UNAUTHORIZED');
    // …and it still works at its own address afterwards? Expire it first: refused.
    await inTenant(db, org.tenantId, (trx) =>
      trx
        .updateTable('portal.magic_links' as never)
        .set({ expires_at: new Date(Date.now() - 1000) } as never)
        .execute(),
    );
    expect(await codeOf(anonymous(db).caller.auth.consume({ tenantSlug: org.slug, token: forOther }))).toBe('UNAUTHORIZED');

    // A fresh link, then staff revoke the user: the link is dead and so is a live session.
    const session = await signIn(db, org.tenantId, acme);
    await staff(db, org.tenantId).caller.users.invite({ contactId: acme.contactId });
    const { token: pending } = await lastLink(db, org.tenantId, acme.email);
    const portal = portalCaller(db, session);
    expect((await portal.caller.me.profile()).portalUserId).toBe(invited.user.id);
    const revoked = await caller.users.revoke({ portalUserId: invited.user.id });
    expect(revoked.status).toBe('revoked');
    expect(await codeOf(anonymous(db).caller.auth.consume({ tenantSlug: org.slug, token: pending }))).toBe('UNAUTHORIZED');
    expect(await resolvePortalSession(db.db, session.cookie)).toBeNull();
    expect(await resolvePortalSession(db.db, 'x'.repeat(43))).toBeNull();
    const [revokedEvent] = await outbox(db, org.tenantId, ['portal.user.revoked']);
    expect(revokedEvent?.event.payload).toMatchObject({ portal_user_id: invited.user.id, sessions_ended: 1 });
    // Invited again: the same portal user, active.
    const again = await caller.users.invite({ contactId: acme.contactId, sendLink: false });
    expect(again).toMatchObject({ created: false, user: { id: invited.user.id, status: 'active' } });
  });

  it('requestLink answers the same for a known address, an unknown one and an unknown portal; mails only the known', async () => {
    const org = await organization(db, 'Same Answer');
    const acme = await client(db, org.tenantId, 'Acme');
    const stranger = await client(db, org.tenantId, 'Stranger');
    await staff(db, org.tenantId).caller.users.invite({ contactId: acme.contactId, sendLink: false });
    const known = await anonymous(db).caller.auth.requestLink({ tenantSlug: org.slug, email: acme.email.toUpperCase() });
    const unknown = await anonymous(db).caller.auth.requestLink({ tenantSlug: org.slug, email: stranger.email });
    const nowhere = await anonymous(db).caller.auth.requestLink({ tenantSlug: 'no-such-portal', email: acme.email });
    expect(unknown).toEqual(known);
    expect(nowhere).toEqual(known);
    expect(await mailsTo(db, org.tenantId, acme.email)).toHaveLength(1);
    // The first click never creates an account.
    expect(await mailsTo(db, org.tenantId, stranger.email)).toHaveLength(0);
    expect(await count(org.tenantId, 'portal.users')).toBe(1);
    const { token } = await lastLink(db, org.tenantId, acme.email);
    expect(await codeOf(anonymous(db).caller.auth.consume({ tenantSlug: org.slug, token }))).toBe('OK');
  });

  it('requestLink is rate limited per address and per IP', async () => {
    const org = await organization(db, 'Rate Limited');
    const acme = await client(db, org.tenantId, 'Acme');
    await staff(db, org.tenantId).caller.users.invite({ contactId: acme.contactId, sendLink: false });
    const visitor = anonymous(db);
    const perAddress = [];
    for (let i = 0; i < 7; i += 1) perAddress.push(await codeOf(visitor.caller.auth.requestLink({ tenantSlug: org.slug, email: acme.email })));
    expect(perAddress).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'TOO_MANY_REQUESTS', 'TOO_MANY_REQUESTS']);
    expect(await mailsTo(db, org.tenantId, acme.email)).toHaveLength(5);
    const perIp = [];
    for (let i = 0; i < 32; i += 1) perIp.push(await codeOf(visitor.caller.auth.requestLink({ tenantSlug: org.slug, email: `someone-${i}@nowhere.test` })));
    // The 7 above and these share the IP's budget of 30.
    expect(perIp.filter((code) => code === 'OK')).toHaveLength(23);
    expect(perIp.slice(23).every((code) => code === 'TOO_MANY_REQUESTS')).toBe(true);
  });

  it('redirects only to relative paths inside the portal', () => {
    const slug = 'acme';
    expect(safePortalRedirect(slug, '/portal/acme/files?folder=1')).toBe('/portal/acme/files?folder=1');
    for (const bad of [
      '//evil.test',
      'https://evil.test/portal/acme',
      '/\\evil.test',
      '/portal/other',
      '/portal/acme/../../admin',
      'javascript:alert(1)',
      '/portal/acmex',
    ]) {
      expect(safePortalRedirect(slug, bad), bad).toBe('/portal/acme');
    }
  });
});

describe('portal sessions', () => {
  it('end after 30 idle minutes and after 12 hours, whatever the activity', async () => {
    const org = await organization(db, 'Timeouts');
    const acme = await client(db, org.tenantId, 'Acme');
    const session = await signIn(db, org.tenantId, acme);
    const { cookie } = session;
    expect(await resolvePortalSession(db.db, cookie)).not.toBeNull();
    const id = hashPortalToken(cookie);
    await inTenant(db, org.tenantId, (trx) =>
      trx
        .updateTable('portal.sessions' as never)
        .set({ last_seen_at: new Date(Date.now() - 29 * 60_000) } as never)
        .where('id' as never, '=', id as never)
        .execute(),
    );
    // 29 minutes idle: still valid, and the request moves the idle window on.
    expect(await resolvePortalSession(db.db, cookie)).not.toBeNull();
    await inTenant(db, org.tenantId, (trx) =>
      trx
        .updateTable('portal.sessions' as never)
        .set({ last_seen_at: new Date(Date.now() - 31 * 60_000) } as never)
        .where('id' as never, '=', id as never)
        .execute(),
    );
    expect(await resolvePortalSession(db.db, cookie)).toBeNull();
    // Absolute: active a second ago, but signed in 12 hours ago.
    await inTenant(db, org.tenantId, (trx) =>
      trx
        .updateTable('portal.sessions' as never)
        .set({ created_at: new Date(Date.now() - 12 * 3_600_000 - 1000), expires_at: new Date(Date.now() - 1000), last_seen_at: new Date() } as never)
        .where('id' as never, '=', hashPortalToken(cookie) as never)
        .execute(),
    );
    expect(await resolvePortalSession(db.db, cookie)).toBeNull();
    expect(session.clientId).toBe(acme.clientId);
  });

  it('sign out ends this session; sign out everywhere ends all of the user’s sessions', async () => {
    const org = await organization(db, 'Sign Out');
    const acme = await client(db, org.tenantId, 'Acme');
    const a = await signIn(db, org.tenantId, acme);
    const b = await signIn(db, org.tenantId, acme);
    const c = await signIn(db, org.tenantId, acme);
    const here = portalCaller(db, a);
    expect(await here.caller.auth.logout({ everywhere: false })).toEqual({ ended: 1 });
    expect(here.cookies.get(PORTAL_COOKIE_NAME)).toBeUndefined();
    expect(await portalCaller(db, b).caller.auth.logout({ everywhere: true })).toEqual({ ended: 2 });
    const live = await inTenant(db, org.tenantId, (trx) =>
      trx
        .selectFrom('portal.sessions' as never)
        .selectAll()
        .where('ended_at' as never, 'is', null)
        .execute(),
    );
    expect(live).toHaveLength(0);
    expect(c.portalUserId).toBe(a.portalUserId);
  });
});
