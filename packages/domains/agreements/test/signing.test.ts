import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, sql, type Database } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { awaitSignatureAction } from '../src/actions.ts';
import { remindSigners } from '../src/jobs.ts';
import { sealContract, sweepUnsealed } from '../src/seal.ts';
import { actor, anonymous, events, inTenant, openWorld, runAction, sealDeps, seedClient, silent, tokenOf, type World } from './helpers.ts';

const run = promisify(execFile);

let testDb: TestDatabase;
let admin: Database;
let world: World & { close(): Promise<void> };
beforeAll(async () => {
  testDb = await createTestDatabase();
  admin = createDatabase({ connectionString: testDb.adminUrl, max: 1 });
  world = await openWorld(testDb);
});
afterAll(async () => {
  await admin?.close();
  await world?.close();
  await testDb?.drop();
});

/** pdfsig's verdict on a PDF (poppler-utils). */
async function pdfsig(bytes: Buffer, name: string): Promise<string> {
  const file = path.join(world.dataDir, name);
  await writeFile(file, bytes);
  const result = await run('pdfsig', [file]).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout ?? '',
    stderr: error.stderr ?? '',
  }));
  return `${result.stdout}${result.stderr}`;
}

async function pdftext(bytes: Buffer): Promise<string> {
  const file = path.join(world.dataDir, 'text.pdf');
  await writeFile(file, bytes);
  return (await run('pdftotext', ['-raw', file, '-'])).stdout;
}

const PNG_DOT = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

async function sentContract(order: 'sequential' | 'parallel' = 'sequential') {
  const a = actor(world);
  const refs = await seedClient(world, a.tenantId);
  const contract = await a.caller.contracts.create({
    clientId: refs.clientId,
    title: 'Services agreement',
    sections: [
      { title: 'Parties', body: 'Between the firm and {{client.name}}.' },
      { title: 'Terms', body: 'Signed on {{today}}. The fee is {{fee}}.' },
    ],
    mergeValues: { 'client.name': 'Acme <Ltd>', fee: 'EUR 4,787.89' },
    signers: [
      { name: 'Ada Client', email: 'ada@client.test' },
      { name: 'Bob Firm', email: 'bob@firm.test', role: 'Director' },
    ],
    signingOrder: order,
  });
  const sent = await a.caller.contracts.send({ id: contract.id });
  const [first, second] = sent.links.map((link) => tokenOf(link.url));
  return { a, refs, contract: sent.contract, tokens: [first ?? '', second ?? ''] as const };
}

describe('native signing', () => {
  it('refuses to send with an unknown merge field, naming it', async () => {
    const a = actor(world);
    const refs = await seedClient(world, a.tenantId);
    const contract = await a.caller.contracts.create({
      clientId: refs.clientId,
      title: 'T',
      sections: [{ title: 'x', body: 'For {{client.nmae}}' }],
      signers: [{ name: 'A', email: 'a@x.test' }],
    });
    expect(contract.missingFields).toEqual(['client.nmae']);
    await expect(a.caller.contracts.send({ id: contract.id })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('{{client.nmae}}'),
    });
    expect((await a.caller.contracts.get({ id: contract.id })).status).toBe('draft');
  });

  it('two signers in order, end to end: sealed PDF valid for pdfsig, one tampered byte invalid, the audit chain verifies', async () => {
    const { a, contract, tokens } = await sentContract();
    expect(contract).toMatchObject({ status: 'out_for_signature', documentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const page = anonymous(world);
    const signature = { kind: 'typed' as const, text: 'Ada Client' };

    // The second signer waits for the first; viewing never consumes a link.
    const early = await page.signing.view({ token: tokens[1] });
    expect(early).toMatchObject({ canSign: false, waitingReason: expect.stringContaining('Ada Client signs first') });
    await expect(page.signing.sign({ token: tokens[1], consent: true, signature: { kind: 'typed', text: 'Bob Firm' } })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    await page.signing.view({ token: tokens[0] });
    const view = await page.signing.view({ token: tokens[0] });
    expect(view).toMatchObject({ canSign: true, contractTitle: 'Services agreement', documentHash: contract.documentHash });
    expect(view.sections[0]?.body).toBe('Between the firm and Acme <Ltd>.');

    // Consent is required; a bad token is just not valid.
    // @ts-expect-error -- consent must be true
    await expect(page.signing.sign({ token: tokens[0], consent: false, signature })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(page.signing.view({ token: 'x'.repeat(43) })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // The same signer signing twice at once: exactly one wins.
    const twice = await Promise.allSettled([
      page.signing.sign({ token: tokens[0], consent: true, signature }),
      page.signing.sign({ token: tokens[0], consent: true, signature }),
    ]);
    expect(twice.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await a.caller.contracts.get({ id: contract.id })).status).toBe('partially_signed');

    expect(await page.signing.sign({ token: tokens[1], consent: true, signature: { kind: 'drawn', image: PNG_DOT } })).toEqual({
      status: 'signed',
      contractStatus: 'signed',
      remaining: 0,
    });
    expect(await a.caller.contracts.get({ id: contract.id })).toMatchObject({ status: 'signed', sealState: 'pending' });
    await expect(a.caller.contracts.downloadUrl({ id: contract.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });

    // The sealing job (run here as the worker runs it), then again: it seals once.
    expect(await sealContract(sealDeps(world), a.tenantId, contract.id)).toBe('sealed');
    expect(await sealContract(sealDeps(world), a.tenantId, contract.id)).toBe('not_due');
    const sealed = await a.caller.contracts.get({ id: contract.id });
    expect(sealed).toMatchObject({ sealState: 'sealed', sealedFileId: expect.any(String), sealedSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const stored = world.files.stored.get(sealed.sealedFileId ?? '');
    expect(stored).toMatchObject({ clientId: contract.clientId, folderName: 'Contracts', sha256: sealed.sealedSha256 });
    const [signedEvent, ...more] = await events(world, a.tenantId, ['agreements.contract.signed']);
    expect(more).toEqual([]);
    expect(signedEvent?.event.payload).toMatchObject({
      contract_id: contract.id,
      sealed_file_id: sealed.sealedFileId,
      sealed_sha256: sealed.sealedSha256,
      document_hash: contract.documentHash,
    });
    expect((await a.caller.contracts.downloadUrl({ id: contract.id })).sha256).toBe(sealed.sealedSha256);
    // The flagship's wait step answers now that the contract is sealed.
    expect(await runAction(world, a.tenantId, 'agreements.awaitSignature', 'run:signed', { contractId: contract.id })).toMatchObject({
      contractId: contract.id,
      sealedFileId: sealed.sealedFileId,
      sealedSha256: sealed.sealedSha256,
    });

    const bytes = stored?.bytes ?? Buffer.alloc(0);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    // The audit certificate carries the signers, their IPs and the document's SHA-256.
    const text = await pdftext(bytes);
    expect(text).toContain('Audit certificate');
    expect(text).toContain(contract.documentHash ?? 'missing');
    expect(text).toContain('Bob Firm <bob@firm.test>');
    expect(text).toContain('Between the firm and Acme <Ltd>.');
    const verdict = await pdfsig(bytes, 'sealed.pdf');
    expect(verdict).toContain('Signature is Valid');
    expect(verdict).toContain('ETSI.CAdES.detached');
    // One byte changed inside the first signed range (halfway into it: page content).
    const range = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)/.exec(bytes.toString('latin1'));
    const at = Math.floor(Number(range?.[2] ?? 0) / 2);
    expect(at).toBeGreaterThan(100);
    const tampered = Buffer.from(bytes);
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;
    const broken = await pdfsig(tampered, 'tampered.pdf');
    expect(broken).not.toContain('Signature is Valid');
    expect(broken).toMatch(/Signature is Invalid|Digest Mismatch/);

    const packet = await a.caller.packets.get({ contractId: contract.id });
    expect(packet.audit.map((e) => e.type)).toEqual(['sent', 'viewed', 'viewed', 'consented', 'signed', 'consented', 'signed', 'completed', 'sealed']);
    expect(packet.chain).toEqual({ valid: true, entries: 9, brokenSeq: null, reason: null });
    expect(packet.audit[1]).toMatchObject({ actorName: 'Bob Firm', ip: expect.stringMatching(/^10\.1\./) });
    expect(packet.audit.every((e, i) => i === 0 || e.prevHash === packet.audit[i - 1]?.hash)).toBe(true);

    // The app role cannot change the log; an entry changed behind its back (as the superuser) is detected.
    await expect(sql`UPDATE agreements.audit_log SET ip = '1.2.3.4'`.execute(world.db.db.kysely)).rejects.toThrow();
    await sql`ALTER TABLE agreements.audit_log DISABLE TRIGGER audit_log_append_only`.execute(admin.kysely);
    await sql`UPDATE agreements.audit_log SET ip = '6.6.6.6' WHERE packet_id = ${packet.id} AND seq = 4`.execute(admin.kysely);
    await sql`ALTER TABLE agreements.audit_log ENABLE TRIGGER audit_log_append_only`.execute(admin.kysely);
    expect((await a.caller.packets.get({ contractId: contract.id })).chain).toEqual({
      valid: false,
      entries: 4,
      brokenSeq: 4,
      reason: 'the entry was changed after it was written',
    });
  });

  it('parallel order: both sign at once, the contract is completed exactly once', async () => {
    const { a, contract, tokens } = await sentContract('parallel');
    const page = anonymous(world);
    const results = await Promise.all(tokens.map((token, i) => page.signing.sign({ token, consent: true, signature: { kind: 'typed', text: `Signer ${i}` } })));
    expect(results.map((r) => r.remaining).sort()).toEqual([0, 1]);
    expect(await a.caller.contracts.get({ id: contract.id })).toMatchObject({ status: 'signed', sealState: 'pending' });
    expect((await a.caller.packets.get({ contractId: contract.id })).audit.filter((e) => e.type === 'completed')).toHaveLength(1);
  });

  it('a worker killed during sealing: the sweeper seals it after, exactly once', async () => {
    const { a, contract, tokens } = await sentContract('parallel');
    const page = anonymous(world);
    for (const token of tokens) await page.signing.sign({ token, consent: true, signature: { kind: 'typed', text: 'Signed' } });
    const before = world.files.stored.size;
    // The first sealer dies after claiming and rendering, before storing anything.
    await expect(
      sealContract(
        sealDeps(world, {
          beforeStore: async () => {
            throw new Error('worker killed');
          },
        }),
        a.tenantId,
        contract.id,
      ),
    ).rejects.toThrow('worker killed');
    expect(await a.caller.contracts.get({ id: contract.id })).toMatchObject({ sealState: 'sealing', sealAttempts: 1, sealError: 'worker killed' });
    // Within the stale window nobody takes it over; past it, the sweeper does, once.
    expect(await sweepUnsealed(sealDeps(world), { pendingSeconds: 3600, staleSeconds: 3600 })).toBe(0);
    const sealedCount = await sweepUnsealed(sealDeps(world), { pendingSeconds: 3600, staleSeconds: 0 });
    expect(sealedCount).toBeGreaterThanOrEqual(1);
    expect(await sweepUnsealed(sealDeps(world), { pendingSeconds: 3600, staleSeconds: 0 })).toBe(0);
    expect(await a.caller.contracts.get({ id: contract.id })).toMatchObject({ sealState: 'sealed', sealAttempts: 2 });
    expect(world.files.stored.size - before).toBe(1);
    expect(await events(world, a.tenantId, ['agreements.contract.signed'])).toHaveLength(1);
  });

  it('two sealers at once: one stores the file and emits the event', async () => {
    const { a, contract, tokens } = await sentContract('parallel');
    const page = anonymous(world);
    for (const token of tokens) await page.signing.sign({ token, consent: true, signature: { kind: 'typed', text: 'Signed' } });
    const outcomes = await Promise.all([sealContract(sealDeps(world), a.tenantId, contract.id), sealContract(sealDeps(world), a.tenantId, contract.id)]);
    expect(outcomes.sort()).toEqual(['not_due', 'sealed']);
    expect(await events(world, a.tenantId, ['agreements.contract.signed'])).toHaveLength(1);
  });

  it('resending a link replaces the old one; a signed signer gets none', async () => {
    const { a, contract, tokens } = await sentContract('parallel');
    const page = anonymous(world);
    const [ada, bob] = contract.signers;
    const fresh = await a.caller.contracts.resend({ id: contract.id, signerId: ada?.id ?? '' });
    await expect(page.signing.view({ token: tokens[0] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await page.signing.sign({ token: tokenOf(fresh.url), consent: true, signature: { kind: 'typed', text: 'Ada' } })).toMatchObject({
      status: 'signed',
    });
    await expect(a.caller.contracts.resend({ id: contract.id, signerId: ada?.id ?? '' })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'Ada Client already signed',
    });
    expect((await a.caller.packets.get({ contractId: contract.id })).audit.map((e) => e.type)).toContain('link_resent');
    expect(bob?.status).toBe('pending');
  });

  it('reminds the signer whose turn it is every reminder_days, with a fresh link; signing ends it', async () => {
    const { a, contract, tokens } = await sentContract();
    const page = anonymous(world);
    const deps = { db: world.db.db, log: silent, services: {} };
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000 + 60_000);
    const remindedHere = async () =>
      (await a.caller.packets.get({ contractId: contract.id })).audit.filter((e) => e.type === 'reminded').map((e) => e.data.signer_id);
    await remindSigners(deps, inDays(1));
    expect(await remindedHere()).toEqual([]);
    // Three days on: only the first signer (sequential order), once.
    await remindSigners(deps, inDays(3));
    await remindSigners(deps, inDays(3));
    expect(await remindedHere()).toEqual([contract.signers[0]?.id]);
    // The reminder carries a new link: the old one stops working.
    await expect(page.signing.view({ token: tokens[0] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const mail = await inTenant(world, a.tenantId, (trx) =>
      sql<{
        subject: string;
        text: string;
      }>`SELECT subject, text FROM platform.system_mail WHERE to_email = 'ada@client.test' ORDER BY created_at DESC LIMIT 1`.execute(trx),
    );
    expect(mail.rows[0]?.subject).toBe('Reminder: please sign: Services agreement');
    const fresh = /\/sign#token=([A-Za-z0-9_-]{43})/.exec(mail.rows[0]?.text ?? '')?.[1] ?? '';
    await page.signing.sign({ token: fresh, consent: true, signature: { kind: 'typed', text: 'Ada' } });
    // Ada signed: six days on, it is Bob's turn (his link is from sending), never Ada again.
    await remindSigners(deps, inDays(6));
    expect(await remindedHere()).toEqual([contract.signers[0]?.id, contract.signers[1]?.id]);
    expect((await a.caller.contracts.get({ id: contract.id })).signers.map((s) => s.remindersSent)).toEqual([1, 1]);
  });

  it('a decline ends the contract; a voided one cannot be signed', async () => {
    const declined = await sentContract();
    const page = anonymous(world);
    expect(await page.signing.decline({ token: declined.tokens[0], reason: 'Wrong price' })).toMatchObject({ status: 'declined', contractStatus: 'declined' });
    await expect(page.signing.sign({ token: declined.tokens[1], consent: true, signature: { kind: 'typed', text: 'Bob' } })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    expect((await events(world, declined.a.tenantId, ['agreements.contract.declined']))[0]?.event.payload).toMatchObject({ reason: 'Wrong price' });

    const voided = await sentContract();
    await voided.a.caller.contracts.void({ id: voided.contract.id, reason: 'Sent by mistake' });
    await expect(page.signing.sign({ token: voided.tokens[0], consent: true, signature: { kind: 'typed', text: 'Ada' } })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('withdrawn by the sender'),
    });
    expect((await page.signing.view({ token: voided.tokens[0] })).canSign).toBe(false);
  });
});

describe('contract from a proposal', () => {
  it('sendContractForSignature makes and sends one contract per proposal; awaitSignature answers once sealed', async () => {
    const a = actor(world);
    const refs = await seedClient(world, a.tenantId);
    const proposal = await a.caller.proposals.create({
      clientId: refs.clientId,
      contactId: refs.contactId,
      title: 'Retainer',
      currency: 'EUR',
      sections: [{ title: 'Scope', body: 'For {{client.name}}.' }],
      lines: [{ description: 'Monthly', quantity: 3, unitPriceMinor: 100_000 }],
      paymentSchedule: { depositPercent: 30, milestones: [{ label: 'Launch', percent: 70 }], recurring: null },
      mergeValues: { 'client.name': 'Acme', 'contact.name': 'Ada Client', 'contact.email': 'ada@client.test' },
    });
    await expect(runAction(world, a.tenantId, 'agreements.sendContractForSignature', 'run0:contract', { proposalId: proposal.id })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    const sent = await a.caller.proposals.send({ id: proposal.id });
    await runAction(world, a.tenantId, 'agreements.acceptProposal', 'acc', {
      clientId: refs.clientId,
      proposalId: proposal.id,
      contentHash: sent.version.contentHash,
      acceptedBy: 'Ada',
    });

    const first = (await runAction(world, a.tenantId, 'agreements.sendContractForSignature', 'run1:contract', { proposalId: proposal.id })) as {
      contractId: string;
      sent: boolean;
    };
    expect(first).toMatchObject({ created: true, sent: true, status: 'out_for_signature' });
    // Another run for the same proposal: the same contract, nothing sent twice.
    expect(await runAction(world, a.tenantId, 'agreements.sendContractForSignature', 'run2:contract', { proposalId: proposal.id })).toEqual({
      ...first,
      created: false,
      sent: false,
    });
    expect(await events(world, a.tenantId, ['agreements.contract.sent'])).toHaveLength(1);
    const contract = await a.caller.contracts.get({ id: first.contractId });
    expect(contract.sections.map((s) => s.title)).toEqual(['Scope', 'Pricing', 'Payment schedule']);
    expect(contract.sections[1]?.body).toContain('EUR 3,000.00');
    expect(contract.signers.map((s) => s.email)).toEqual(['ada@client.test']);

    // Not signed yet: the action says "still waiting" (the engine parks the step until
    // agreements.contract.signed of this contract), and names what it waits for.
    await expect(runAction(world, a.tenantId, 'agreements.awaitSignature', 'w', { contractId: first.contractId })).rejects.toMatchObject({
      name: 'StillWaiting',
    });
    expect(awaitSignatureAction.awaits?.({ contractId: first.contractId })).toEqual({
      event: 'agreements.contract.signed',
      match: { contract_id: first.contractId },
      timeoutSeconds: 30 * 86_400,
    });
  });
});
