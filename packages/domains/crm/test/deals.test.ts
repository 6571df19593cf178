import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { sql, uuidv7, withTenant } from '@ubos/platform';
import { actor, outbox } from './helpers.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

describe('deals and pipeline', () => {
  it('creates the default pipeline lazily, once', async () => {
    const a = actor(testDb.db);
    const [one, two] = await Promise.all([a.caller.pipelines.getDefault(), a.caller.pipelines.getDefault()]);
    expect(one.id).toBe(two.id);
    expect(one.stages.map((stage) => `${stage.name}:${stage.kind}`)).toEqual([
      'Lead:open',
      'Qualified:open',
      'Proposal:open',
      'Negotiation:open',
      'Won:won',
      'Lost:lost',
    ]);
    expect(await outbox(testDb.db, a.tenantId, 'crm.pipeline.created')).toHaveLength(1);
  });

  it('orders a kanban column by position and moves deals through won and lost', async () => {
    const a = actor(testDb.db);
    const client = await a.caller.clients.create({ name: 'Buyer' });
    const pipeline = await a.caller.pipelines.getDefault();
    const [lead, qualified, , , won, lost] = pipeline.stages;
    if (!lead || !qualified || !won || !lost) throw new Error('stages missing');
    const d1 = await a.caller.deals.create({ clientId: client.id, title: 'One', valueMinor: 120_000, currency: 'EUR', expectedClose: '2027-03-31' });
    const d2 = await a.caller.deals.create({ clientId: client.id, title: 'Two', valueMinor: 5_000, currency: 'USD' });
    const d3 = await a.caller.deals.create({ clientId: client.id, title: 'Three', currency: 'EUR' });
    expect(d1).toMatchObject({ stageId: lead.id, status: 'open', valueMinor: 120_000, currency: 'EUR', expectedClose: '2027-03-31' });
    const column = async (stageId: string) => (await a.caller.deals.board()).columns.find((c) => c.stageId === stageId)?.deals.map((d) => d.title);
    expect(await column(lead.id)).toEqual(['One', 'Two', 'Three']);
    await a.caller.deals.moveStage({ id: d3.id, stageId: lead.id, position: 0 });
    expect(await column(lead.id)).toEqual(['Three', 'One', 'Two']);
    await a.caller.deals.moveStage({ id: d2.id, stageId: qualified.id });
    await a.caller.deals.moveStage({ id: d3.id, stageId: qualified.id, position: 0 });
    await a.caller.deals.moveStage({ id: d1.id, stageId: qualified.id, position: 1 });
    expect(await column(qualified.id)).toEqual(['Three', 'One', 'Two']);
    // Many inserts at the same spot force a renumbering; the order stays right.
    for (let i = 0; i < 60; i += 1) await a.caller.deals.moveStage({ id: i % 2 ? d1.id : d2.id, stageId: qualified.id, position: 1 });
    expect((await column(qualified.id))?.[0]).toBe('Three');

    await expect(a.caller.deals.moveStage({ id: d2.id, stageId: lost.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const lostDeal = await a.caller.deals.markLost({ id: d2.id, reason: 'Budget cut' });
    expect(lostDeal).toMatchObject({ status: 'lost', closeReason: 'Budget cut', stageId: lost.id });
    const wonDeal = await a.caller.deals.markWon({ id: d1.id, reason: 'Best offer' });
    expect(wonDeal).toMatchObject({ status: 'won', stageId: won.id });
    expect(wonDeal.closedAt).toBeInstanceOf(Date);
    await expect(a.caller.deals.markWon({ id: d1.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    const reopened = await a.caller.deals.moveStage({ id: d2.id, stageId: qualified.id });
    expect(reopened).toMatchObject({ status: 'open', closeReason: null, closedAt: null });

    // Winning a deal opens its engagement, the hub for projects and invoices.
    const engagements = await a.caller.engagements.list({ clientId: client.id });
    expect(engagements).toMatchObject([{ dealId: d1.id, name: 'One', projectIds: [], invoiceIds: [] }]);

    const types = (await outbox(testDb.db, a.tenantId)).map((e) => e.type);
    expect(types.filter((t) => t === 'crm.deal.won')).toHaveLength(1);
    expect(types.filter((t) => t === 'crm.deal.lost')).toHaveLength(1);
    expect(types).toContain('crm.deal.stage_changed');
    expect(types).toContain('crm.engagement.created');
    const wonEvent = (await outbox(testDb.db, a.tenantId, 'crm.deal.won'))[0];
    expect(wonEvent?.payload).toMatchObject({
      client_id: client.id,
      deal_id: d1.id,
      value_minor: 120_000,
      currency: 'EUR',
      reason: 'Best offer',
      stage_name: 'Won',
    });
    expect((await a.caller.deals.list({ clientId: client.id, status: 'open' })).items.map((d) => d.id).sort()).toEqual([d2.id, d3.id].sort());
  });

  it('keeps the project template as a first-class choice, checked against the tenant templates', async () => {
    const a = actor(testDb.db);
    const other = actor(testDb.db);
    const template = async (tenantId: string, name: string) => {
      const id = uuidv7();
      await withTenant(testDb.db, { tenantId }, (trx) =>
        sql`INSERT INTO projects.templates (id, tenant_id, name, skeleton) VALUES (${id}, ${tenantId}, ${name}, '{}'::jsonb)`.execute(trx),
      );
      return id;
    };
    const mine = await template(a.tenantId, 'Website');
    const theirs = await template(other.tenantId, 'Theirs');
    const client = await a.caller.clients.create({ name: 'Templated' });
    const deal = await a.caller.deals.create({ clientId: client.id, title: 'Relaunch', currency: 'EUR', projectTemplateId: mine });
    expect(deal.projectTemplateId).toBe(mine);
    expect((await a.caller.deals.get({ id: deal.id })).projectTemplateId).toBe(mine);
    // Another tenant's template (or an unknown id) is refused with the field named, and nothing changes.
    await expect(a.caller.deals.update({ id: deal.id, projectTemplateId: theirs })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'The project template given is not a project template of this organization',
    });
    await expect(a.caller.deals.create({ clientId: client.id, title: 'x', currency: 'EUR', projectTemplateId: theirs })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect((await a.caller.deals.get({ id: deal.id })).projectTemplateId).toBe(mine);
    // Editing in place: the same validation as create.
    await expect(a.caller.deals.update({ id: deal.id, title: '  ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(a.caller.deals.update({ id: deal.id, valueMinor: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const edited = await a.caller.deals.update({ id: deal.id, title: 'Relaunch 2', valueMinor: 990_00, expectedClose: '2027-01-15' });
    expect(edited).toMatchObject({ title: 'Relaunch 2', valueMinor: 990_00, expectedClose: '2027-01-15', projectTemplateId: mine });
    await a.caller.deals.markWon({ id: deal.id });
    const won = (await outbox(testDb.db, a.tenantId, 'crm.deal.won'))[0];
    expect(won?.payload).toMatchObject({ deal_id: deal.id, project_template_id: mine });
    const cleared = await a.caller.deals.update({ id: deal.id, projectTemplateId: null });
    expect(cleared.projectTemplateId).toBeNull();
    const updates = await outbox(testDb.db, a.tenantId, 'crm.deal.updated');
    expect(updates.at(-1)?.payload).toMatchObject({ project_template_id: null });
  });

  it('rejects bad money and unknown clients', async () => {
    const a = actor(testDb.db);
    const client = await a.caller.clients.create({ name: 'Payer' });
    await expect(a.caller.deals.create({ clientId: client.id, title: 'x', valueMinor: 10.5, currency: 'EUR' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(a.caller.deals.create({ clientId: client.id, title: 'x', currency: 'euro' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await a.caller.clients.archive({ id: client.id });
    await expect(a.caller.deals.create({ clientId: client.id, title: 'x', currency: 'EUR' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lets a manager rename, reorder, add and remove stages', async () => {
    const a = actor(testDb.db);
    const client = await a.caller.clients.create({ name: 'Stagey' });
    const pipeline = await a.caller.pipelines.getDefault();
    const [lead, qualified, proposal, negotiation, won, lost] = pipeline.stages;
    if (!lead || !qualified || !proposal || !negotiation || !won || !lost) throw new Error('stages missing');
    const deal = await a.caller.deals.create({ clientId: client.id, title: 'In proposal', currency: 'EUR', stageId: proposal.id });
    const member = actor(testDb.db, 'member', a.tenantId);
    await expect(a.caller.pipelines.updateStages({ stages: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      member.caller.pipelines.updateStages({
        stages: [
          { name: 'A', kind: 'open' },
          { name: 'W', kind: 'won' },
          { name: 'L', kind: 'lost' },
        ],
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Removing the stage that holds a deal is refused, as is a second won stage.
    await expect(
      a.caller.pipelines.updateStages({
        stages: [
          { id: lead.id, name: 'Lead', kind: 'open' },
          { id: won.id, name: 'Won', kind: 'won' },
          { id: lost.id, name: 'Lost', kind: 'lost' },
        ],
      }),
    ).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(
      a.caller.pipelines.updateStages({
        stages: [
          { id: proposal.id, name: 'P', kind: 'open' },
          { id: won.id, name: 'Won', kind: 'won' },
          { name: 'Won 2', kind: 'won' },
          { id: lost.id, name: 'Lost', kind: 'lost' },
        ],
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const updated = await a.caller.pipelines.updateStages({
      stages: [
        { name: 'Discovery', kind: 'open' },
        { id: proposal.id, name: 'Offer sent', kind: 'open' },
        { id: lead.id, name: 'Lead', kind: 'open' },
        { id: won.id, name: 'Signed', kind: 'won' },
        { id: lost.id, name: 'Lost', kind: 'lost' },
      ],
    });
    expect(updated.stages.map((stage) => `${stage.position}:${stage.name}:${stage.kind}`)).toEqual([
      '0:Discovery:open',
      '1:Offer sent:open',
      '2:Lead:open',
      '3:Signed:won',
      '4:Lost:lost',
    ]);
    expect((await a.caller.deals.board()).columns.map((column) => column.deals.length)).toEqual([0, 1, 0, 0, 0]);
    await expect(a.caller.deals.moveStage({ id: deal.id, stageId: qualified.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await a.caller.deals.markWon({ id: deal.id })).toMatchObject({ status: 'won', stageId: won.id });
    expect((await outbox(testDb.db, a.tenantId, 'crm.pipeline.updated'))[0]?.payload).toMatchObject({ pipeline_id: pipeline.id });
  });
});
