import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  createCallerFactory,
  createDomainContext,
  createDomainRuntime,
  createLogger,
  LocalBlobStore,
  platformModule,
  readOutbox,
  uuidv7,
  withTenant,
  type KernelServices,
  type Role,
  type Scanner,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { seedReferences, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import type { UploadTicketDto } from '../src/contracts.ts';
import { filesModule } from '../src/module.ts';
import { filesRouter } from '../src/router.ts';

/** What the files tests share: a local blob store in a temp dir, callers per role, an anonymous caller, outbox reads. */

export const createCaller = createCallerFactory(filesRouter);
export const silent = createLogger({ level: 'silent' });

export interface Harness {
  store: LocalBlobStore;
  services: KernelServices;
  close(): Promise<void>;
}

export async function openStore(scanner?: Scanner): Promise<Harness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ubos-files-test-'));
  const store = await LocalBlobStore.open({ dataDir, signingKey: 'test-signing-key-of-the-files-domain' });
  return {
    store,
    services: scanner ? { blobs: store, scanner } : { blobs: store },
    close: () => rm(dataDir, { recursive: true, force: true }),
  };
}

export function actor(db: TestDatabase, services: KernelServices, role: Role = 'owner', tenantId: string = uuidv7()) {
  const userId = uuidv7();
  const session = testSession({ userId, tenantId, role, modules: [filesModule] });
  const runtime = createDomainRuntime([platformModule, filesModule], null, services);
  return { tenantId, userId, caller: createCaller(testContext({ db: db.db, session, runtime })) };
}

/** A client (or project) id known in the tenant's reference registry, as crm (or projects) would register it. */
export async function aClient(db: TestDatabase, tenantId: string): Promise<string> {
  const [id] = await seedReferences(db.db, tenantId, [{ kind: 'crm.client' }]);
  return id as string;
}
export async function aProject(db: TestDatabase, tenantId: string): Promise<string> {
  const [id] = await seedReferences(db.db, tenantId, [{ kind: 'projects.project' }]);
  return id as string;
}

/** A caller with no session, as the public request page is (its own IP, so rate limits stay apart). */
export function anonymous(db: TestDatabase, services: KernelServices, ip = `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`) {
  const runtime = createDomainRuntime([platformModule, filesModule], null, services);
  return createCaller(testContext({ db: db.db, session: null, runtime, ip }));
}

export function inTenant<T>(db: TestDatabase, tenantId: string, fn: (trx: Transaction<UntypedDB>) => Promise<T>): Promise<T> {
  return withTenant(db.db, { tenantId }, fn);
}

export function domainContext(trx: Transaction<UntypedDB>, tenantId: string, services: KernelServices = {}, actorId: string | null = null) {
  return createDomainContext({ trx, tenantId, actorId, correlationId: 'test', log: silent, services });
}

export function events(db: TestDatabase, tenantId: string, types: string[]) {
  return inTenant(db, tenantId, (trx) => readOutbox(trx, { types }));
}

/** Sends the bytes as a browser would: the signed form's fields, then the file, to the store's POST endpoint. */
export async function postForm(store: LocalBlobStore, ticket: UploadTicketDto, bytes: Buffer, contentType: string): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(bytes)], { type: contentType }), 'upload.bin');
  const request = new Request('http://127.0.0.1/blobs', { method: 'POST', body: form });
  const body = Buffer.from(await request.arrayBuffer());
  await store.receivePost({ 'content-type': request.headers.get('content-type') ?? '' }, Readable.from([body]));
}

/** Follows a signed download URL through the store's own checks (what the host's /blobs route does). */
export async function download(store: LocalBlobStore, url: string): Promise<{ headers: Record<string, string>; body: Buffer }> {
  const parsed = new URL(url, 'http://127.0.0.1');
  const key = decodeURIComponent(parsed.pathname.replace(/^\/blobs\//, ''));
  const authorized = store.authorizeGet(key, Object.fromEntries(parsed.searchParams));
  const served = await store.serve(key, authorized);
  const chunks: Buffer[] = [];
  for await (const chunk of served.body) chunks.push(Buffer.from(chunk as Buffer));
  return { headers: served.headers, body: Buffer.concat(chunks) };
}

export const pdfBytes = (text = 'hello') => Buffer.from(`%PDF-1.4\n1 0 obj <<>> endobj\n% ${text}\ntrailer <<>>\n%%EOF\n`);
/** A Windows program's first bytes (MZ header with the PE offset): what a renamed .exe carries. */
export const exeBytes = () => {
  const bytes = Buffer.alloc(512);
  bytes.write('MZ', 0, 'latin1');
  bytes.writeUInt32LE(0x80, 0x3c);
  bytes.write('PE\u0000\u0000', 0x80, 'latin1');
  bytes.writeUInt16LE(0x14c, 0x84);
  return bytes;
};
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
