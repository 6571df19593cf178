import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDomainContext, uuidv7, withTenant, type ActionContext, type ActionDefinition } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { inviteUserAction, notifyClientAction } from '../src/actions.ts';
import { client, mailsTo, organization, outbox, silent, staff } from './helpers.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

function run(action: ActionDefinition, tenantId: string, key: string, input: unknown) {
  return withTenant(db.db, { tenantId }, (trx) => {
    const context: ActionContext = { ...createDomainContext({ trx, tenantId, actorId: null, correlationId: uuidv7(), log: silent }), idempotencyKey: key };
    return action.run(input, context);
  });
}

describe('portal actions', () => {
  it('portal.inviteUser is idempotent per contact: another step inviting the same contact gets the same portal user', async () => {
    const org = await organization(db, 'Action Invites');
    const acme = await client(db, org.tenantId, 'Acme');
    const first = (await run(inviteUserAction, org.tenantId, 'run-1:invite', { contactId: acme.contactId })) as { portalUserId: string; created: boolean };
    const repeat = await run(inviteUserAction, org.tenantId, 'run-1:invite', { contactId: acme.contactId });
    const other = (await run(inviteUserAction, org.tenantId, 'run-2:invite', { contactId: acme.contactId, sendLink: false })) as {
      portalUserId: string;
      created: boolean;
    };
    expect(first.created).toBe(true);
    expect(repeat).toEqual(first);
    expect(other).toMatchObject({ portalUserId: first.portalUserId, created: false });
    // The repeated step sent nothing more: one link from run 1, none from run 2 (sendLink false).
    expect(await mailsTo(db, org.tenantId, acme.email)).toHaveLength(1);
    expect(await outbox(db, org.tenantId, ['portal.user.invited'])).toHaveLength(1);
  });

  it('portal.notifyClient emails each live portal user of the client a link to the page, once per step', async () => {
    const org = await organization(db, 'Action Notices');
    const acme = await client(db, org.tenantId, 'Acme');
    const nobody = await client(db, org.tenantId, 'Nobody Invited');
    await staff(db, org.tenantId).caller.users.invite({ contactId: acme.contactId, sendLink: false });
    const input = { clientId: acme.clientId, subject: 'New files for you', page: 'files' };
    expect(await run(notifyClientAction, org.tenantId, 'run-9:notify', input)).toEqual({ recipients: 1 });
    expect(await run(notifyClientAction, org.tenantId, 'run-9:notify', input)).toEqual({ recipients: 1 });
    const mails = await mailsTo(db, org.tenantId, acme.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toContain(`/portal/${org.slug}/files`);
    expect(mails[0]?.subject).toBe('New files for you');
    expect(await run(notifyClientAction, org.tenantId, 'run-9:nobody', { clientId: nobody.clientId, subject: 'Hello', page: '' })).toEqual({ recipients: 0 });
    const [notified] = await outbox(db, org.tenantId, ['portal.client.notified']);
    expect(notified?.event.payload).toMatchObject({ client_id: acme.clientId, recipients: 1, path: `/portal/${org.slug}/files` });
  });
});
