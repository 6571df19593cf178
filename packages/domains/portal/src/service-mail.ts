import { sendSystemMail, type DomainContext } from '@ubos/platform';

/**
 * The portal's one way out to a mailbox: sign-in links and notices, through the kernel mail port
 * (`sendSystemMail`, §7): the message is rendered and recorded in the tenant's outgoing-mail log in
 * the caller's transaction, so it leaves exactly when the work commits (and not on a rollback).
 * Links may be path-only (`/portal/…`): delivery resolves them against PUBLIC_URL.
 *
 * The log keeps the rendered link for its retention: the token in it is single use and dies
 * after 15 minutes; the portal itself stores only its SHA-256.
 */
export type PortalMail =
  | { to: string; name: string; template: 'magic_link'; brandName: string; url: string; minutes: number }
  | { to: string; name: string; template: 'portal_notice'; brandName: string; subject: string; message: string; url: string };

export async function sendPortalMail(ctx: DomainContext, mail: PortalMail): Promise<void> {
  const brand = { name: mail.brandName, logoUrl: null };
  if (mail.template === 'magic_link') {
    await sendSystemMail(ctx, {
      to: { email: mail.to, name: mail.name },
      template: 'magic_link',
      data: { recipientName: mail.name, signInUrl: mail.url, expiresInMinutes: mail.minutes },
      brand,
    });
    return;
  }
  await sendSystemMail(ctx, {
    to: { email: mail.to, name: mail.name },
    template: 'message',
    data: {
      subject: mail.subject,
      body: mail.message || `${mail.subject}. Open your client portal to see it.`,
      url: mail.url,
      urlLabel: 'Open the client portal',
    },
    brand,
  });
}
