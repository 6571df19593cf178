import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  ActionRegistry,
  createCallerFactory,
  createDomainContext,
  createDomainRuntime,
  createLogger,
  defineAction,
  platformModule,
  readOutbox,
  uuidv7,
  withTenant,
  type ActionContext,
  type Role,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { seedReferences, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { agreementsActions } from '../src/actions.ts';
import { agreementsModule } from '../src/module.ts';
import { agreementsRouter } from '../src/router.ts';
import type { SealDeps } from '../src/seal.ts';

export const createCaller = createCallerFactory(agreementsRouter);
export const silent = createLogger({ level: 'silent' });

/**
 * The files domain's actions as agreements calls them (by name, §3), recorded in memory: the real
 * `files.storeGeneratedFile` is tested in packages/domains/files; here what matters is what
 * agreements hands over, and that the kit's idempotency makes a repeat return the first file.
 */
export class FakeFiles {
  readonly stored = new Map<string, { clientId: string; folderName: string; name: string; bytes: Buffer; sha256: string }>();
  readonly actions = [
    defineAction({
      name: 'files.storeGeneratedFile',
      description: 'test double',
      input: z.object({ clientId: z.uuid(), folderName: z.string(), name: z.string(), contentType: z.string(), contentBase64: z.string(), sha256: z.string() }),
      output: z.object({ fileId: z.uuid(), folderId: z.uuid(), sha256: z.string(), size: z.number().int() }),
      run: async (input) => {
        const bytes = Buffer.from(input.contentBase64, 'base64');
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        if (sha256 !== input.sha256) throw new Error('sha256 mismatch');
        const fileId = uuidv7();
        this.stored.set(fileId, { clientId: input.clientId, folderName: input.folderName, name: input.name, bytes, sha256 });
        return { fileId, folderId: uuidv7(), sha256, size: bytes.length };
      },
    }),
    defineAction({
      name: 'files.signDownload',
      description: 'test double',
      input: z.object({ fileId: z.uuid() }),
      output: z.object({ url: z.string(), filename: z.string(), contentType: z.string(), expiresAt: z.string() }),
      idempotent: false,
      run: async (input) => ({
        url: `/blobs/${input.fileId}`,
        filename: this.stored.get(input.fileId)?.name ?? 'x.pdf',
        contentType: 'application/pdf',
        expiresAt: new Date(Date.now() + 300_000).toISOString(),
      }),
    }),
  ];
  registry(): ActionRegistry {
    return new ActionRegistry([...agreementsActions, ...this.actions]);
  }
}

export interface World {
  db: TestDatabase;
  files: FakeFiles;
  dataDir: string;
}

export async function openWorld(db: TestDatabase): Promise<World & { close(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ubos-agreements-test-'));
  return { db, files: new FakeFiles(), dataDir, close: () => rm(dataDir, { recursive: true, force: true }) };
}

export function runtimeOf(world: World) {
  const runtime = createDomainRuntime([platformModule, agreementsModule], null, {});
  // The host's registry holds every module's actions; here agreements' and the files doubles.
  return { ...runtime, actions: world.files.registry() };
}

export function actor(world: World, role: Role = 'owner', tenantId: string = uuidv7()) {
  const userId = uuidv7();
  const session = testSession({ userId, tenantId, role, modules: [agreementsModule] });
  return { tenantId, userId, caller: createCaller(testContext({ db: world.db.db, session, runtime: runtimeOf(world) })) };
}

/** A caller with no session, as the public signing page is. */
export function anonymous(world: World, ip = `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`) {
  return createCaller(testContext({ db: world.db.db, session: null, runtime: runtimeOf(world), ip }));
}

export function inTenant<T>(world: World, tenantId: string, fn: (trx: Transaction<UntypedDB>) => Promise<T>): Promise<T> {
  return withTenant(world.db.db, { tenantId }, fn);
}

export function domainContext(trx: Transaction<UntypedDB>, tenantId: string) {
  return createDomainContext({ trx, tenantId, actorId: null, correlationId: 'test', log: silent });
}

export function runAction(world: World, tenantId: string, name: string, key: string, input: unknown) {
  const action = world.files.registry().get(name);
  if (!action) throw new Error(`no action ${name}`);
  return inTenant(world, tenantId, (trx) => {
    const context: ActionContext = { ...domainContext(trx, tenantId), idempotencyKey: key };
    return action.run(input, context);
  });
}

export function events(world: World, tenantId: string, types: string[]) {
  return inTenant(world, tenantId, (trx) => readOutbox(trx, { types }));
}

export async function seedClient(world: World, tenantId: string) {
  const [clientId, contactId] = await seedReferences(world.db.db, tenantId, [{ kind: 'crm.client' }, { kind: 'crm.contact' }]);
  return { clientId: clientId as string, contactId: contactId as string };
}

export function sealDeps(world: World, extra: Partial<SealDeps> = {}): SealDeps {
  return { db: world.db.db, log: silent, services: {}, actions: world.files.registry(), dataDir: world.dataDir, ...extra };
}

/** The token of a signing link (after `#token=`). */
export const tokenOf = (url: string) => new URL(url, 'http://x').hash.replace('#token=', '');
