import { authedProcedure, publicProcedure, router, tenantProcedure } from '@ubos/platform';
import { z } from 'zod';
import {
  accountSessionDto,
  endedSessionsDto,
  endSessionInput,
  acceptWithSignUpInput,
  apiKeyDto,
  authResultDto,
  createApiKeyInput,
  createdApiKeyDto,
  changePasswordInput,
  changeRoleInput,
  createdInvitationDto,
  createInvitationInput,
  createOrganizationInput,
  invitationDto,
  invitationPreviewDto,
  invitationTokenInput,
  loginInput,
  meDto,
  memberDto,
  okDto,
  organizationDto,
  passwordResetPreviewDto,
  passwordResetRequestedDto,
  passwordResetTokenInput,
  removeMemberInput,
  requestPasswordResetInput,
  resetPasswordInput,
  revokeApiKeyInput,
  revokeInvitationInput,
  roleMatrixDto,
  setOverrideInput,
  signUpInput,
  switchOrganizationInput,
} from './contracts.ts';
import * as apiKeys from './service-api-keys.ts';
import * as account from './service-account.ts';
import * as invitations from './service-invitations.ts';
import * as passwordResets from './service-password-reset.ts';
import * as service from './service.ts';

/** The identity domain's procedures: parse, authorize (meta.permission), call the service. */
export const identityRouter = router({
  auth: router({
    signUp: publicProcedure
      .input(signUpInput)
      .output(authResultDto)
      .mutation(({ ctx, input }) => service.signUp(ctx, input)),
    login: publicProcedure
      .input(loginInput)
      .output(authResultDto)
      .mutation(({ ctx, input }) => service.login(ctx, input)),
    // Forgot password: request (same answer for every email), check the link (read-only), reset (consumes it).
    requestPasswordReset: publicProcedure
      .input(requestPasswordResetInput)
      .output(passwordResetRequestedDto)
      .mutation(({ ctx, input }) => passwordResets.requestPasswordReset(ctx, input)),
    // Read-only, but a POST: as a query the token would travel in the URL (access logs, proxies).
    checkPasswordReset: publicProcedure
      .input(passwordResetTokenInput)
      .output(passwordResetPreviewDto)
      .mutation(({ ctx, input }) => passwordResets.previewPasswordReset(ctx, input.token)),
    resetPassword: publicProcedure
      .input(resetPasswordInput)
      .output(okDto)
      .mutation(({ ctx, input }) => passwordResets.resetPassword(ctx, input)),
    logout: authedProcedure.output(okDto).mutation(({ ctx }) => service.logout(ctx)),
    me: authedProcedure.output(meDto).query(({ ctx }) => service.me(ctx)),
    changePassword: authedProcedure
      .input(changePasswordInput)
      .output(okDto)
      .mutation(({ ctx, input }) => service.changePassword(ctx, input)),
    switchOrganization: authedProcedure
      .input(switchOrganizationInput)
      .output(authResultDto)
      .mutation(({ ctx, input }) => service.switchOrganization(ctx, input.organizationId)),
  }),
  // My account: the caller's own sessions (name, email and password are auth.me / auth.changePassword).
  account: router({
    sessions: authedProcedure.output(z.array(accountSessionDto)).query(({ ctx }) => account.listSessions(ctx)),
    endSession: authedProcedure
      .input(endSessionInput)
      .output(endedSessionsDto)
      .mutation(({ ctx, input }) => account.endSession(ctx, input.id)),
    endOtherSessions: authedProcedure.output(endedSessionsDto).mutation(({ ctx }) => account.endOtherSessions(ctx)),
  }),
  organizations: router({
    list: authedProcedure.output(z.array(organizationDto)).query(({ ctx }) => service.listMyOrganizations(ctx)),
    create: authedProcedure
      .input(createOrganizationInput)
      .output(organizationDto)
      .mutation(({ ctx, input }) => service.createOrganization(ctx, input.name)),
  }),
  members: router({
    list: tenantProcedure
      .meta({ permission: 'identity.member.read' })
      .output(z.array(memberDto))
      .query(({ ctx }) => service.listMembers(ctx)),
    changeRole: tenantProcedure
      .meta({ permission: 'identity.member.manage' })
      .input(changeRoleInput)
      .output(memberDto)
      .mutation(({ ctx, input }) => service.changeMemberRole(ctx, input)),
    remove: tenantProcedure
      .meta({ permission: 'identity.member.manage' })
      .input(removeMemberInput)
      .output(okDto)
      .mutation(({ ctx, input }) => service.removeMember(ctx, input.userId)),
  }),
  invitations: router({
    create: tenantProcedure
      .meta({ permission: 'identity.member.invite' })
      .input(createInvitationInput)
      .output(createdInvitationDto)
      .mutation(({ ctx, input }) => invitations.createInvitation(ctx, input)),
    list: tenantProcedure
      .meta({ permission: 'identity.member.invite' })
      .output(z.array(invitationDto))
      .query(({ ctx }) => invitations.listInvitations(ctx)),
    revoke: tenantProcedure
      .meta({ permission: 'identity.member.invite' })
      .input(revokeInvitationInput)
      .output(invitationDto)
      .mutation(({ ctx, input }) => invitations.revokeInvitation(ctx, input.invitationId)),
    preview: publicProcedure
      .input(invitationTokenInput)
      .output(invitationPreviewDto)
      .query(({ ctx, input }) => invitations.previewInvitation(ctx, input.token)),
    accept: authedProcedure
      .input(invitationTokenInput)
      .output(organizationDto)
      .mutation(({ ctx, input }) => invitations.acceptInvitation(ctx, input.token)),
    acceptWithSignUp: publicProcedure
      .input(acceptWithSignUpInput)
      .output(authResultDto)
      .mutation(({ ctx, input }) => invitations.acceptWithSignUp(ctx, input)),
  }),
  // API keys (§7): a tenant's service principals, for the typed client and HTTP callers.
  apiKeys: router({
    create: tenantProcedure
      .meta({ permission: 'identity.api_key.manage' })
      .input(createApiKeyInput)
      .output(createdApiKeyDto)
      .mutation(({ ctx, input }) => apiKeys.createApiKey(ctx, input)),
    list: tenantProcedure
      .meta({ permission: 'identity.api_key.manage' })
      .output(z.array(apiKeyDto))
      .query(({ ctx }) => apiKeys.listApiKeys(ctx)),
    revoke: tenantProcedure
      .meta({ permission: 'identity.api_key.manage' })
      .input(revokeApiKeyInput)
      .output(apiKeyDto)
      .mutation(({ ctx, input }) => apiKeys.revokeApiKey(ctx, input.apiKeyId)),
  }),
  roles: router({
    matrix: tenantProcedure
      .meta({ permission: 'identity.organization.read' })
      .output(roleMatrixDto)
      .query(({ ctx }) => service.roleMatrix(ctx)),
    setOverride: tenantProcedure
      .meta({ permission: 'identity.role.manage' })
      .input(setOverrideInput)
      .output(roleMatrixDto)
      .mutation(({ ctx, input }) => service.setOverride(ctx, input)),
  }),
});

export type IdentityRouter = typeof identityRouter;
