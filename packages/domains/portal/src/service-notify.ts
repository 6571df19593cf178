import { NotFoundError, type DomainContext } from '@ubos/platform';
import { clientNotified, portalPath } from './contracts.ts';
import type { PortalDB } from './db.ts';
import * as repo from './repository.ts';
import { absoluteUrl } from './service-auth.ts';
import { sendPortalMail } from './service-mail.ts';

/**
 * Emails every live portal user of a client a notice with a link to a portal page (the link
 * opens the portal; signing in is the usual magic link, nothing in the notice grants access).
 */
export async function notifyClientUsers(
  ctx: DomainContext,
  input: { clientId: string; subject: string; page: string; message: string },
  publicUrl: string | null = null,
): Promise<{ recipients: number }> {
  const db = ctx.db<PortalDB>();
  const client = await repo.findClient(db, input.clientId);
  if (!client) throw new NotFoundError('Client', input.clientId);
  const organization = await repo.findOrganization(db, ctx.tenantId);
  const users = await repo.listLiveUsersOfClient(db, input.clientId);
  if (!organization || users.length === 0) return { recipients: 0 };
  const page = input.page.replace(/[^a-z0-9/_-]/gi, '').replace(/^\/+/, '');
  const path = portalPath(organization.slug, page);
  for (const user of users) {
    await sendPortalMail(ctx, {
      to: user.email,
      name: user.name,
      template: 'portal_notice',
      brandName: organization.name,
      subject: input.subject,
      message: input.message,
      url: absoluteUrl(publicUrl, path),
    });
  }
  await ctx.emit(clientNotified, { client_id: input.clientId, subject: input.subject, path, recipients: users.length }, { aggregateId: input.clientId });
  return { recipients: users.length };
}
