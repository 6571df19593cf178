import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectSubscriptions,
  createCallerFactory,
  createDomainContext,
  createDomainRuntime,
  deadLetterQueueName,
  ensureSubscriptionQueues,
  saveOAuthConnection,
  sql,
  uuidv7,
  vaultFromConfig,
  withTenant,
  type Context,
  type DomainRuntime,
  type PgBoss,
  type SessionInfo,
} from '@ubos/platform';
import {
  createTestDatabase,
  seedReferences,
  testContext,
  testSession,
  type CrossTenantCase,
  type CrossTenantExpectation,
  type CrossTenantSuite,
  type TestDatabase,
} from '@ubos/platform/testing';
import { modules } from '../src/modules.ts';
import { repoRoot } from '../src/paths.ts';
import { appRouter } from '../src/router.ts';
import { startTestBoss } from './helpers.ts';

/**
 * Table-driven tenant isolation of EVERY procedure of every registered module: tenant B calls
 * each one with tenant A's ids. It must answer NOT_FOUND (or an empty result for lists and
 * search), write nothing for B, and leave A's records untouched.
 *
 * A procedure is covered by exactly one of:
 * - a case in `cases` below (crm, identity, platform),
 * - a case of its module's own `packages/domains/<module>/test/cross-tenant.cases.ts`
 *   (`crossTenantCases = defineCrossTenantCases(...)`, keys are paths inside the module's router),
 *   loaded for every module of the module list that has one,
 * - an entry of `EXEMPT`, with the reason it takes no tenant id.
 * A procedure with none of them fails, so a new procedure or a newly registered module must
 * bring its cases.
 */
const createCaller = createCallerFactory(appRouter);
type Caller = ReturnType<typeof createCaller>;

interface Fixture {
  client: string;
  client2: string;
  contact: string;
  contact2: string;
  note: string;
  customField: string;
  stage: string;
  deal: string;
  engagement: string;
  import: string;
  /** Tenant A itself: an organization created through identity.auth.signUp. */
  organization: string;
  /** A member of A who joined through an invitation. */
  member: string;
  /** A pending invitation of A. */
  invitation: string;
  /** An API key of A. */
  apiKey: string;
  /** A dead letter of one of A's events, and that subscription. */
  deadLetter: string;
  subscription: string;
  /** An event in A's outbox. */
  event: string;
  /** An integration connection of A (as the OAuth callback stores it). */
  connection: string;
}

type Case = CrossTenantCase<Caller, Fixture>;

const cases: Record<string, Case> = {
  // ---------------------------------------------------------------- crm
  // Naming A's member as the owner is refused (a reference is checked in the caller's tenant).
  'crm.clients.create': { expect: 'bad_request', call: (b, a) => b.crm.clients.create({ name: 'B own client', ownerId: a.member }) },
  'crm.clients.update': { expect: 'not_found', call: (b, a) => b.crm.clients.update({ id: a.client, name: 'Hijacked' }) },
  'crm.clients.get': { expect: 'not_found', call: (b, a) => b.crm.clients.get({ id: a.client }) },
  'crm.clients.list': { expect: 'empty', call: (b) => b.crm.clients.list({}) },
  'crm.clients.archive': { expect: 'not_found', call: (b, a) => b.crm.clients.archive({ id: a.client }) },
  'crm.clients.restore': { expect: 'not_found', call: (b, a) => b.crm.clients.restore({ id: a.client }) },
  'crm.clients.merge': { expect: 'not_found', call: (b, a) => b.crm.clients.merge({ survivorId: a.client, mergedId: a.client2 }) },
  'crm.clients.profile': { expect: 'not_found', call: (b, a) => b.crm.clients.profile({ id: a.client }) },
  'crm.clients.export': { expect: 'own', call: (b) => b.crm.clients.export({}) },
  'crm.contacts.create': {
    expect: 'not_found',
    call: (b, a) => b.crm.contacts.create({ name: 'Linked to A', clients: [{ clientId: a.client }] }),
  },
  'crm.contacts.update': { expect: 'not_found', call: (b, a) => b.crm.contacts.update({ id: a.contact, name: 'Hijacked' }) },
  'crm.contacts.get': { expect: 'not_found', call: (b, a) => b.crm.contacts.get({ id: a.contact }) },
  'crm.contacts.list': { expect: 'not_found', call: (b, a) => b.crm.contacts.list({ clientId: a.client }) },
  'crm.contacts.archive': { expect: 'not_found', call: (b, a) => b.crm.contacts.archive({ id: a.contact }) },
  'crm.contacts.restore': { expect: 'not_found', call: (b, a) => b.crm.contacts.restore({ id: a.contact }) },
  'crm.contacts.merge': { expect: 'not_found', call: (b, a) => b.crm.contacts.merge({ survivorId: a.contact, mergedId: a.contact2 }) },
  'crm.contacts.export': { expect: 'own', call: (b) => b.crm.contacts.export({}) },
  'crm.contacts.linkSuggestions': { expect: 'empty', call: (b) => b.crm.contacts.linkSuggestions() },
  'crm.contacts.linkClient': { expect: 'not_found', call: (b, a) => b.crm.contacts.linkClient({ contactId: a.contact, clientId: a.client2 }) },
  'crm.contacts.unlinkClient': { expect: 'not_found', call: (b, a) => b.crm.contacts.unlinkClient({ contactId: a.contact, clientId: a.client }) },
  'crm.notes.create': {
    expect: 'not_found',
    call: (b, a) => b.crm.notes.create({ subjectType: 'client', subjectId: a.client, body: 'Planted note' }),
  },
  'crm.notes.update': { expect: 'not_found', call: (b, a) => b.crm.notes.update({ id: a.note, body: 'Hijacked' }) },
  'crm.notes.archive': { expect: 'not_found', call: (b, a) => b.crm.notes.archive({ id: a.note }) },
  'crm.notes.list': { expect: 'not_found', call: (b, a) => b.crm.notes.list({ subjectType: 'client', subjectId: a.client }) },
  'crm.customFields.list': { expect: 'empty', call: (b) => b.crm.customFields.list({}) },
  'crm.customFields.create': {
    expect: 'own',
    call: (b) => b.crm.customFields.create({ entity: 'client', key: 'b_only', label: 'B only', type: 'text' }),
  },
  'crm.customFields.update': { expect: 'not_found', call: (b, a) => b.crm.customFields.update({ id: a.customField, label: 'Hijacked' }) },
  'crm.customFields.archive': { expect: 'not_found', call: (b, a) => b.crm.customFields.archive({ id: a.customField }) },
  'crm.tags.list': { expect: 'empty', call: (b) => b.crm.tags.list() },
  'crm.pipelines.getDefault': { expect: 'own', call: (b) => b.crm.pipelines.getDefault() },
  'crm.pipelines.updateStages': {
    expect: 'not_found',
    call: (b, a) =>
      b.crm.pipelines.updateStages({
        stages: [
          { id: a.stage, name: 'Hijacked', kind: 'open' },
          { name: 'W', kind: 'won' },
          { name: 'L', kind: 'lost' },
        ],
      }),
  },
  'crm.deals.create': { expect: 'not_found', call: (b, a) => b.crm.deals.create({ clientId: a.client, title: 'Planted deal', currency: 'EUR' }) },
  'crm.deals.update': { expect: 'not_found', call: (b, a) => b.crm.deals.update({ id: a.deal, title: 'Hijacked' }) },
  'crm.deals.get': { expect: 'not_found', call: (b, a) => b.crm.deals.get({ id: a.deal }) },
  'crm.deals.list': { expect: 'not_found', call: (b, a) => b.crm.deals.list({ clientId: a.client }) },
  'crm.deals.board': {
    expect: 'own',
    call: async (b) => {
      const board = await b.crm.deals.board();
      expect(board.columns.flatMap((column) => column.deals)).toEqual([]);
      return board;
    },
  },
  'crm.deals.moveStage': { expect: 'not_found', call: (b, a) => b.crm.deals.moveStage({ id: a.deal, stageId: a.stage }) },
  'crm.deals.markWon': { expect: 'not_found', call: (b, a) => b.crm.deals.markWon({ id: a.deal }) },
  'crm.deals.markLost': { expect: 'not_found', call: (b, a) => b.crm.deals.markLost({ id: a.deal, reason: 'Hijacked' }) },
  'crm.deals.archive': { expect: 'not_found', call: (b, a) => b.crm.deals.archive({ id: a.deal }) },
  'crm.engagements.create': { expect: 'not_found', call: (b, a) => b.crm.engagements.create({ clientId: a.client }) },
  'crm.engagements.get': { expect: 'not_found', call: (b, a) => b.crm.engagements.get({ id: a.engagement }) },
  'crm.engagements.list': { expect: 'not_found', call: (b, a) => b.crm.engagements.list({ clientId: a.client }) },
  'crm.duplicates.list': { expect: 'empty', call: (b) => b.crm.duplicates.list({ kind: 'client' }) },
  'crm.imports.create': {
    expect: 'own',
    call: (b) => b.crm.imports.create({ kind: 'clients', csv: 'name\nB Imported\n', mapping: { name: 'name' } }),
  },
  'crm.imports.get': { expect: 'not_found', call: (b, a) => b.crm.imports.get({ id: a.import }) },
  'crm.imports.list': { expect: 'empty', call: (b) => b.crm.imports.list() },

  // ---------------------------------------------------------------- identity (tenant procedures and the ones naming an organization)
  // Switching to A's organization: B is no member of it.
  'identity.auth.switchOrganization': { expect: 'not_found', call: (b, a) => b.identity.auth.switchOrganization({ organizationId: a.organization }) },
  'identity.organizations.list': { expect: 'empty', call: (b) => b.identity.organizations.list() },
  'identity.members.list': { expect: 'empty', call: (b) => b.identity.members.list() },
  'identity.members.changeRole': { expect: 'not_found', call: (b, a) => b.identity.members.changeRole({ userId: a.member, role: 'admin' }) },
  'identity.members.remove': { expect: 'not_found', call: (b, a) => b.identity.members.remove({ userId: a.member }) },
  'identity.invitations.create': { expect: 'own', call: (b) => b.identity.invitations.create({ email: 'own-invitee@isolation.test', role: 'member' }) },
  'identity.invitations.list': { expect: 'empty', call: (b) => b.identity.invitations.list() },
  'identity.invitations.revoke': { expect: 'not_found', call: (b, a) => b.identity.invitations.revoke({ invitationId: a.invitation }) },
  'identity.apiKeys.create': {
    expect: 'own',
    call: (b) => b.identity.apiKeys.create({ name: 'B own key', role: 'viewer', expiresAt: new Date(Date.now() + 86_400_000).toISOString() }),
  },
  'identity.apiKeys.list': { expect: 'empty', call: (b) => b.identity.apiKeys.list() },
  'identity.apiKeys.revoke': { expect: 'not_found', call: (b, a) => b.identity.apiKeys.revoke({ apiKeyId: a.apiKey }) },
  'identity.roles.matrix': { expect: 'own', call: (b) => b.identity.roles.matrix() },
  'identity.roles.setOverride': {
    expect: 'own',
    call: (b) => b.identity.roles.setOverride({ role: 'member', permission: 'crm.client.write', granted: false }),
  },

  // ---------------------------------------------------------------- platform (dead letters and replay of the tenant's own events)
  'platform.events.deadLetters.list': { expect: 'empty', call: (b) => b.platform.events.deadLetters.list({}) },
  'platform.events.deadLetters.get': { expect: 'not_found', call: (b, a) => b.platform.events.deadLetters.get({ id: a.deadLetter }) },
  'platform.events.deadLetters.redrive': { expect: 'not_found', call: (b, a) => b.platform.events.deadLetters.redrive({ id: a.deadLetter }) },
  'platform.events.deadLetters.redriveAll': { expect: 'own', call: (b, a) => b.platform.events.deadLetters.redriveAll({ subscription: a.subscription }) },
  // Replaying from A's event id: the event is not in the caller's outbox, so nothing is enqueued.
  'platform.events.replay': {
    expect: 'own',
    call: async (b, a) => {
      await expect(b.platform.events.replay({ subscription: a.subscription, from: a.event })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      return null;
    },
  },
  // ---------------------------------------------------------------- platform integrations (the connections registry)
  'platform.integrations.connections.list': { expect: 'empty', call: (b) => b.platform.integrations.connections.list({ includeDisconnected: true }) },
  'platform.integrations.connections.get': { expect: 'not_found', call: (b, a) => b.platform.integrations.connections.get({ id: a.connection }) },
  'platform.integrations.connections.disconnect': { expect: 'not_found', call: (b, a) => b.platform.integrations.connections.disconnect({ id: a.connection }) },
  'platform.integrations.connections.retry': { expect: 'not_found', call: (b, a) => b.platform.integrations.connections.retry({ id: a.connection }) },
  // Reconnecting A's connection from B: not found before any state is stored.
  'platform.integrations.oauth.start': {
    expect: 'not_found',
    call: (b, a) => b.platform.integrations.oauth.start({ provider: 'xero', connectionId: a.connection }),
  },
  'platform.integrations.oauth.providers': { expect: 'own', call: (b) => b.platform.integrations.oauth.providers() },
};

/**
 * Procedures that take no tenant id at all: there is nothing of another tenant to pass them.
 * Each entry says why; everything else needs a case.
 */
const EXEMPT: Record<string, string> = {
  // Public, before any session or tenant: a new user and a new organization.
  'identity.auth.signUp': 'public: creates a new user and organization, names no existing tenant',
  'identity.auth.login': 'public: email and password only, no tenant id',
  // Session-scoped: they act on the caller's own user and session, never on a tenant's records.
  'identity.auth.logout': "session-scoped: ends the caller's own session",
  'identity.auth.me': "session-scoped: reads the caller's own session",
  'identity.auth.changePassword': "session-scoped: the caller's own password",
  // My account's sessions are per user (users and sessions are global rows): proven user against user in identity/test/account.test.ts.
  'identity.account.sessions': "session-scoped: lists the caller's own sessions only",
  'identity.account.endSession': "session-scoped: ends one of the caller's own sessions; another user's handle is NOT_FOUND",
  'identity.account.endOtherSessions': "session-scoped: ends the caller's own other sessions",
  'identity.auth.requestPasswordReset': 'public: an email only, same answer for every address, names no tenant',
  'identity.auth.checkPasswordReset': 'token-addressed: the 256-bit reset token is the only key, users are global',
  'identity.auth.resetPassword': 'token-addressed: the 256-bit reset token is the only key, users are global',
  'identity.organizations.create': 'session-scoped: creates a new organization, names no existing tenant',
  // Addressed by the invitation token: the token is the capability, joining another tenant is the feature.
  'identity.invitations.preview': 'public, by invitation token: shows the organization the token invites to',
  'identity.invitations.accept': 'by invitation token: joining the inviting tenant is what it does',
  // Needs a reachable IMAP and SMTP server to succeed (the connection test); the account row is written under B's RLS like any other.
  'communications.accounts.connectImap':
    "own-only and server-dependent: connects the caller's own mailbox; proven against dovecot in packages/domains/communications/test/imap-sync.test.ts",
  'identity.invitations.acceptWithSignUp': 'public, by invitation token: signs up into the inviting tenant',
  // Addressed by a file request token: the token names one request and can only upload into it.
  'files.requestLinks.open': 'public, by file request token: shows the limits of the one request the token names',
  'files.requestLinks.createUpload': 'public, by file request token: an upload form into the one request the token names',
  'files.requestLinks.completeUpload': "public, by file request token: completes that request's own upload only",
  'files.requestLinks.finish': 'public, by file request token: finishes the one request the token names',
  'agreements.signing.view': 'public, by signing token: the one contract the token names, to its one signer',
  'agreements.signing.sign': 'public, by signing token: signs as the one signer the token names',
  'agreements.signing.decline': 'public, by signing token: declines as the one signer the token names',
  // The client portal's own side (§3): a portal session's tenant and client come from its cookie,
  // never from input; a staff session is refused. Covered by portal-principal.test.ts (both ways,
  // every procedure) and packages/domains/portal/test/views.test.ts (client A with B's and another tenant's ids).
  'portal.auth.branding': 'public, by portal address: the branding of the one portal the address names',
  'portal.auth.requestLink': 'public, by portal address and email: the same answer whoever asks',
  'portal.auth.consume': 'public, by magic-link token: the token names one portal user of one tenant',
  'portal.auth.logout': "portal-session-scoped: ends the caller's own portal sessions",
  'portal.me.profile': "portal-session-scoped: the session's own client",
  'portal.me.home': "portal-session-scoped: the session's own client",
  'portal.me.projects': "portal-session-scoped: the session's own client",
  'portal.me.files': "portal-session-scoped: the session's own client",
  'portal.me.download': "portal-session-scoped: a file shared with the session's own client",
  'portal.me.requests.createUpload': "portal-session-scoped: an open file request of the session's own client",
  'portal.me.requests.completeUpload': "portal-session-scoped: an open file request of the session's own client",
  'portal.me.requests.finish': "portal-session-scoped: an open file request of the session's own client",
  'portal.me.approvals.list': "portal-session-scoped: the session's own client",
  'portal.me.approvals.decide': "portal-session-scoped: the session's own client",
  'portal.me.invoices.list': "portal-session-scoped: the session's own client's issued invoices",
  'portal.me.invoices.get': "portal-session-scoped: an issued invoice of the session's own client",
  'portal.me.invoices.downloadUrl': "portal-session-scoped: the PDF of an issued invoice of the session's own client",
  'portal.me.proposals.list': "portal-session-scoped: the session's own client (agreements' action filters by it)",
  'portal.me.proposals.get': "portal-session-scoped: a proposal sent to the session's own client",
  'portal.me.proposals.accept': "portal-session-scoped: a proposal sent to the session's own client",
  'portal.me.proposals.decline': "portal-session-scoped: a proposal sent to the session's own client",
  'scheduling.booking.page': 'public, by site and page slug: the active types of that one page',
  'scheduling.booking.slots': 'public, by site and page slug: free times of one type of that page',
  'scheduling.booking.book': 'public, by site and page slug: books into the tenant the slug names',
  'scheduling.booking.appointment': 'public, by manage token: the one appointment the token names',
  'scheduling.booking.manageSlots': 'public, by manage token: free times to move the one appointment the token names',
  'scheduling.booking.reschedule': 'public, by manage token: moves the one appointment the token names',
  'scheduling.booking.cancel': 'public, by manage token: cancels the one appointment the token names',
};

// ---------------------------------------------------------------- the modules' own cases
type AnySuite = CrossTenantSuite<unknown, unknown>;

function isSuite(value: unknown): value is AnySuite {
  if (!value || typeof value !== 'object') return false;
  const suite = value as Record<string, unknown>;
  return (
    typeof suite.createCaller === 'function' &&
    typeof suite.setup === 'function' &&
    typeof suite.snapshot === 'function' &&
    typeof suite.cases === 'object' &&
    suite.cases !== null
  );
}

const domainsDir = path.join(repoRoot, 'packages/domains');
const casesFileOf = (name: string): string => path.join(domainsDir, name, 'test/cross-tenant.cases.ts');

/** Every registered module's own suite, keyed by module name. */
const suites = new Map<string, AnySuite>();
for (const module of modules) {
  const file = casesFileOf(module.name);
  if (!existsSync(file)) continue;
  const loaded = (await import(pathToFileURL(file).href)) as { crossTenantCases?: unknown };
  if (!isSuite(loaded.crossTenantCases))
    throw new Error(`${file} must export crossTenantCases = defineCrossTenantCases({ createCaller, setup, snapshot, cases })`);
  suites.set(module.name, loaded.crossTenantCases);
}

/** Where each procedure's isolation is proven. */
type Coverage = { kind: 'host'; testCase: Case } | { kind: 'module'; module: string; testCase: CrossTenantCase<unknown, unknown> };

const coverage = new Map<string, Coverage[]>();
const cover = (procedurePath: string, entry: Coverage) => coverage.set(procedurePath, [...(coverage.get(procedurePath) ?? []), entry]);
for (const [procedurePath, testCase] of Object.entries(cases)) cover(procedurePath, { kind: 'host', testCase });
for (const [module, suite] of suites) {
  for (const [key, testCase] of Object.entries(suite.cases)) cover(`${module}.${key}`, { kind: 'module', module, testCase });
}

function isEmptyResult(result: unknown): boolean {
  if (Array.isArray(result)) return result.length === 0;
  if (result && typeof result === 'object') {
    const record = result as Record<string, unknown>;
    if (Array.isArray(record.items)) return record.items.length === 0;
    if (Array.isArray(record.groups)) return record.groups.length === 0;
  }
  return false;
}

const procedurePaths = Object.keys(appRouter._def.procedures as Record<string, unknown>).sort();
const moduleCaseCount = [...coverage.values()].flat().filter((entry) => entry.kind === 'module').length;

let testDb: TestDatabase;
let boss: PgBoss;
let runtime: DomainRuntime;
let contexts: { a: Context; b: Context; c: Context };
let a: Caller;
let b: Caller;
let c: Caller;
let fixture: Fixture;
/** Tenant A and C are organizations (signed up in beforeAll); B has no records at all. */
let tenantA: string;
const tenantB = uuidv7();
/** Each module suite's callers and the fixture its setup made in tenant A. */
const suiteRuns = new Map<string, { a: unknown; b: unknown; c: unknown; fixture: unknown }>();

async function outboxCount(tenantId: string): Promise<number> {
  return withTenant(testDb.db, { tenantId }, async (trx) => {
    const result = await sql<{ n: number }>`SELECT count(*)::int AS n FROM platform.outbox`.execute(trx);
    return result.rows[0]?.n ?? -1;
  });
}

/**
 * Everything tenant A can see of its fixtures, the host's and every module suite's, to prove a
 * B call changed none of it.
 */
async function snapshotOfA(): Promise<string> {
  const f = fixture;
  const ofModules: Record<string, unknown> = {};
  for (const [module, suite] of suites) {
    const run = suiteRuns.get(module);
    if (run) ofModules[module] = await suite.snapshot(run.a, run.fixture);
  }
  const state = {
    outbox: await outboxCount(tenantA),
    clients: [await a.crm.clients.get({ id: f.client }), await a.crm.clients.get({ id: f.client2 })],
    contact: await a.crm.contacts.get({ id: f.contact }),
    notes: await a.crm.notes.list({ subjectType: 'client', subjectId: f.client }),
    customFields: await a.crm.customFields.list({}),
    deal: await a.crm.deals.get({ id: f.deal }),
    engagement: await a.crm.engagements.get({ id: f.engagement }),
    members: await a.identity.members.list(),
    invitations: await a.identity.invitations.list(),
    apiKeys: await a.identity.apiKeys.list(),
    roles: await a.identity.roles.matrix(),
    deadLetters: await a.platform.events.deadLetters.list({}),
    deadLetter: await a.platform.events.deadLetters.get({ id: f.deadLetter }),
    connection: await a.platform.integrations.connections.get({ id: f.connection }),
    modules: ofModules,
  };
  return JSON.stringify(state);
}

const PASSWORD = 'isolation password 123';

/** Signs up an owner and their organization through identity, as a real tenant starts. */
async function signUpTenant(name: string): Promise<{ userId: string; email: string; tenantId: string }> {
  const anonymous = createCaller(testContext({ db: testDb.db, runtime }));
  const email = `${name.toLowerCase().replaceAll(' ', '-')}@isolation.test`;
  const result = await anonymous.identity.auth.signUp({ email, password: PASSWORD, name, organizationName: `${name} Org` });
  if (!result.activeOrganization) throw new Error(`${name} signed up without an organization`);
  return { userId: result.user.id, email, tenantId: result.activeOrganization.id };
}

function ownerContext(user: { userId: string; email?: string }, tenantId: string): Context {
  const session: SessionInfo = testSession({ userId: user.userId, tenantId, role: 'owner', modules, ...(user.email ? { email: user.email } : {}) });
  return testContext({ db: testDb.db, session, runtime });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  ({ boss } = await startTestBoss(testDb.appUrl));
  const subscriptions = collectSubscriptions(modules);
  await ensureSubscriptionQueues(boss, subscriptions);
  runtime = createDomainRuntime(modules, { boss, subscriptions });
  const ownerA = await signUpTenant('Tenant A');
  const ownerC = await signUpTenant('Tenant C');
  tenantA = ownerA.tenantId;
  contexts = { a: ownerContext(ownerA, tenantA), b: ownerContext({ userId: uuidv7() }, tenantB), c: ownerContext(ownerC, ownerC.tenantId) };
  a = createCaller(contexts.a);
  b = createCaller(contexts.b);
  c = createCaller(contexts.c);
  const client = await a.crm.clients.create({ name: 'Isolation Client', tags: ['vip'] });
  const client2 = await a.crm.clients.create({ name: 'Isolation Client Two' });
  const contact = await a.crm.contacts.create({ name: 'Isolation Contact', email: 'iso@example.test', clients: [{ clientId: client.id }] });
  const contact2 = await a.crm.contacts.create({ name: 'Isolation Contact Two', email: 'iso2@example.test' });
  const note = await a.crm.notes.create({ subjectType: 'client', subjectId: client.id, body: 'A private note' });
  const customField = await a.crm.customFields.create({ entity: 'client', key: 'tier', label: 'Tier', type: 'text' });
  const pipeline = await a.crm.pipelines.getDefault();
  const stage = pipeline.stages.at(-1)?.id ?? pipeline.stages[0]?.id ?? '';
  const deal = await a.crm.deals.create({ clientId: client.id, title: 'Isolation Deal', currency: 'EUR' });
  const engagement = await a.crm.engagements.create({ clientId: client.id, dealId: deal.id });
  const imported = await a.crm.imports.create({ kind: 'clients', csv: 'name\nImported A\n', mapping: { name: 'name' } });

  // A member who joined A through an invitation, and an invitation still pending.
  const joining = await a.identity.invitations.create({ email: 'member@isolation.test', role: 'member' });
  const anonymous = createCaller(testContext({ db: testDb.db, runtime }));
  const joined = await anonymous.identity.invitations.acceptWithSignUp({ token: joining.token, name: 'Member', password: PASSWORD });
  const pending = await a.identity.invitations.create({ email: 'pending@isolation.test', role: 'viewer' });
  const apiKey = await a.identity.apiKeys.create({ name: 'Isolation key', role: 'viewer', expiresAt: new Date(Date.now() + 86_400_000).toISOString() });

  // One of A's events, and a dead letter of it, as the event backbone leaves them.
  const event = await withTenant(testDb.db, { tenantId: tenantA }, async (trx) => {
    const result = await sql<{ id: string; type: string; payload: unknown }>`SELECT id, type, payload FROM platform.outbox ORDER BY position LIMIT 1`.execute(
      trx,
    );
    const row = result.rows[0];
    if (!row) throw new Error("tenant A's outbox is empty");
    return row;
  });
  const subscription = subscriptions[0];
  if (!subscription) throw new Error('no module declares a subscription: nothing to dead-letter');
  const deadLetter = await boss.send(deadLetterQueueName(subscription.name), {
    id: event.id,
    tenant_id: tenantA,
    type: event.type,
    version: 1,
    payload: event.payload,
    actor_id: null,
    aggregate_type: 'crm.client',
    aggregate_id: client.id,
    occurred_at: new Date().toISOString(),
    correlation_id: uuidv7(),
    causation_id: null,
  });
  if (!deadLetter) throw new Error('pg-boss did not take the dead letter');

  // One of A's integration connections, stored as the OAuth callback stores it.
  const connection = await withTenant(testDb.db, { tenantId: tenantA }, (trx) =>
    saveOAuthConnection(
      createDomainContext({ trx, tenantId: tenantA, actorId: ownerA.userId, correlationId: uuidv7(), log: contexts.a.log }),
      vaultFromConfig(contexts.a.config),
      {
        provider: 'xero',
        accountLabel: 'Isolation Books',
        externalAccountId: 'isolation-xero-tenant',
        ownerUserId: ownerA.userId,
        scopes: ['accounting.transactions'],
        credentials: { accessToken: 'isolation-access', refreshToken: 'isolation-refresh', expiresAt: null, tokenType: 'Bearer' },
        connectionId: null,
      },
    ),
  );

  fixture = {
    client: client.id,
    client2: client2.id,
    contact: contact.id,
    contact2: contact2.id,
    note: note.id,
    customField: customField.id,
    stage,
    deal: deal.id,
    engagement: engagement.id,
    import: imported.id,
    organization: tenantA,
    member: joined.user.id,
    invitation: pending.invitation.id,
    apiKey: apiKey.apiKey.id,
    deadLetter,
    subscription: subscription.name,
    event: event.id,
    connection: connection.id,
  };

  for (const [module, suite] of suites) {
    const callers = { a: suite.createCaller(contexts.a), b: suite.createCaller(contexts.b), c: suite.createCaller(contexts.c) };
    suiteRuns.set(module, { ...callers, fixture: await suite.setup(callers.a, (refs) => seedReferences(testDb.db, tenantA, refs)) });
  }
});

afterAll(async () => {
  await boss?.stop({ graceful: false, close: true });
  await testDb?.drop();
});

/** B with A's ids: NOT_FOUND / empty / (by C) its own; B writes nothing; A's snapshot unchanged. */
async function expectIsolated(procedurePath: string, expectation: CrossTenantExpectation, call: (caller: 'b' | 'c') => Promise<unknown>): Promise<void> {
  const before = await snapshotOfA();
  const outboxB = await outboxCount(tenantB);
  if (expectation === 'not_found') {
    await expect(call('b')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  } else if (expectation === 'bad_request') {
    await expect(call('b')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  } else {
    const result = await call(expectation === 'own' ? 'c' : 'b');
    if (expectation === 'empty') expect(isEmptyResult(result), `${procedurePath} returned ${JSON.stringify(result)}`).toBe(true);
  }
  expect(await outboxCount(tenantB)).toBe(outboxB);
  expect(await snapshotOfA()).toBe(before);
}

describe('cross-tenant isolation of every procedure of every module', () => {
  it(`covers all ${procedurePaths.length} procedures: ${Object.keys(cases).length} host cases, ${moduleCaseCount} cases of ${suites.size} modules' own files, ${Object.keys(EXEMPT).length} exempt`, () => {
    expect(procedurePaths.length).toBeGreaterThan(100);
    const known = new Set(procedurePaths);
    // Every procedure has a case or an exemption...
    expect(procedurePaths.filter((procedurePath) => !coverage.has(procedurePath) && !EXEMPT[procedurePath])).toEqual([]);
    // ...exactly one of them...
    expect(procedurePaths.filter((procedurePath) => (coverage.get(procedurePath)?.length ?? 0) + (EXEMPT[procedurePath] ? 1 : 0) > 1)).toEqual([]);
    // ...and no case or exemption names a procedure that does not exist.
    expect([...coverage.keys(), ...Object.keys(EXEMPT)].filter((procedurePath) => !known.has(procedurePath))).toEqual([]);
  });

  it('loads the cases file of every registered module that has one, and no file of an unregistered one', () => {
    const withFile = readdirSync(domainsDir).filter((name) => existsSync(casesFileOf(name)));
    const registered = new Set<string>(modules.map((module) => module.name));
    expect(withFile.filter((name) => !registered.has(name))).toEqual([]);
    expect([...suites.keys()].sort()).toEqual(withFile.sort());
  });

  for (const procedurePath of procedurePaths) {
    if (EXEMPT[procedurePath]) continue;
    it(`${procedurePath} as another tenant`, async () => {
      const [entry] = coverage.get(procedurePath) ?? [];
      if (!entry) {
        throw new Error(
          `No cross-tenant case for ${procedurePath}: add one to packages/domains/<module>/test/cross-tenant.cases.ts or apps/api/test/cross-tenant.test.ts`,
        );
      }
      if (entry.kind === 'host') {
        const callers = { b, c };
        await expectIsolated(procedurePath, entry.testCase.expect, (who) => entry.testCase.call(callers[who], fixture));
        return;
      }
      const run = suiteRuns.get(entry.module);
      if (!run) throw new Error(`the ${entry.module} suite was not set up`);
      await expectIsolated(procedurePath, entry.testCase.expect, (who) => entry.testCase.call(run[who], run.fixture));
    });
  }
});
