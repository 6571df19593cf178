import { publicProcedure, router, tenantProcedure, type Context } from '@ubos/platform';
import { z } from 'zod';
import * as c from './contracts.ts';
import { SEAL_JOB } from './seal.ts';
import * as service from './service.ts';
import * as contracts from './service-contracts.ts';
import * as proposals from './service-proposals.ts';
import * as signing from './service-signing.ts';
import * as templates from './service-templates.ts';

/** Thin procedures (ARCHITECTURE.md §10): parse, authorize through the meta permission, call the service. */

const settings = router({
  get: tenantProcedure
    .meta({ permission: 'agreements.settings.read' })
    .output(c.settingsDto)
    .query(({ ctx }) => service.getSettings(ctx.domain)),
  update: tenantProcedure
    .meta({ permission: 'agreements.settings.manage' })
    .input(c.updateSettingsInput)
    .output(c.settingsDto)
    .mutation(({ ctx, input }) => service.updateSettings(ctx.domain, input)),
});

const templatesRouter = router({
  create: tenantProcedure
    .meta({ permission: 'agreements.template.manage' })
    .input(c.createTemplateInput)
    .output(c.templateDto)
    .mutation(({ ctx, input }) => templates.createTemplate(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'agreements.template.manage' })
    .input(c.updateTemplateInput)
    .output(c.templateDto)
    .mutation(({ ctx, input }) => templates.updateTemplate(ctx.domain, input)),
  list: tenantProcedure
    .meta({ permission: 'agreements.read' })
    .input(c.listTemplatesInput)
    .output(z.array(c.templateDto))
    .query(({ ctx, input }) => templates.listTemplates(ctx.domain, input)),
  get: tenantProcedure
    .meta({ permission: 'agreements.read' })
    .input(c.idInput)
    .output(c.templateDto)
    .query(async ({ ctx, input }) => templates.toTemplateDto(await templates.getTemplate(ctx.domain, input.id))),
  archive: tenantProcedure
    .meta({ permission: 'agreements.template.manage' })
    .input(c.idInput)
    .output(c.templateDto)
    .mutation(({ ctx, input }) => templates.archiveTemplate(ctx.domain, input.id)),
});

const proposalsRouter = router({
  create: tenantProcedure
    .meta({ permission: 'agreements.proposal.write' })
    .input(c.createProposalInput)
    .output(c.proposalDto)
    .mutation(({ ctx, input }) => proposals.createProposal(ctx.domain, input)),
  update: tenantProcedure
    .meta({ permission: 'agreements.proposal.write' })
    .input(c.updateProposalInput)
    .output(c.proposalDto)
    .mutation(({ ctx, input }) => proposals.updateProposal(ctx.domain, input)),
  get: tenantProcedure
    .meta({ permission: 'agreements.read' })
    .input(c.getProposalInput)
    .output(c.proposalDto)
    .query(({ ctx, input }) => proposals.getProposal(ctx.domain, input.id, input.version)),
  list: tenantProcedure
    .meta({ permission: 'agreements.read' })
    .input(c.listProposalsInput)
    .output(z.array(c.proposalSummaryDto))
    .query(({ ctx, input }) => proposals.listProposals(ctx.domain, input)),
  send: tenantProcedure
    .meta({ permission: 'agreements.proposal.send' })
    .input(c.idInput)
    .output(c.proposalDto)
    .mutation(({ ctx, input }) => proposals.sendProposal(ctx.domain, input.id)),
  withdraw: tenantProcedure
    .meta({ permission: 'agreements.proposal.send' })
    .input(c.idInput)
    .output(c.proposalDto)
    .mutation(({ ctx, input }) => proposals.withdrawProposal(ctx.domain, input.id)),
  duplicate: tenantProcedure
    .meta({ permission: 'agreements.proposal.write' })
    .input(c.idInput)
    .output(c.proposalDto)
    .mutation(({ ctx, input }) => proposals.duplicateProposal(ctx.domain, input.id)),
});

const contractsRouter = router({
  create: tenantProcedure
    .meta({ permission: 'agreements.contract.write' })
    .input(c.createContractInput)
    .output(c.contractDto)
    .mutation(({ ctx, input }) => contracts.createContract(ctx.domain, input)),
  createFromProposal: tenantProcedure
    .meta({ permission: 'agreements.contract.write' })
    .input(c.createContractFromProposalInput)
    .output(c.contractDto)
    .mutation(async ({ ctx, input }) => (await contracts.createContractFromProposal(ctx.domain, input)).contract),
  get: tenantProcedure
    .meta({ permission: 'agreements.read' })
    .input(c.idInput)
    .output(c.contractDto)
    .query(({ ctx, input }) => contracts.getContract(ctx.domain, input.id)),
  list: tenantProcedure
    .meta({ permission: 'agreements.read' })
    .input(c.listContractsInput)
    .output(z.array(c.contractSummaryDto))
    .query(({ ctx, input }) => contracts.listContracts(ctx.domain, input)),
  send: tenantProcedure
    .meta({ permission: 'agreements.contract.send' })
    .input(c.idInput)
    .output(c.sentContractDto)
    .mutation(({ ctx, input }) => contracts.sendContract(ctx.domain, input.id, { appUrl: ctx.config.PUBLIC_URL ?? '' })),
  void: tenantProcedure
    .meta({ permission: 'agreements.contract.send' })
    .input(c.voidContractInput)
    .output(c.contractDto)
    .mutation(({ ctx, input }) => contracts.voidContract(ctx.domain, input)),
  resend: tenantProcedure
    .meta({ permission: 'agreements.contract.send' })
    .input(c.resendSigningInput)
    .output(c.sentContractDto.shape.links.element)
    .mutation(({ ctx, input }) => contracts.resendSigningLink(ctx.domain, input, { appUrl: ctx.config.PUBLIC_URL ?? '' })),
  downloadUrl: tenantProcedure
    .meta({ permission: 'agreements.read' })
    .input(c.idInput)
    .output(c.downloadDto)
    .query(({ ctx, input }) => contracts.downloadUrl(ctx.domain, ctx.runtime.actions, input.id)),
});

const packets = router({
  get: tenantProcedure
    .meta({ permission: 'agreements.read' })
    .input(c.packetInput)
    .output(c.packetDto)
    .query(({ ctx, input }) => contracts.getPacket(ctx.domain, input.contractId)),
});

/** Queues the sealing job after the last signature commits; without a queue the sweeper seals. */
function sealScheduler(ctx: Context): signing.SealScheduler | null {
  const jobs = ctx.runtime.services.jobs;
  if (!jobs) return null;
  return async (tenantId, contractId) => {
    await jobs.send(SEAL_JOB, { tenantId, contractId }, { singletonKey: contractId });
  };
}

/** The public signing page: the link's token is the only credential (§7). */
const signingRouter = router({
  view: publicProcedure
    .input(c.signingViewInput)
    .output(c.signingViewDto)
    .query(({ ctx, input }) => signing.viewSigning(ctx, input.token)),
  sign: publicProcedure
    .input(c.signInput)
    .output(c.signingResultDto)
    .mutation(({ ctx, input }) => signing.sign(ctx, input, sealScheduler(ctx))),
  decline: publicProcedure
    .input(c.declineSigningInput)
    .output(c.signingResultDto)
    .mutation(({ ctx, input }) => signing.decline(ctx, input)),
});

export const agreementsRouter = router({
  settings,
  templates: templatesRouter,
  proposals: proposalsRouter,
  contracts: contractsRouter,
  packets,
  signing: signingRouter,
});
export type AgreementsRouter = typeof agreementsRouter;
