import { portalProcedure, publicProcedure, router, tenantProcedure } from '@ubos/platform';
import * as agreements from '@ubos/agreements/contracts';
import { z } from 'zod';
import * as c from './contracts.ts';
import * as service from './service.ts';
import * as approvals from './service-approvals.ts';
import * as auth from './service-auth.ts';
import * as proposals from './service-proposals.ts';
import * as users from './service-users.ts';
import * as views from './service-views.ts';
import * as invoices from './service-invoices.ts';

/**
 * Thin procedures (ARCHITECTURE.md §10): parse, authorize, call the service. Staff procedures are
 * tenant procedures with a permission of the matrix; the client's are `portalProcedure`s (only a
 * portal session; scoped to its client by the service) and the sign-in's are public.
 */

const settings = router({
  get: tenantProcedure
    .meta({ permission: 'portal.settings.read' })
    .output(c.settingsDto)
    .query(({ ctx }) => service.getSettings(ctx.domain)),
  update: tenantProcedure
    .meta({ permission: 'portal.settings.manage' })
    .input(c.updateSettingsInput)
    .output(c.settingsDto)
    .mutation(({ ctx, input }) => service.updateSettings(ctx.domain, input)),
  logoUpload: tenantProcedure
    .meta({ permission: 'portal.settings.manage' })
    .input(c.logoUploadInput)
    .output(c.logoUploadDto)
    .mutation(({ ctx, input }) => service.logoUpload(ctx.domain, input)),
  logoComplete: tenantProcedure
    .meta({ permission: 'portal.settings.manage' })
    .input(c.logoCompleteInput)
    .output(c.settingsDto)
    .mutation(({ ctx, input }) => service.logoComplete(ctx.domain, input.key)),
});

const users_ = router({
  invite: tenantProcedure
    .meta({ permission: 'portal.users.manage' })
    .input(c.inviteUserInput)
    .output(z.object({ user: c.portalUserDto, created: z.boolean() }))
    .mutation(({ ctx, input }) => users.inviteUser(ctx.domain, input, auth.originOf(ctx))),
  list: tenantProcedure
    .meta({ permission: 'portal.users.read' })
    .input(c.listUsersInput)
    .output(z.object({ items: z.array(c.portalUserDto) }))
    .query(({ ctx, input }) => users.listUsers(ctx.domain, input.clientId)),
  revoke: tenantProcedure
    .meta({ permission: 'portal.users.manage' })
    .input(c.revokeUserInput)
    .output(c.portalUserDto)
    .mutation(({ ctx, input }) => users.revokeUser(ctx.domain, input.portalUserId)),
});

const approvals_ = router({
  request: tenantProcedure
    .meta({ permission: 'portal.approvals.manage' })
    .input(c.requestApprovalInput)
    .output(c.approvalDto)
    .mutation(({ ctx, input }) => approvals.requestApproval(ctx.domain, input, ctx.config.PUBLIC_URL ?? null)),
  list: tenantProcedure
    .meta({ permission: 'portal.approvals.read' })
    .input(c.listApprovalsInput)
    .output(z.object({ items: z.array(c.approvalDto) }))
    .query(({ ctx, input }) => approvals.listApprovals(ctx.domain, input)),
  get: tenantProcedure
    .meta({ permission: 'portal.approvals.read' })
    .input(c.approvalIdInput)
    .output(c.approvalDto)
    .query(({ ctx, input }) => approvals.getApproval(ctx.domain, input.approvalId)),
  cancel: tenantProcedure
    .meta({ permission: 'portal.approvals.manage' })
    .input(c.approvalIdInput)
    .output(c.approvalDto)
    .mutation(({ ctx, input }) => approvals.cancelApproval(ctx.domain, input.approvalId)),
});

const shares = router({
  get: tenantProcedure
    .meta({ permission: 'portal.users.read' })
    .input(c.getSharesInput)
    .output(c.sharesDto)
    .query(({ ctx, input }) => views.getShares(ctx.domain, input.clientId)),
  set: tenantProcedure
    .meta({ permission: 'portal.shares.manage' })
    .input(c.setSharesInput)
    .output(c.sharesDto)
    .mutation(({ ctx, input }) => views.setShares(ctx.domain, input)),
});

// The sign-in: public (the link's token is the only credential of consume).
const authRouter = router({
  branding: publicProcedure
    .input(c.brandingInput)
    .output(c.brandingDto)
    .query(({ ctx, input }) => auth.branding(ctx, input.tenantSlug)),
  requestLink: publicProcedure
    .input(c.requestLinkInput)
    .output(c.requestLinkDto)
    .mutation(({ ctx, input }) => auth.requestLink(ctx, input)),
  consume: publicProcedure
    .input(c.consumeInput)
    .output(c.consumeDto)
    .mutation(({ ctx, input }) => auth.consume(ctx, input)),
  logout: portalProcedure
    .input(c.logoutInput)
    .output(z.object({ ended: z.number().int() }))
    .mutation(({ ctx, input }) => auth.logout(ctx, input.everywhere)),
});

// The client's own views: always the session's client (ctx.portal.clientId).
const me = router({
  profile: portalProcedure.output(c.meDto).query(({ ctx }) => views.me(ctx.domain, ctx.runtime.services, ctx.portal)),
  home: portalProcedure.output(c.homeDto).query(({ ctx }) => views.home(ctx.domain, ctx.runtime.services, ctx.portal)),
  projects: portalProcedure
    .input(c.meProjectsInput)
    .output(c.meProjectsDto)
    .query(({ ctx, input }) => views.projects(ctx.domain, ctx.portal, input.projectId)),
  files: portalProcedure
    .input(c.meFilesInput)
    .output(c.meFilesDto)
    .query(({ ctx, input }) => views.files(ctx.domain, ctx.portal, input.folderId)),
  download: portalProcedure
    .input(c.downloadInput)
    .output(c.downloadDto)
    .mutation(({ ctx, input }) => views.download(ctx.domain, ctx.runtime.actions, ctx.portal, input.fileId)),
  requests: router({
    createUpload: portalProcedure
      .input(c.requestUploadInput)
      .output(c.requestUploadDto)
      .mutation(({ ctx, input }) => views.requestUpload(ctx.domain, ctx.runtime.actions, ctx.portal, input)),
    completeUpload: portalProcedure
      .input(c.requestCompleteInput)
      .output(c.requestCompleteDto)
      .mutation(({ ctx, input }) => views.requestComplete(ctx.domain, ctx.runtime.actions, ctx.portal, input)),
    finish: portalProcedure
      .input(c.requestFinishInput)
      .output(c.requestFinishDto)
      .mutation(({ ctx, input }) => views.requestFinish(ctx.domain, ctx.runtime.actions, ctx.portal, input.requestId)),
  }),
  // The client's invoices (revenue's, through its portal actions).
  invoices: router({
    list: portalProcedure
      .input(c.meInvoicesInput)
      .output(c.meInvoicesDto)
      .query(({ ctx, input }) => invoices.listInvoices(ctx.domain, ctx.runtime.actions, ctx.portal, input)),
    get: portalProcedure
      .input(c.meInvoiceInput)
      .output(c.meInvoiceDto)
      .query(({ ctx, input }) => invoices.getInvoice(ctx.domain, ctx.runtime.actions, ctx.portal, input.invoiceId)),
    downloadUrl: portalProcedure
      .input(c.meInvoiceInput)
      .output(c.downloadDto)
      .mutation(({ ctx, input }) => invoices.invoiceDownloadUrl(ctx.domain, ctx.runtime.actions, ctx.portal, input.invoiceId)),
  }),
  // Proposals live in agreements: read and decided through its workflow actions.
  proposals: router({
    list: portalProcedure.output(z.array(agreements.clientProposalSummaryJson)).query(({ ctx }) => proposals.list(ctx.domain, ctx.runtime.actions, ctx.portal)),
    get: portalProcedure
      .input(z.object({ proposalId: z.uuid() }))
      .output(agreements.clientProposalJson)
      .query(({ ctx, input }) => proposals.get(ctx.domain, ctx.runtime.actions, ctx.portal, input.proposalId)),
    accept: portalProcedure
      .input(agreements.acceptProposalInput)
      .output(agreements.acceptedProposalDto)
      .mutation(({ ctx, input }) => proposals.accept(ctx.domain, ctx.runtime.actions, ctx.portal, input)),
    decline: portalProcedure
      .input(agreements.declineProposalInput)
      .output(agreements.declinedProposalDto)
      .mutation(({ ctx, input }) => proposals.decline(ctx.domain, ctx.runtime.actions, ctx.portal, input)),
  }),
  approvals: router({
    list: portalProcedure
      .input(c.meApprovalsInput)
      .output(c.meApprovalsDto)
      .query(({ ctx, input }) => approvals.myApprovals(ctx.domain, ctx.portal, input)),
    decide: portalProcedure
      .input(c.decideInput)
      .output(c.approvalDto)
      .mutation(({ ctx, input }) => approvals.decide(ctx.domain, ctx.portal, input, { ip: ctx.ip || null, userAgent: ctx.userAgent })),
  }),
});

export const portalRouter = router({ settings, users: users_, approvals: approvals_, shares, auth: authRouter, me });
export type PortalRouter = typeof portalRouter;
