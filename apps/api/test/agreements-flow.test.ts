/**
 * Agreements across the composed modules (the host's own action registry): a proposal accepted in
 * the portal (bound to its version hash: v1's hash is refused once v2 exists), its contract signed
 * by two signers in order on the public signing page, sealed by the module's job function with
 * the real files.storeGeneratedFile, and the sealed PDF read back from the client's files and
 * checked with pdfsig.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory, createDomainRuntime, createLogger, LocalBlobStore, uuidv7, type PortalSessionInfo } from '@ubos/platform';
import { createTestDatabase, seedReferences, testContext, testSession, type TestDatabase } from '@ubos/platform/testing';
import { download } from '../../../packages/domains/files/test/helpers.ts';
import { modules } from '../src/modules.ts';
import { appRouter } from '../src/router.ts';

const run = promisify(execFile);
const createCaller = createCallerFactory(appRouter);

let testDb: TestDatabase;
let dataDir: string;
let store: LocalBlobStore;
beforeAll(async () => {
  testDb = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'ubos-agreements-flow-'));
  store = await LocalBlobStore.open({ dataDir, signingKey: 'agreements-flow-test-key' });
  process.env.DATA_DIR = dataDir;
});
afterAll(async () => {
  await testDb?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('agreements through the host', () => {
  it('portal acceptance bound to the version, signing in order, the sealed PDF in the client files', async () => {
    const runtime = createDomainRuntime(modules, null, { blobs: store });
    const tenantId = uuidv7();
    const userId = uuidv7();
    const staff = createCaller(testContext({ db: testDb.db, session: testSession({ userId, tenantId, role: 'owner', modules }), runtime }));
    const [clientId, contactId] = await seedReferences(testDb.db, tenantId, [{ kind: 'crm.client' }, { kind: 'crm.contact' }]);
    if (!clientId || !contactId) throw new Error('no references');
    const portalSession: PortalSessionInfo = {
      sessionId: uuidv7(),
      portalUserId: uuidv7(),
      tenantId,
      clientId,
      contactId,
      email: 'ada@client.test',
      name: 'Ada Client',
      expiresAt: new Date(Date.now() + 3_600_000),
    };
    const portal = createCaller(testContext({ db: testDb.db, portal: portalSession, runtime }));
    const page = createCaller(testContext({ db: testDb.db, runtime, ip: '203.0.113.7' }));

    const proposal = await staff.agreements.proposals.create({
      clientId,
      contactId,
      title: 'Website rebuild',
      currency: 'EUR',
      sections: [{ title: 'For {{client.name}}', body: 'Scope and price:\n\n{{pricing_table}}' }],
      lines: [{ description: 'Build', quantity: 10, unitPriceMinor: 100_000 }],
      mergeValues: { 'client.name': 'Acme <Ltd>', 'contact.name': 'Ada Client', 'contact.email': 'ada@client.test' },
    });
    const v1 = await staff.agreements.proposals.send({ id: proposal.id });
    const listed = await portal.portal.me.proposals.list();
    expect(listed).toEqual([expect.objectContaining({ id: proposal.id, version: 1, totalMinor: 1_000_000 })]);
    const read = await portal.portal.me.proposals.get({ proposalId: proposal.id });
    expect(read).toMatchObject({ version: 1, contentHash: v1.version.contentHash, status: 'viewed' });
    expect(read.html).toContain('Acme &lt;Ltd&gt;');

    // The firm revises it: v2. Accepting what the client read (v1) is refused, before and after v2 is sent.
    await staff.agreements.proposals.update({ id: proposal.id, lines: [{ description: 'Build', quantity: 8, unitPriceMinor: 100_000 }] });
    await expect(portal.portal.me.proposals.accept({ proposalId: proposal.id, contentHash: read.contentHash })).rejects.toMatchObject({ code: 'CONFLICT' });
    const v2 = await staff.agreements.proposals.send({ id: proposal.id });
    await expect(portal.portal.me.proposals.accept({ proposalId: proposal.id, contentHash: read.contentHash })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('not the current version'),
    });
    const reread = await portal.portal.me.proposals.get({ proposalId: proposal.id });
    expect(reread).toMatchObject({ version: 2, contentHash: v2.version.contentHash, totals: { totalMinor: 800_000 } });
    expect(await portal.portal.me.proposals.accept({ proposalId: proposal.id, contentHash: reread.contentHash })).toMatchObject({
      status: 'accepted',
      version: 2,
    });

    // The contract: from the accepted proposal, the client then the firm's director, in order.
    const contract = await staff.agreements.contracts.createFromProposal({
      proposalId: proposal.id,
      signers: [
        { name: 'Ada Client', email: 'ada@client.test' },
        { name: 'Dee Director', email: 'dee@firm.test', role: 'Director' },
      ],
    });
    const sent = await staff.agreements.contracts.send({ id: contract.id });
    const tokens = sent.links.map((link) => new URL(link.url, 'http://x').hash.replace('#token=', ''));
    await expect(page.agreements.signing.sign({ token: tokens[1] ?? '', consent: true, signature: { kind: 'typed', text: 'Dee' } })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    await page.agreements.signing.sign({ token: tokens[0] ?? '', consent: true, signature: { kind: 'typed', text: 'Ada Client' } });
    expect(await page.agreements.signing.sign({ token: tokens[1] ?? '', consent: true, signature: { kind: 'typed', text: 'Dee Director' } })).toMatchObject({
      contractStatus: 'signed',
    });

    // The sealing job as the worker runs it (the host hands module jobs the action registry).
    const sealContractJob = modules.flatMap((m) => m.jobs).find((job) => job.name === 'agreements.seal-contract');
    if (!sealContractJob) throw new Error('no sealing job');
    await sealContractJob.run(
      { tenantId, contractId: contract.id },
      { db: testDb.db, log: createLogger({ level: 'silent' }), services: { blobs: store }, actions: runtime.actions },
    );
    const sealed = await staff.agreements.contracts.get({ id: contract.id });
    expect(sealed).toMatchObject({ sealState: 'sealed', sealedFileId: expect.any(String) });
    const file = await staff.files.files.get({ id: sealed.sealedFileId ?? '' });
    expect(file).toMatchObject({ clientId, name: 'Website rebuild (signed).pdf', contentType: 'application/pdf' });
    const folders = await staff.files.folders.list({ clientId, projectId: null, includeArchived: false });
    expect(folders.find((f) => f.id === file.folderId)?.name).toBe('Contracts');
    const link = await staff.agreements.contracts.downloadUrl({ id: contract.id });
    expect(link.sha256).toBe(sealed.sealedSha256);
    const { body } = await download(store, link.url);
    const pdfFile = path.join(dataDir, 'flow.pdf');
    await writeFile(pdfFile, body);
    const verdict = await run('pdfsig', [pdfFile]);
    expect(verdict.stdout).toContain('Signature is Valid');
  });
});
