import { createCallerFactory, uuidv7 } from '@ubos/platform';
import { defineCrossTenantCases } from '@ubos/platform/testing';
import { communicationsRouter } from '../src/router.ts';

const createCaller = createCallerFactory(communicationsRouter);

/**
 * Run by apps/api/test/cross-tenant.test.ts for every procedure of communicationsRouter. Settings
 * are addressed by the session's tenant, never by an id: another tenant's calls concern only
 * its own settings ('own') and must leave tenant A's untouched.
 */
export const crossTenantCases = defineCrossTenantCases({
  createCaller: (ctx) => createCaller(ctx),
  setup: async (a) => {
    await a.settings.update({ enabled: false, label: 'Tenant A' });
    await a.preferences.update({ email: 'daily_digest', digestHour: 7 });
    return {};
  },
  snapshot: async (a) => ({ settings: await a.settings.get(), preferences: await a.preferences.get() }),
  cases: {
    'settings.get': { expect: 'own', call: (b) => b.settings.get() },
    'settings.update': { expect: 'own', call: (b) => b.settings.update({ enabled: true, label: 'Someone else' }) },
    // Notifications and preferences are the caller's own (session user in the session's tenant): no id of A's reaches them.
    'notifications.list': { expect: 'own', call: (b) => b.notifications.list({ limit: 20, unreadOnly: false }) },
    'notifications.markRead': { expect: 'own', call: (b) => b.notifications.markRead({ ids: [uuidv7()] }) },
    'notifications.markAllRead': { expect: 'own', call: (b) => b.notifications.markAllRead() },
    'preferences.get': { expect: 'own', call: (b) => b.preferences.get() },
    'preferences.update': { expect: 'own', call: (b) => b.preferences.update({ email: 'off', digestHour: 3 }) },
    // The log is per tenant (RLS on platform.system_mail); A's message ids come from the mail port's own test.
    'outgoing.list': { expect: 'own', call: (b) => b.outgoing.list({ limit: 25 }) },
    'outgoing.get': { expect: 'not_found', call: (b) => b.outgoing.get({ id: uuidv7() }) },
    // Client email: A's mailbox and threads need a mail server to exist (this suite has none), so the
    // ids here are unknown ones; threads.test.ts ('another tenant…') calls these with A's real ids.
    'accounts.list': { expect: 'empty', call: (b) => b.accounts.list() },
    'accounts.disconnect': { expect: 'not_found', call: (b) => b.accounts.disconnect({ id: uuidv7() }) },
    'threads.list': { expect: 'empty', call: (b) => b.threads.list() },
    'threads.get': { expect: 'not_found', call: (b) => b.threads.get({ id: uuidv7() }) },
    'threads.link': { expect: 'not_found', call: (b) => b.threads.link({ threadId: uuidv7(), clientId: uuidv7() }) },
    'threads.unlink': { expect: 'not_found', call: (b) => b.threads.unlink({ threadId: uuidv7(), clientId: uuidv7() }) },
    'messages.send': { expect: 'not_found', call: (b) => b.messages.send({ accountId: uuidv7(), to: ['someone@example.com'], text: 'Hi' }) },
    'messages.reply': { expect: 'not_found', call: (b) => b.messages.reply({ messageId: uuidv7(), text: 'Hi' }) },
    'messages.forward': { expect: 'not_found', call: (b) => b.messages.forward({ messageId: uuidv7(), to: ['someone@example.com'] }) },
  },
});
