import {
  getSystemMail,
  listSystemMail,
  createCallerFactory,
  createDomainContext,
  createDomainRuntime,
  createLogger,
  platformModule,
  readOutbox,
  uuidv7,
  withTenant,
  type EventContract,
  type EventEnvelope,
  type PortalSessionInfo,
  type Role,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { RecordingCookieJar, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import * as crm from '@ubos/crm/contracts';
import * as files from '@ubos/files/contracts';
import { organizationCreated } from '@ubos/identity/contracts';
import * as projects from '@ubos/projects/contracts';
import { portalSubscriptions } from '../src/handlers.ts';
import { portalModule } from '../src/module.ts';
import { portalRouter } from '../src/router.ts';
import { PORTAL_COOKIE_NAME, resolvePortalSession } from '../src/sessions.ts';

/** What the portal tests share: staff callers, anonymous and portal callers, delivered events, the mailbox. */

export const createCaller = createCallerFactory(portalRouter);
export const silent = createLogger({ level: 'silent' });
const runtime = createDomainRuntime([platformModule, portalModule], null, {});

export function staff(db: TestDatabase, tenantId: string, role: Role = 'owner') {
  const userId = uuidv7();
  const session = testSession({ userId, tenantId, role, modules: [portalModule] });
  return { userId, caller: createCaller(testContext({ db: db.db, session, runtime })) };
}

/** A caller with no session (the sign-in page), with its own IP so rate limits stay apart. */
export function anonymous(
  db: TestDatabase,
  ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
) {
  const cookies = new RecordingCookieJar();
  return { cookies, caller: createCaller(testContext({ db: db.db, session: null, runtime, ip, cookies })) };
}

export function portalCaller(db: TestDatabase, portal: PortalSessionInfo) {
  const cookies = new RecordingCookieJar();
  return { cookies, caller: createCaller(testContext({ db: db.db, session: null, portal, runtime, cookies })) };
}

export function inTenant<T>(db: TestDatabase, tenantId: string, fn: (trx: Transaction<UntypedDB>) => Promise<T>): Promise<T> {
  return withTenant(db.db, { tenantId }, fn);
}

/** Hands an event of another domain to the portal's subscriptions, as the runner would. */
export async function deliver<P extends Record<string, unknown>>(
  db: TestDatabase,
  tenantId: string,
  contract: EventContract<string, P>,
  payload: P,
  aggregateId: string,
) {
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
  for (const subscription of portalSubscriptions) {
    if (!subscription.events.includes(event.type)) continue;
    const tasks: (() => Promise<void>)[] = [];
    await withTenant(db.db, { tenantId }, (trx) =>
      subscription.handle(
        event,
        createDomainContext({ trx, tenantId, actorId: null, correlationId: event.correlation_id, log: silent, afterCommit: (task) => tasks.push(task) }),
      ),
    );
    for (const task of tasks) await task();
  }
}

export interface ClientFixture {
  clientId: string;
  contactId: string;
  email: string;
}

/** An organization with its portal address, as identity's organization.created makes it. */
export async function organization(db: TestDatabase, name: string, tenantId: string = uuidv7()): Promise<{ tenantId: string; slug: string }> {
  await deliver(db, tenantId, organizationCreated, { organization_id: tenantId, name, created_by: uuidv7() }, tenantId);
  const slug = await inTenant(db, tenantId, async (trx) => {
    const row = await trx
      .selectFrom('portal.organizations' as never)
      .select('slug' as never)
      .executeTakeFirstOrThrow();
    return (row as { slug: string }).slug;
  });
  return { tenantId, slug };
}

/** A crm client with one contact, delivered as crm's events. */
export async function client(db: TestDatabase, tenantId: string, name: string, email = `${uuidv7()}@client.test`): Promise<ClientFixture> {
  const clientId = uuidv7();
  const contactId = uuidv7();
  await deliver(
    db,
    tenantId,
    crm.clientCreated,
    { client_id: clientId, name, domain: null, website: null, status: 'active', owner_id: null, tags: [], custom_fields: {} },
    clientId,
  );
  await deliver(
    db,
    tenantId,
    crm.contactCreated,
    {
      contact_id: contactId,
      client_id: clientId,
      client_ids: [clientId],
      relationships: [{ client_id: clientId, role: null }],
      name: `${name} Contact`,
      email,
      email_normalized: email.toLowerCase(),
      phone: null,
      title: null,
      owner_id: null,
      tags: [],
      custom_fields: {},
    },
    contactId,
  );
  return { clientId, contactId, email: email.toLowerCase() };
}

export async function project(db: TestDatabase, tenantId: string, clientId: string, name: string, tasks: { title: string; done?: boolean }[] = []) {
  const projectId = uuidv7();
  await deliver(
    db,
    tenantId,
    projects.projectCreated,
    {
      project_id: projectId,
      client_id: clientId,
      engagement_id: null,
      template_id: null,
      name,
      status: 'active',
      start_date: '2026-12-01',
      due_date: '2027-01-31',
    },
    projectId,
  );
  const taskIds: string[] = [];
  for (const task of tasks) {
    const taskId = uuidv7();
    taskIds.push(taskId);
    await deliver(
      db,
      tenantId,
      projects.taskCreated,
      {
        task_id: taskId,
        project_id: projectId,
        client_id: clientId,
        title: task.title,
        status: task.done ? 'done' : 'open',
        assignee_id: null,
        due_date: null,
        column_id: uuidv7(),
        milestone_id: null,
      },
      taskId,
    );
  }
  const milestoneId = uuidv7();
  await deliver(
    db,
    tenantId,
    projects.milestoneCreated,
    { milestone_id: milestoneId, project_id: projectId, client_id: clientId, name: `${name} launch`, due_date: '2027-01-15' },
    milestoneId,
  );
  return { projectId, taskIds, milestoneId };
}

export async function folder(db: TestDatabase, tenantId: string, clientId: string | null, name: string, parentId: string | null = null) {
  const folderId = uuidv7();
  await deliver(
    db,
    tenantId,
    files.folderCreated,
    { folder_id: folderId, parent_id: parentId, name, client_id: clientId, project_id: null, template_id: null, created_by: null },
    folderId,
  );
  return folderId;
}

export async function file(
  db: TestDatabase,
  tenantId: string,
  clientId: string | null,
  folderId: string,
  name: string,
  version = 1,
  fileId: string = uuidv7(),
) {
  const contract = version === 1 ? files.fileUploaded : files.fileVersioned;
  await deliver(
    db,
    tenantId,
    contract,
    {
      file_id: fileId,
      folder_id: folderId,
      name,
      client_id: clientId,
      project_id: null,
      version,
      size: 1000 * version,
      content_type: 'application/pdf',
      sha256: `${String(version).padStart(2, '0')}${'a'.repeat(62)}`,
      uploaded_by: null,
      request_id: null,
      uploader_name: null,
      uploader_email: null,
    },
    fileId,
  );
  return fileId;
}

export async function fileRequest(db: TestDatabase, tenantId: string, clientId: string, folderId: string, label: string) {
  const requestId = uuidv7();
  await deliver(
    db,
    tenantId,
    files.requestCreated,
    {
      request_id: requestId,
      label,
      folder_id: folderId,
      client_id: clientId,
      project_id: null,
      max_files: 5,
      max_bytes_per_file: 1000000,
      expires_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      created_by: null,
    },
    requestId,
  );
  return requestId;
}

/** The mail sent to `email`, newest first, from the tenant's outgoing-mail log (the mail port's). */
export async function mailsTo(db: TestDatabase, tenantId: string, email: string) {
  return inTenant(db, tenantId, async (trx) => {
    const ctx = createDomainContext({ trx, tenantId, actorId: null, correlationId: uuidv7(), log: silent });
    const { items } = await listSystemMail(ctx, { limit: 100, to: email });
    return Promise.all(items.map((item) => getSystemMail(ctx, item.id)));
  });
}

/** The last magic link mailed to `email`, read from the email's text: its token and path. */
export async function lastLink(db: TestDatabase, tenantId: string, email: string): Promise<{ url: string; token: string; slug: string }> {
  const [mail] = (await mailsTo(db, tenantId, email)).filter((item) => item.template === 'magic_link');
  const match = mail?.text.match(/\/portal\/([a-z0-9-]+)\/sign-in\?token=([A-Za-z0-9_-]{43})/);
  if (!match?.[1] || !match[2]) throw new Error(`no magic link mailed to ${email}`);
  return { url: match[0], token: match[2], slug: match[1] };
}

/** Invites the contact and signs in with the mailed link: the portal principal. */
export async function signIn(db: TestDatabase, tenantId: string, fixture: ClientFixture): Promise<PortalSessionInfo & { cookie: string }> {
  await staff(db, tenantId).caller.users.invite({ contactId: fixture.contactId });
  const { token, slug } = await lastLink(db, tenantId, fixture.email);
  const visitor = anonymous(db);
  await visitor.caller.auth.consume({ tenantSlug: slug, token });
  const cookie = visitor.cookies.get(PORTAL_COOKIE_NAME);
  if (!cookie) throw new Error('no portal cookie set');
  const session = await resolvePortalSession(db.db, cookie);
  if (!session) throw new Error('portal session did not resolve');
  return { ...session, cookie };
}

export function outbox(db: TestDatabase, tenantId: string, types: string[]) {
  return inTenant(db, tenantId, (trx) => readOutbox(trx, { types }));
}
