import {
  createCallerFactory,
  createDomainContext,
  createLogger,
  uuidv7,
  withTenant,
  type Context,
  type EventContract,
  type EventEnvelope,
} from '@ubos/platform';
import { defineCrossTenantCases } from '@ubos/platform/testing';
import * as crm from '@ubos/crm/contracts';
import * as files from '@ubos/files/contracts';
import { organizationCreated } from '@ubos/identity/contracts';
import { portalSubscriptions } from '../src/handlers.ts';
import { portalRouter } from '../src/router.ts';

const createCaller = createCallerFactory(portalRouter);
type Caller = ReturnType<typeof createCaller>;
const contexts = new WeakMap<Caller, Context>();
const silent = createLogger({ level: 'silent' });

/** Hands tenant A another domain's event, as the runner would (the suite gets no workers). */
async function deliver<P extends Record<string, unknown>>(ctx: Context, contract: EventContract<string, P>, payload: P, aggregateId: string): Promise<void> {
  const tenantId = ctx.session?.tenantId;
  if (!tenantId) throw new Error('tenant A has no tenant');
  const event: EventEnvelope = {
    id: uuidv7(),
    tenant_id: tenantId,
    type: contract.type,
    version: contract.version,
    payload: contract.payload.parse(payload),
    actor_id: null,
    aggregate_type: contract.aggregateType,
    aggregate_id: aggregateId,
    occurred_at: new Date().toISOString(),
    correlation_id: uuidv7(),
    causation_id: null,
  };
  for (const subscription of portalSubscriptions.filter((candidate) => candidate.events.includes(event.type))) {
    await withTenant(ctx.db, { tenantId }, (trx) =>
      subscription.handle(
        event,
        createDomainContext({ trx, tenantId, actorId: null, correlationId: event.correlation_id, log: silent, afterCommit: () => undefined }),
      ),
    );
  }
}

interface Fixture {
  clientId: string;
  contactId: string;
  portalUserId: string;
  approvalId: string;
  folderId: string;
  logoKey: string;
}

/**
 * Run by apps/api/test/cross-tenant.test.ts for every staff procedure of portalRouter: tenant B
 * with tenant A's ids. The client's own procedures (`auth.*`, `me.*`) are not staff procedures:
 * the host test exempts them, and apps/api/test/portal-principal.test.ts plus the portal's
 * cross-client test cover them.
 */
export const crossTenantCases = defineCrossTenantCases<Caller, Fixture>({
  createCaller: (ctx) => {
    const caller = createCaller(ctx);
    contexts.set(caller, ctx);
    return caller;
  },
  setup: async (a) => {
    const ctx = contexts.get(a);
    if (!ctx?.session?.tenantId) throw new Error('no context for tenant A');
    const tenantId = ctx.session.tenantId;
    const clientId = uuidv7();
    const contactId = uuidv7();
    const folderId = uuidv7();
    await deliver(ctx, organizationCreated, { organization_id: tenantId, name: `Isolation Portal ${tenantId.slice(-6)}`, created_by: uuidv7() }, tenantId);
    await deliver(
      ctx,
      crm.clientCreated,
      { client_id: clientId, name: 'Portal Client A', domain: null, website: null, status: 'active', owner_id: null, tags: [], custom_fields: {} },
      clientId,
    );
    await deliver(
      ctx,
      crm.contactCreated,
      {
        contact_id: contactId,
        client_id: clientId,
        client_ids: [clientId],
        relationships: [],
        name: 'Portal Contact A',
        email: 'portal-a@isolation.test',
        email_normalized: 'portal-a@isolation.test',
        phone: null,
        title: null,
        owner_id: null,
        tags: [],
        custom_fields: {},
      },
      contactId,
    );
    await deliver(
      ctx,
      files.folderCreated,
      { folder_id: folderId, parent_id: null, name: 'Shared A', client_id: clientId, project_id: null, template_id: null, created_by: null },
      folderId,
    );
    await a.settings.update({ name: 'Tenant A portal', accent: '#112233' });
    const { user } = await a.users.invite({ contactId, sendLink: false });
    const approval = await a.approvals.request({ clientId, title: 'A deliverable', text: 'Approve me' });
    await a.shares.set({ clientId, folderIds: [folderId] });
    return { clientId, contactId, portalUserId: user.id, approvalId: approval.id, folderId, logoKey: `${tenantId}/portal/logo/${uuidv7()}.png` };
  },
  snapshot: async (a, f) => ({
    settings: await a.settings.get(),
    users: await a.users.list({}),
    approvals: await a.approvals.list({}),
    approval: await a.approvals.get({ approvalId: f.approvalId }),
    shares: await a.shares.get({ clientId: f.clientId }),
  }),
  cases: {
    'settings.get': { expect: 'own', call: (b) => b.settings.get() },
    'settings.update': { expect: 'own', call: (b) => b.settings.update({ name: 'Someone else', accent: '#445566' }) },
    // Without a blob store (the suite's runtime has none) the upload form is refused in words; with one it is the caller's own prefix.
    'settings.logoUpload': {
      expect: 'own',
      call: (b) =>
        b.settings
          .logoUpload({ contentType: 'image/png', size: 1000 })
          .catch((error: { code?: string }) => (error.code === 'PRECONDITION_FAILED' ? null : Promise.reject(error))),
    },
    'settings.logoComplete': { expect: 'not_found', call: (b, a) => b.settings.logoComplete({ key: a.logoKey }) },
    'users.invite': { expect: 'not_found', call: (b, a) => b.users.invite({ contactId: a.contactId }) },
    'users.list': { expect: 'empty', call: (b, a) => b.users.list({ clientId: a.clientId }) },
    'users.revoke': { expect: 'not_found', call: (b, a) => b.users.revoke({ portalUserId: a.portalUserId }) },
    'approvals.request': { expect: 'not_found', call: (b, a) => b.approvals.request({ clientId: a.clientId, title: 'From B', text: 'B text' }) },
    'approvals.list': { expect: 'empty', call: (b, a) => b.approvals.list({ clientId: a.clientId }) },
    'approvals.get': { expect: 'not_found', call: (b, a) => b.approvals.get({ approvalId: a.approvalId }) },
    'approvals.cancel': { expect: 'not_found', call: (b, a) => b.approvals.cancel({ approvalId: a.approvalId }) },
    'shares.get': { expect: 'not_found', call: (b, a) => b.shares.get({ clientId: a.clientId }) },
    'shares.set': { expect: 'not_found', call: (b, a) => b.shares.set({ clientId: a.clientId, folderIds: [a.folderId] }) },
  },
});
