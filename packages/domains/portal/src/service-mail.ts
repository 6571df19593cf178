import type { DomainContext } from '@ubos/platform';

/**
 * The portal's one way out to a mailbox: sign-in links and notices. Every message the portal
 * sends goes through `sendPortalMail`, so swapping the transport is a change of this file only.
 *
 * Transport: until the kernel mail port (`sendSystemMail`) is in this branch, messages are kept in
 * a bounded in-process list (`portalMailbox`) that tests read; nothing is logged with the link.
 */
export interface PortalMail {
  to: string;
  template: 'magic_link' | 'portal_notice';
  data: Record<string, string>;
}

export interface SentPortalMail extends PortalMail {
  tenantId: string;
  sentAt: Date;
}

const MAILBOX_LIMIT = 1000;
const mailbox: SentPortalMail[] = [];

/** Messages sent in this process, oldest first (tests; bounded to the last 1,000). */
export function portalMailbox(): readonly SentPortalMail[] {
  return mailbox;
}

export async function sendPortalMail(ctx: DomainContext, mail: PortalMail): Promise<void> {
  // Kept only once the transaction commits: a rolled-back request sends nothing.
  ctx.afterCommit(async () => {
    mailbox.push({ ...mail, tenantId: ctx.tenantId, sentAt: new Date() });
    if (mailbox.length > MAILBOX_LIMIT) mailbox.splice(0, mailbox.length - MAILBOX_LIMIT);
    ctx.log.info({ template: mail.template }, 'portal mail sent');
  });
}
