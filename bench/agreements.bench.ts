// Agreements benchmark (§4 of the research brief, issue 15). Figures:
//  seal      render + seal of a 10-page contract with 2 signers (one typed, one drawn) and 20 merge
//            fields filled: renderContractPdf (@cantoo/pdf-lib: sections, signatures page, audit
//            certificate) + sealPdf (@signpdf placeholder + P12 PAdES signature with the installation
//            certificate, generated once before measuring), 40 runs: p50/p95/p99 (target p95 <= 1.5 s).
//  proposal  agreements.proposals.get of a proposal with a 50-line pricing table through the tRPC
//            caller (tenant transaction, RLS, the version and its lines, totals, DTO validation);
//            another tenant holds as much. p50/p95/p99 (target p95 <= 50 ms).
// Usage: node bench/agreements.bench.ts [section ...]   (default: both)
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import * as platform from '@ubos/platform';
import { configSchema, createDatabase, createDomainRuntime, createLogger, type Context, type Database, type SessionInfo } from '@ubos/platform';
import { modules } from '../apps/api/src/modules.ts';
import { renderSections } from '../packages/domains/agreements/src/merge.ts';
import { renderContractPdf, type RenderInput } from '../packages/domains/agreements/src/pdf.ts';
import { sealPdf } from '../packages/domains/agreements/src/seal.ts';
import { agreementsRouter } from '../packages/domains/agreements/src/router.ts';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
function latencies(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (value: number) => `${value.toFixed(2)} ms`;
  return `p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted[sorted.length - 1] ?? Number.NaN)}`;
}
async function measure(total: number, inFlight: number, call: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  let started = 0;
  async function worker(): Promise<void> {
    while (started < total) {
      started += 1;
      const t0 = performance.now();
      await call();
      samples.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: inFlight }, () => worker()));
  return samples;
}

const PNG_DOT = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const LOREM =
  'The Supplier shall provide the Services described in this section with reasonable skill and care, in accordance with good industry practice, and shall keep the Client informed of progress at the intervals agreed. ';

async function seal(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ubos-agreements-bench-'));
  try {
    // 20 merge fields spread over 24 sections of ~1,300 characters: about 10 pages of text.
    const values: Record<string, string> = {};
    for (let i = 1; i <= 20; i += 1) values[`field.f${i}`] = `Value ${i} for the client`;
    const template = Array.from({ length: 24 }, (_, i) => ({
      title: `${i + 1}. Clause {{field.f${(i % 20) + 1}}}`,
      body: `${LOREM.repeat(3)}\n\nAs agreed with {{field.f${((i + 7) % 20) + 1}}}. ${LOREM.repeat(3)}`,
    }));
    const sections = renderSections(template, values, 'contract');
    const now = new Date();
    const input: RenderInput = {
      organizationName: 'Bench Studio',
      title: 'Master services agreement',
      contractId: platform.uuidv7(),
      documentHash: 'f'.repeat(64),
      sections,
      signers: [
        {
          id: platform.uuidv7(),
          position: 1,
          name: 'Ada Client',
          email: 'ada@client.test',
          role: 'Client',
          signedAt: now,
          ip: '203.0.113.7',
          userAgent: 'Mozilla/5.0',
          kind: 'typed',
          text: 'Ada Client',
          image: null,
        },
        {
          id: platform.uuidv7(),
          position: 2,
          name: 'Dee Director',
          email: 'dee@firm.test',
          role: 'Director',
          signedAt: now,
          ip: '198.51.100.2',
          userAgent: 'Mozilla/5.0',
          kind: 'drawn',
          text: null,
          image: PNG_DOT,
        },
      ],
      audit: Array.from({ length: 9 }, (_, i) => ({
        seq: i + 1,
        type: ['sent', 'viewed', 'consented', 'signed', 'viewed', 'consented', 'signed', 'completed', 'sealed'][i] ?? 'x',
        at: now,
        actorName: 'Ada Client',
        actorEmail: 'ada@client.test',
        ip: '203.0.113.7',
        hash: 'e'.repeat(64),
      })),
      completedAt: now,
    };
    const t0 = performance.now();
    await sealPdf(await renderContractPdf(input), dataDir, { reason: 'warm-up', signingTime: now });
    const first = performance.now() - t0;
    const pdf = await renderContractPdf(input);
    const pages = (
      Buffer.from(pdf)
        .toString('latin1')
        .match(/\/Type \/Page\b/g) ?? []
    ).length;
    const renderOnly = await measure(40, 1, () => renderContractPdf(input));
    const both = await measure(40, 1, async () => sealPdf(await renderContractPdf(input), dataDir, { reason: 'bench', signingTime: now }));
    const sealed = await sealPdf(pdf, dataDir, { reason: 'bench', signingTime: now });
    console.log(`render + seal of a ${pages}-page contract, 2 signers (typed + drawn), 20 merge fields; sealed size ${(sealed.length / 1024).toFixed(0)} kB`);
    console.log(`  first run (generates the installation certificate): ${first.toFixed(0)} ms`);
    console.log(`  render only   : ${latencies(renderOnly)}`);
    console.log(`  render + seal : ${latencies(both)}`);
    console.log('  target: render + seal p95 <= 1.5 s');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

const config = configSchema.parse({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_UNITS_PER_IP: '1000000000',
  RATE_LIMIT_UNITS_PER_USER: '1000000000',
  RATE_LIMIT_UNITS_PER_TENANT: '1000000000',
});
const runtime = createDomainRuntime(modules, null, {});
const createCaller = platform.createCallerFactory(agreementsRouter);

function context(db: Database, session: SessionInfo): Context {
  return {
    requestId: 'bench',
    correlationId: platform.uuidv7(),
    log: createLogger({ level: 'silent' }),
    config,
    db,
    cache: new platform.MemoryCache(),
    rateLimiter: new platform.MemoryRateLimiter(),
    cookies: { get: () => undefined, set: () => undefined, clear: () => undefined },
    ip: '10.8.0.1',
    userAgent: 'bench',
    session,
    portal: null,
    runtime,
  };
}

function ownerSession(tenantId: string): SessionInfo {
  return {
    sessionId: platform.uuidv7(),
    userId: platform.uuidv7(),
    email: 'bench@example.test',
    name: 'Bench',
    tenantId,
    role: 'owner',
    permissions: new Set(runtime.permissions.forRole('owner')),
    expiresAt: new Date(Date.now() + 3_600_000),
  };
}

async function withDatabase(run: (db: Database, adminUrl: string, dbName: string) => Promise<void>): Promise<void> {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const appPassword = 'ubos_app_test_password';
  const dbName = `ubos_bench_agreements_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await platform.ensureRoles(admin, { appPassword });
  await admin.query(`CREATE DATABASE ${dbName} OWNER ${platform.OWNER_ROLE}`);
  await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${platform.APP_ROLE}`);
  const db = createDatabase({ connectionString: platform.withCredentials(adminUrl, platform.APP_ROLE, appPassword, dbName), max: 10 });
  try {
    await platform.migrateDatabase(platform.withCredentials(adminUrl, platform.OWNER_ROLE, undefined, dbName), modules);
    await run(db, adminUrl, dbName);
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

async function seedProposal(db: Database, tenantId: string): Promise<string> {
  const [clientId] = await platform.withTenant(db, { tenantId }, async (trx) => {
    const id = platform.uuidv7();
    await platform.sql`INSERT INTO platform.entity_references (tenant_id, kind, id) VALUES (${tenantId}, 'crm.client', ${id})`.execute(trx);
    return [id];
  });
  const caller = createCaller(context(db, ownerSession(tenantId)));
  const lines = Array.from({ length: 50 }, (_, i) => ({
    description: `Line item ${i + 1}: design, build and review`,
    quantity: (i % 5) + 1,
    unitPriceMinor: 12_345 + i * 100,
    taxRateBp: 2000,
    discountMinor: i % 7 === 0 ? 500 : 0,
  }));
  const proposal = await caller.proposals.create({
    clientId: clientId ?? '',
    title: 'Fifty lines',
    currency: 'EUR',
    lines,
    sections: Array.from({ length: 8 }, (_, i) => ({ title: `Section ${i + 1}`, body: `For {{client.name}}. ${LOREM}` })),
    mergeValues: { 'client.name': 'Acme' },
  });
  await caller.proposals.send({ id: proposal.id });
  return proposal.id;
}

async function proposal(): Promise<void> {
  await withDatabase(async (db, adminUrl, dbName) => {
    const tenantId = platform.uuidv7();
    const id = await seedProposal(db, tenantId);
    for (let i = 0; i < 20; i += 1) await seedProposal(db, tenantId);
    const other = platform.uuidv7();
    for (let i = 0; i < 21; i += 1) await seedProposal(db, other);
    const owner = new pg.Client({ connectionString: platform.withCredentials(adminUrl, 'postgres', undefined, dbName) });
    await owner.connect();
    await owner.query('ANALYZE');
    await owner.end();
    const caller = createCaller(context(db, ownerSession(tenantId)));
    const first = await caller.proposals.get({ id });
    if (first.version.lines.length !== 50) throw new Error(`unexpected proposal: ${first.version.lines.length} lines`);
    for (let i = 0; i < 30; i += 1) await caller.proposals.get({ id });
    const sequential = await measure(300, 1, () => caller.proposals.get({ id }));
    const concurrent = await measure(300, 4, () => caller.proposals.get({ id }));
    console.log('agreements.proposals.get, 50-line pricing table, 8 sections, sent (version 1); 20 more proposals in the tenant, 21 in another');
    console.log(`  1 in flight : ${latencies(sequential)}`);
    console.log(`  4 in flight : ${latencies(concurrent)}`);
    console.log('  target: p95 <= 50 ms');
  });
}

const sections: Record<string, () => Promise<void>> = { seal, proposal };
const chosen = process.argv.slice(2);
for (const name of chosen.length > 0 ? chosen : Object.keys(sections)) {
  const section = sections[name];
  if (!section) throw new Error(`unknown section ${name}; choose from ${Object.keys(sections).join(', ')}`);
  console.log(`\n--- ${name} ---`);
  await section();
}
