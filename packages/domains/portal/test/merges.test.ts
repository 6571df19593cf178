import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as crm from '@ubos/crm/contracts';
import { sql, uuidv7 } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { resolvePortalSession } from '../src/sessions.ts';
import { client, deliver, folder, inTenant, organization, portalCaller, project, signIn, staff, type ClientFixture } from './helpers.ts';

/** crm merges applied to the portal: portal users and the copies follow the survivor. */

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function secondContact(tenantId: string, clientId: string, name: string): Promise<ClientFixture> {
  const contactId = uuidv7();
  const email = `${contactId}@client.test`;
  await deliver(
    db,
    tenantId,
    crm.contactCreated,
    {
      contact_id: contactId,
      client_id: clientId,
      client_ids: [clientId],
      relationships: [{ client_id: clientId, role: null }],
      name,
      email,
      email_normalized: email,
      phone: null,
      title: null,
      owner_id: null,
      tags: [],
      custom_fields: {},
    },
    contactId,
  );
  return { clientId, contactId, email };
}

const clientOf = (tenantId: string, table: string, id: string) =>
  inTenant(
    db,
    tenantId,
    async (trx) => (await sql<{ client_id: string }>`SELECT client_id FROM ${sql.table(`portal.${table}`)} WHERE id = ${id}`.execute(trx)).rows[0]?.client_id,
  );

describe('crm merges in the portal', () => {
  it("a client merge moves the merged client's portal users, projects, folders and shares to the survivor, also for later events", async () => {
    const org = await organization(db, 'Merge Studio');
    const acme = await client(db, org.tenantId, 'Acme');
    const dupe = await client(db, org.tenantId, 'Acme Inc (duplicate)');
    await project(db, org.tenantId, acme.clientId, 'Acme website');
    const dupeProject = await project(db, org.tenantId, dupe.clientId, 'Acme brochure');
    const dupeFolder = await folder(db, org.tenantId, dupe.clientId, 'Brochure drafts');
    await staff(db, org.tenantId).caller.shares.set({ clientId: dupe.clientId, folderIds: [dupeFolder], taskIds: [] });
    const session = await signIn(db, org.tenantId, dupe);
    expect((await portalCaller(db, session).caller.me.projects()).projects.map((p) => p.name)).toEqual(['Acme brochure']);

    const merge = { survivor_id: acme.clientId, merged_id: dupe.clientId, client_id: acme.clientId };
    await deliver(db, org.tenantId, crm.clientMerged, merge, acme.clientId);
    await deliver(db, org.tenantId, crm.clientMerged, merge, acme.clientId); // a redelivery changes nothing

    // The same cookie now resolves to the survivor, which sees both clients' projects and the share.
    const after = await resolvePortalSession(db.db, session.cookie);
    expect(after?.clientId).toBe(acme.clientId);
    const { caller } = portalCaller(db, after ?? session);
    expect((await caller.me.projects()).projects.map((p) => p.name).sort()).toEqual(['Acme brochure', 'Acme website']);
    expect((await caller.me.home()).me.clientName).toBe('Acme');
    expect((await staff(db, org.tenantId).caller.shares.get({ clientId: acme.clientId })).folderIds).toEqual([dupeFolder]);
    expect(await clientOf(org.tenantId, 'projects', dupeProject.projectId)).toBe(acme.clientId);

    // files does not re-point its folders: a later event still naming the merged client lands on the survivor.
    const late = await folder(db, org.tenantId, dupe.clientId, 'Late folder');
    expect(await clientOf(org.tenantId, 'folders', late)).toBe(acme.clientId);

    // A chain: the survivor merged on into a third client takes the first merge's records with it.
    const group = await client(db, org.tenantId, 'Acme Group');
    await deliver(db, org.tenantId, crm.clientMerged, { survivor_id: group.clientId, merged_id: acme.clientId, client_id: group.clientId }, group.clientId);
    const again = await folder(db, org.tenantId, dupe.clientId, 'Even later');
    expect(await clientOf(org.tenantId, 'folders', again)).toBe(group.clientId);
    expect((await resolvePortalSession(db.db, session.cookie))?.clientId).toBe(group.clientId);
  });

  it("a contact merge moves the merged contact's portal user to the survivor, or revokes it when the survivor has one", async () => {
    const org = await organization(db, 'Contact Merge Studio');
    const acme = await client(db, org.tenantId, 'Acme');
    const jane = await secondContact(org.tenantId, acme.clientId, 'Jane Doe');
    const session = await signIn(db, org.tenantId, acme);

    // Survivor without a portal user: the merged contact's user moves over and keeps signing in.
    await deliver(
      db,
      org.tenantId,
      crm.contactMerged,
      { survivor_id: jane.contactId, merged_id: acme.contactId, contact_id: jane.contactId, client_id: acme.clientId, client_ids: [acme.clientId] },
      jane.contactId,
    );
    const { items: users } = await staff(db, org.tenantId).caller.users.list({ clientId: acme.clientId });
    expect(users.map((user) => [user.contactId, user.email, user.status])).toEqual([[jane.contactId, acme.email, 'active']]);
    expect(await resolvePortalSession(db.db, session.cookie)).not.toBeNull();

    // Both have portal users: the merged contact's is revoked and its session ends.
    const sam = await secondContact(org.tenantId, acme.clientId, 'Sam Roe');
    const samSession = await signIn(db, org.tenantId, sam);
    await deliver(
      db,
      org.tenantId,
      crm.contactMerged,
      { survivor_id: jane.contactId, merged_id: sam.contactId, contact_id: jane.contactId, client_id: acme.clientId, client_ids: [acme.clientId] },
      jane.contactId,
    );
    expect(await resolvePortalSession(db.db, samSession.cookie)).toBeNull();
    const byContact = new Map(
      (await staff(db, org.tenantId).caller.users.list({ clientId: acme.clientId })).items.map((user) => [user.contactId, user.status]),
    );
    expect(byContact.get(sam.contactId)).toBe('revoked');
    expect(byContact.get(jane.contactId)).toBe('active');
    expect(await resolvePortalSession(db.db, session.cookie)).not.toBeNull();
  });
});
