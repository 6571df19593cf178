import { createCallerFactory } from '@ubos/platform';
import { defineCrossTenantCases } from '@ubos/platform/testing';
import { agreementsRouter } from '../src/router.ts';

const createCaller = createCallerFactory(agreementsRouter);

/**
 * Run by apps/api/test/cross-tenant.test.ts for every procedure of agreementsRouter: tenant B calls
 * each with tenant A's ids (a template, a sent proposal with two versions, a sent contract with
 * its packet). Lists are empty for B, settings and new templates are B's own, and naming A's
 * client in a new record is a BAD_REQUEST. The public signing procedures are exempt in the host
 * test: the link's token is the credential and names one signer of one tenant.
 */
export const crossTenantCases = defineCrossTenantCases({
  createCaller: (ctx) => createCaller(ctx),
  setup: async (a, seed) => {
    await a.settings.update({ enabled: false, label: 'Tenant A' });
    const [clientId] = await seed([{ kind: 'crm.client' }]);
    if (!clientId) throw new Error('no client seeded');
    const template = await a.templates.create({ kind: 'proposal', name: 'A template', sections: [{ title: 'Hi', body: 'For {{client.name}}' }] });
    const proposal = await a.proposals.create({
      clientId,
      templateId: template.id,
      title: 'A proposal',
      currency: 'EUR',
      lines: [{ description: 'Work', quantity: 1, unitPriceMinor: 1000 }],
      mergeValues: { 'client.name': 'A client' },
    });
    await a.proposals.send({ id: proposal.id });
    await a.proposals.update({ id: proposal.id, title: 'A proposal v2' });
    const contract = await a.contracts.create({
      clientId,
      title: 'A contract',
      sections: [{ title: 'Terms', body: 'Text' }],
      signers: [{ name: 'Ada', email: 'ada@a.test' }],
    });
    await a.contracts.send({ id: contract.id });
    return { clientId, template: template.id, proposal: proposal.id, contract: contract.id, signer: contract.signers[0]?.id ?? '' };
  },
  snapshot: async (a, f) => ({
    settings: await a.settings.get(),
    templates: await a.templates.list({ includeArchived: true }),
    proposal: await a.proposals.get({ id: f.proposal }),
    proposals: await a.proposals.list(),
    contract: await a.contracts.get({ id: f.contract }),
    packet: await a.packets.get({ contractId: f.contract }),
  }),
  cases: {
    'settings.get': { expect: 'own', call: (b) => b.settings.get() },
    'settings.update': { expect: 'own', call: (b) => b.settings.update({ enabled: true, label: 'Someone else' }) },
    'templates.create': { expect: 'own', call: (b) => b.templates.create({ kind: 'contract', name: 'B template', sections: [{ title: 'x', body: 'y' }] }) },
    'templates.update': { expect: 'not_found', call: (b, a) => b.templates.update({ id: a.template, name: 'Hijacked' }) },
    'templates.list': { expect: 'empty', call: (b) => b.templates.list({ includeArchived: true }) },
    'templates.get': { expect: 'not_found', call: (b, a) => b.templates.get({ id: a.template }) },
    'templates.archive': { expect: 'not_found', call: (b, a) => b.templates.archive({ id: a.template }) },
    'proposals.create': {
      expect: 'bad_request',
      call: (b, a) => b.proposals.create({ clientId: a.clientId, title: 'B', currency: 'EUR', templateId: a.template }),
    },
    'proposals.update': { expect: 'not_found', call: (b, a) => b.proposals.update({ id: a.proposal, title: 'Hijacked' }) },
    'proposals.get': { expect: 'not_found', call: (b, a) => b.proposals.get({ id: a.proposal, version: 1 }) },
    'proposals.list': { expect: 'empty', call: (b, a) => b.proposals.list({ clientId: a.clientId, limit: 50 }) },
    'proposals.send': { expect: 'not_found', call: (b, a) => b.proposals.send({ id: a.proposal }) },
    'proposals.withdraw': { expect: 'not_found', call: (b, a) => b.proposals.withdraw({ id: a.proposal }) },
    'proposals.duplicate': { expect: 'not_found', call: (b, a) => b.proposals.duplicate({ id: a.proposal }) },
    'contracts.create': {
      expect: 'bad_request',
      call: (b, a) =>
        b.contracts.create({ clientId: a.clientId, title: 'B', sections: [{ title: 'x', body: 'y' }], signers: [{ name: 'B', email: 'b@b.test' }] }),
    },
    'contracts.createFromProposal': { expect: 'not_found', call: (b, a) => b.contracts.createFromProposal({ proposalId: a.proposal }) },
    'contracts.get': { expect: 'not_found', call: (b, a) => b.contracts.get({ id: a.contract }) },
    'contracts.list': { expect: 'empty', call: (b, a) => b.contracts.list({ clientId: a.clientId, limit: 50 }) },
    'contracts.send': { expect: 'not_found', call: (b, a) => b.contracts.send({ id: a.contract }) },
    'contracts.void': { expect: 'not_found', call: (b, a) => b.contracts.void({ id: a.contract, reason: 'Hijacked' }) },
    'contracts.resend': { expect: 'not_found', call: (b, a) => b.contracts.resend({ id: a.contract, signerId: a.signer }) },
    'contracts.downloadUrl': { expect: 'not_found', call: (b, a) => b.contracts.downloadUrl({ id: a.contract }) },
    'packets.get': { expect: 'not_found', call: (b, a) => b.packets.get({ contractId: a.contract }) },
  },
});
