import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { fieldsOf, parse, renderSections } from '../src/merge.ts';
import { priceLines } from '../src/pricing.ts';
import { actor, events, inTenant, openWorld, runAction, seedClient, type World } from './helpers.ts';

let testDb: TestDatabase;
let world: World & { close(): Promise<void> };
beforeAll(async () => {
  testDb = await createTestDatabase();
  world = await openWorld(testDb);
});
afterAll(async () => {
  await world?.close();
  await testDb?.drop();
});

const sections = [
  { title: 'Scope for {{client.name}}', body: 'Dear {{contact.first_name}},\n\nWe propose the work below, dated {{today}}.\n\n{{pricing_table}}' },
  { title: 'Terms', body: 'Total {{proposal.total}}. Payment: {{payment_schedule}}' },
];
const lines = [
  { description: 'Discovery workshop', quantity: 2, unitPriceMinor: 150_000, taxRateBp: 2000 },
  { description: 'Build', quantity: 10, unitPriceMinor: 99_99, discountMinor: 99_9, taxRateBp: 2000 },
  { description: 'Optional support', quantity: 1, unitPriceMinor: 50_000, optional: true, selected: false },
];

async function proposalWorld() {
  const a = actor(world);
  const refs = await seedClient(world, a.tenantId);
  const template = await a.caller.templates.create({ kind: 'proposal', name: 'Website proposal', sections });
  return { a, refs, template };
}

describe('merge fields', () => {
  it('parses literal text and {{ fields }} only, and refuses anything else', () => {
    expect(parse('Hi {{ client.name }}!')).toEqual([{ text: 'Hi ' }, { field: 'client.name' }, { text: '!' }]);
    expect(fieldsOf(sections)).toEqual(['client.name', 'contact.first_name', 'today', 'pricing_table', 'proposal.total', 'payment_schedule']);
    for (const bad of ['{{ constructor.constructor("x")() }}', '{{#each x}}', '{{ a }', '{{}}', '{{ Client.Name }}'])
      expect(() => parse(bad)).toThrow(/not a merge field/);
    expect(renderSections([{ title: 't', body: '{{a}} and {{a}}' }], { a: '{{b}}' }, 'x')).toEqual([{ title: 't', body: '{{b}} and {{b}}' }]);
  });

  it('prices in integer minor units: tax half up per line, unselected optional lines left out', () => {
    const priced = priceLines(lines.map((l) => ({ discountMinor: 0, taxRateBp: 0, optional: false, selected: true, ...l })));
    expect(priced.lines.map((l) => l.totalMinor)).toEqual([300_000, 98_991, 50_000]);
    // Tax: 300000 × 20% = 60000; 98991 × 20% = 19798.2 → 19798.
    expect(priced.totals).toEqual({ subtotalMinor: 399_990, discountMinor: 999, taxMinor: 79_798, totalMinor: 478_789 });
  });
});

describe('templates', () => {
  it('creates, lists, updates and archives, refusing a malformed field when saved', async () => {
    const { a, template } = await proposalWorld();
    expect(template.fields).toContain('client.name');
    await expect(a.caller.templates.create({ kind: 'contract', name: 'Bad', sections: [{ title: 'x', body: 'Hello {{ client.name ' }] })).rejects.toMatchObject(
      {
        code: 'BAD_REQUEST',
        message: expect.stringContaining('is not a merge field'),
      },
    );
    const updated = await a.caller.templates.update({ id: template.id, name: 'Website proposal v2' });
    expect(updated.name).toBe('Website proposal v2');
    expect((await a.caller.templates.list({ kind: 'proposal' })).map((t) => t.id)).toEqual([template.id]);
    await a.caller.templates.archive({ id: template.id });
    expect(await a.caller.templates.list({ kind: 'proposal' })).toEqual([]);
    await expect(a.caller.templates.update({ id: template.id, name: 'again' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(
      (await events(world, a.tenantId, ['agreements.template.created', 'agreements.template.updated', 'agreements.template.archived'])).map(
        (e) => e.event.type,
      ),
    ).toEqual(['agreements.template.created', 'agreements.template.updated', 'agreements.template.archived']);
  });
});

describe('proposals', () => {
  it('checks the client, contact and engagement ids it is given', async () => {
    const { a, refs } = await proposalWorld();
    await expect(a.caller.proposals.create({ clientId: refs.contactId, title: 'x', currency: 'EUR' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('client'),
    });
    const other = actor(world);
    const theirs = await seedClient(world, other.tenantId);
    await expect(a.caller.proposals.create({ clientId: theirs.clientId, title: 'x', currency: 'EUR' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await a.caller.proposals.list()).toEqual([]);
  });

  it('refuses to send while a field has no value, naming it; escapes a client name with HTML for the client', async () => {
    const { a, refs, template } = await proposalWorld();
    const created = await a.caller.proposals.create({
      clientId: refs.clientId,
      contactId: refs.contactId,
      templateId: template.id,
      title: 'Website',
      currency: 'EUR',
      lines,
      mergeValues: { 'client.name': '<b>Acme</b> & Co' },
    });
    expect(created.missingFields).toEqual(['contact.first_name']);
    expect(created.totalMinor).toBe(478_789);
    await expect(a.caller.proposals.send({ id: created.id })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('{{contact.first_name}}'),
    });
    expect((await a.caller.proposals.get({ id: created.id })).status).toBe('draft');
    expect(await events(world, a.tenantId, ['agreements.proposal.sent'])).toEqual([]);

    await a.caller.proposals.update({ id: created.id, mergeValues: { 'client.name': '<b>Acme</b> & Co', 'contact.first_name': 'Ada' } });
    const sent = await a.caller.proposals.send({ id: created.id });
    expect(sent).toMatchObject({ status: 'sent', sentVersion: 1, currentVersion: 1, version: { contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) } });

    const read = (await runAction(world, a.tenantId, 'agreements.getClientProposal', 'r', { clientId: refs.clientId, proposalId: created.id })) as {
      html: string;
      sections: { title: string }[];
      status: string;
    };
    expect(read.sections[0]?.title).toBe('Scope for <b>Acme</b> & Co');
    expect(read.html).toContain('Scope for &lt;b&gt;Acme&lt;/b&gt; &amp; Co');
    expect(read.html).not.toContain('<b>');
    expect(read.status).toBe('viewed');
    expect(await events(world, a.tenantId, ['agreements.proposal.viewed'])).toHaveLength(1);
    // Another client of the tenant does not see it.
    const stranger = await seedClient(world, a.tenantId);
    await expect(
      runAction(world, a.tenantId, 'agreements.getClientProposal', 'r2', { clientId: stranger.clientId, proposalId: created.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps a sent version immutable: an edit makes v2, and accepting v1 after v2 exists is refused', async () => {
    const { a, refs, template } = await proposalWorld();
    const values = { 'client.name': 'Acme', 'contact.first_name': 'Ada' };
    const created = await a.caller.proposals.create({
      clientId: refs.clientId,
      templateId: template.id,
      title: 'Website',
      currency: 'EUR',
      lines,
      mergeValues: values,
    });
    const v1 = await a.caller.proposals.send({ id: created.id });
    const v1Hash = v1.version.contentHash ?? '';

    // The database refuses any change of the sent version or its lines, whoever asks.
    await expect(
      inTenant(world, a.tenantId, (trx) => sql`UPDATE agreements.proposal_versions SET title = 'changed' WHERE proposal_id = ${created.id}`.execute(trx)),
    ).rejects.toThrow(/immutable/);
    await expect(inTenant(world, a.tenantId, (trx) => sql`UPDATE agreements.proposal_lines SET unit_price_minor = 1`.execute(trx))).rejects.toThrow(
      /immutable/,
    );

    const edited = await a.caller.proposals.update({ id: created.id, lines: [{ description: 'Build', quantity: 12, unitPriceMinor: 10_000 }] });
    expect(edited).toMatchObject({ status: 'draft', currentVersion: 2, sentVersion: 1, totalMinor: 120_000 });
    expect(edited.versions.map((v) => [v.n, v.contentHash])).toEqual([
      [1, v1Hash],
      [2, null],
    ]);
    expect((await a.caller.proposals.get({ id: created.id, version: 1 })).version.totals.totalMinor).toBe(478_789);

    const accept = (key: string, hash: string) =>
      runAction(world, a.tenantId, 'agreements.acceptProposal', key, {
        clientId: refs.clientId,
        proposalId: created.id,
        contentHash: hash,
        acceptedBy: 'Ada Client',
      });
    await expect(accept('a1', v1Hash)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('being revised') });
    const v2 = await a.caller.proposals.send({ id: created.id });
    const v2Hash = v2.version.contentHash ?? '';
    expect(v2Hash).not.toBe(v1Hash);
    await expect(accept('a2', v1Hash)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('not the current version') });
    expect((await a.caller.proposals.get({ id: created.id })).status).toBe('sent');

    expect(await accept('a3', v2Hash)).toMatchObject({ status: 'accepted', version: 2, contentHash: v2Hash });
    const accepted = await a.caller.proposals.get({ id: created.id });
    expect(accepted).toMatchObject({ status: 'accepted', acceptedHash: v2Hash, acceptedBy: 'Ada Client' });
    await expect(a.caller.proposals.update({ id: created.id, title: 'later' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    const [event] = await events(world, a.tenantId, ['agreements.proposal.accepted']);
    expect(event?.event.payload).toMatchObject({
      proposal_id: created.id,
      version: 2,
      content_hash: v2Hash,
      total_minor: 120_000,
      currency: 'EUR',
      lines: [{ quantity: 12, unit_price_minor: 10_000 }],
    });
  });

  it('lets exactly one of concurrent accept and decline decisions win', async () => {
    const { a, refs } = await proposalWorld();
    const created = await a.caller.proposals.create({
      clientId: refs.clientId,
      title: 'Race',
      currency: 'USD',
      lines: [{ description: 'x', quantity: 1, unitPriceMinor: 100 }],
      sections: [{ title: 'Hi', body: 'Text' }],
    });
    const sent = await a.caller.proposals.send({ id: created.id });
    const hash = sent.version.contentHash ?? '';
    const results = await Promise.allSettled([
      runAction(world, a.tenantId, 'agreements.acceptProposal', 'k1', { clientId: refs.clientId, proposalId: created.id, contentHash: hash, acceptedBy: 'A' }),
      runAction(world, a.tenantId, 'agreements.acceptProposal', 'k2', { clientId: refs.clientId, proposalId: created.id, contentHash: hash, acceptedBy: 'B' }),
      runAction(world, a.tenantId, 'agreements.declineProposal', 'k3', { clientId: refs.clientId, proposalId: created.id, declinedBy: 'C' }),
      runAction(world, a.tenantId, 'agreements.acceptProposal', 'k4', { clientId: refs.clientId, proposalId: created.id, contentHash: hash, acceptedBy: 'D' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT']);
    expect(await events(world, a.tenantId, ['agreements.proposal.accepted', 'agreements.proposal.declined'])).toHaveLength(1);
  });

  it('withdraws and duplicates; viewers read but cannot write', async () => {
    const { a, refs } = await proposalWorld();
    const created = await a.caller.proposals.create({
      clientId: refs.clientId,
      title: 'Dup',
      currency: 'GBP',
      lines: [{ description: 'x', quantity: 3, unitPriceMinor: 250 }],
      sections: [{ title: 'Hi', body: 'Text' }],
    });
    const copy = await a.caller.proposals.duplicate({ id: created.id });
    expect(copy).toMatchObject({ title: 'Dup (copy)', totalMinor: 750, status: 'draft', currentVersion: 1 });
    expect((await a.caller.proposals.withdraw({ id: created.id })).status).toBe('withdrawn');
    await expect(a.caller.proposals.send({ id: created.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect((await a.caller.proposals.list()).map((p) => p.id).sort()).toEqual([created.id, copy.id].sort());
    const viewer = actor(world, 'viewer', a.tenantId);
    expect((await viewer.caller.proposals.get({ id: copy.id })).id).toBe(copy.id);
    await expect(viewer.caller.proposals.update({ id: copy.id, title: 'no' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('creates a proposal from a template through the workflow action, once per key', async () => {
    const { a, refs, template } = await proposalWorld();
    const input = { templateId: template.id, clientId: refs.clientId, currency: 'EUR', mergeValues: { 'client.name': 'Acme' } };
    const first = (await runAction(world, a.tenantId, 'agreements.createProposalFromTemplate', 'run:step', input)) as {
      proposalId: string;
      missingFields: string[];
    };
    expect(first.missingFields).toEqual(['contact.first_name']);
    expect(await runAction(world, a.tenantId, 'agreements.createProposalFromTemplate', 'run:step', input)).toEqual(first);
    expect(await a.caller.proposals.list()).toHaveLength(1);
    expect((await a.caller.proposals.get({ id: first.proposalId })).title).toBe('Website proposal');
  });
});
