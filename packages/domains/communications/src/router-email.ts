import { router, tenantProcedure } from '@ubos/platform';
import { z } from 'zod';
import {
  accountIdInput,
  connectImapInput,
  emailAccountDto,
  linkResultDto,
  forwardMessageInput,
  linkThreadInput,
  listThreadsInput,
  replyMessageInput,
  sendMessageInput,
  sendResultDto,
  threadDto,
  threadIdInput,
  threadListDto,
} from './contracts-email.ts';
import * as accounts from './service-accounts.ts';
import * as send from './service-send.ts';
import * as threads from './service-threads.ts';

/** Client email procedures (thin: parse, authorize, call the service). */

export const READ = 'communications.read';
export const MAILBOX = 'communications.mailbox.use';
export const ACCOUNTS_MANAGE = 'communications.accounts.manage';

interface TenantInfo {
  userId: string;
  permissions: ReadonlySet<string>;
}
const viewer = (tenant: TenantInfo): threads.Viewer => ({ userId: tenant.userId, canReadLinked: tenant.permissions.has(READ) });

const accountsRouter = router({
  /** Tests IMAP and SMTP with what was typed, then connects the mailbox (password in the vault). */
  connectImap: tenantProcedure
    .meta({ permission: MAILBOX })
    .input(connectImapInput)
    .output(emailAccountDto)
    .mutation(({ ctx, input }) => accounts.connectImap(ctx.domain, input)),
  /** My mailboxes; `all` (integrations.manage holders) every mailbox of the tenant. */
  list: tenantProcedure
    .meta({ permission: MAILBOX })
    .input(z.object({ all: z.boolean().default(false) }).default({ all: false }))
    .output(z.object({ items: z.array(emailAccountDto) }))
    .query(({ ctx, input }) => accounts.listAccounts(ctx.domain, { all: input.all && ctx.tenant.permissions.has(ACCOUNTS_MANAGE) })),
  disconnect: tenantProcedure
    .meta({ permission: MAILBOX })
    .input(accountIdInput)
    .output(emailAccountDto)
    .mutation(({ ctx, input }) => accounts.disconnectAccount(ctx.domain, input.id, { manager: ctx.tenant.permissions.has(ACCOUNTS_MANAGE) })),
});

const threadsRouter = router({
  list: tenantProcedure
    .meta({ permission: MAILBOX })
    .input(listThreadsInput)
    .output(threadListDto)
    .query(({ ctx, input }) => threads.listThreads(ctx.domain, viewer(ctx.tenant), input)),
  get: tenantProcedure
    .meta({ permission: MAILBOX })
    .input(threadIdInput)
    .output(threadDto)
    .query(({ ctx, input }) => threads.getThread(ctx.domain, viewer(ctx.tenant), input.id, { showRemoteImages: input.showRemoteImages ?? false })),
  link: tenantProcedure
    .meta({ permission: MAILBOX })
    .input(linkThreadInput)
    .output(linkResultDto)
    .mutation(({ ctx, input }) => threads.setLink(ctx.domain, viewer(ctx.tenant), input, 'linked')),
  unlink: tenantProcedure
    .meta({ permission: MAILBOX })
    .input(linkThreadInput)
    .output(linkResultDto)
    .mutation(({ ctx, input }) => threads.setLink(ctx.domain, viewer(ctx.tenant), input, 'unlinked')),
});

const messagesRouter = router({
  send: tenantProcedure
    .meta({ permission: MAILBOX })
    .input(sendMessageInput)
    .output(sendResultDto)
    .mutation(({ ctx, input }) => send.sendMessage(ctx.domain, viewer(ctx.tenant), input)),
  reply: tenantProcedure
    .meta({ permission: MAILBOX })
    .input(replyMessageInput)
    .output(sendResultDto)
    .mutation(({ ctx, input }) => send.replyMessage(ctx.domain, viewer(ctx.tenant), input)),
  forward: tenantProcedure
    .meta({ permission: MAILBOX })
    .input(forwardMessageInput)
    .output(sendResultDto)
    .mutation(({ ctx, input }) => send.forwardMessage(ctx.domain, viewer(ctx.tenant), input)),
});

export const emailRouters = { accounts: accountsRouter, threads: threadsRouter, messages: messagesRouter };
