// Files benchmark: one section per figure of §7's blob storage (helpers may append sections).
//  presign-local  LocalBlobStore.presignPost and presignGet, 50 in flight: p50/p95/p99 (target p95 <= 20 ms)
//  presign-s3     the S3 adapter's presignPost and presignGet (SigV4, against a local s3rver; signing
//                 is local, the server only receives the bucket setup)
//  upload-200mb   a 200 MB file POSTed by curl with a signed policy through the real host's /blobs route
//                 (buildServer on 127.0.0.1, multipart parse, size counting, temp file, link) vs `cp`
//                 of the same file on the same disk: throughput ratio (target >= 70%) and the host
//                 process's RSS growth while it streams (memory stays flat)
//  list-10k       files.files.list of a folder holding 10,000 files (another tenant holds 10,000 more):
//                 first page (50, sorted by name) p50/p95/p99 through the tRPC caller (tenant
//                 transaction, RLS, the keyset query, DTO validation), and a later page by cursor
//                 (target first page p95 <= 20 ms); prints the plan to show the tenant-leading index
// Usage: node bench/files.bench.ts [section ...]   (default: every section)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import {
  LocalBlobStore,
  S3BlobStore,
  blobKey,
  configSchema,
  createDatabase,
  createDomainRuntime,
  createLogger,
  type BlobStore,
  type PresignedPost,
} from '@ubos/platform';
import { modules } from '../apps/api/src/modules.ts';
import { buildServer } from '../apps/api/src/server.ts';

interface Section {
  name: string;
  run(): Promise<void>;
}

const TENANT = '00000000-0000-7000-8000-00000000bee1';
let keyCounter = 0;
function freshKey(): string {
  keyCounter += 1;
  return blobKey({ tenantId: TENANT, domain: 'files', entity: 'blob', blobId: `bench-${process.pid}-${keyCounter}` });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

function latencies(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (value: number) => `${value.toFixed(3)} ms`;
  return `p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted[sorted.length - 1] ?? Number.NaN)}`;
}

/** `total` calls of `call`, `inFlight` at a time; answers each call's latency in ms. */
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

async function presignFigures(label: string, store: BlobStore): Promise<void> {
  const TOTAL = 20_000;
  const IN_FLIGHT = 50;
  const post = () => store.presignPost({ key: freshKey(), contentType: 'application/pdf', minBytes: 1, maxBytes: 50 * 1024 * 1024, expiresInSeconds: 600 });
  const get = () =>
    store.presignGet({ key: freshKey(), expiresInSeconds: 300, filename: 'Quarterly report.pdf', contentType: 'application/pdf', disposition: 'inline' });
  await measure(2000, IN_FLIGHT, post); // warm-up (JIT)
  await measure(2000, IN_FLIGHT, get);
  console.log(`${label}: ${TOTAL} calls each, ${IN_FLIGHT} in flight (target p95 <= 20 ms)`);
  console.log(`  presignPost : ${latencies(await measure(TOTAL, IN_FLIGHT, post))}`);
  console.log(`  presignGet  : ${latencies(await measure(TOTAL, IN_FLIGHT, get))}`);
}

const presignLocal: Section = {
  name: 'presign-local',
  async run() {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'ubos-bench-presign-'));
    try {
      await presignFigures('LocalBlobStore presign', await LocalBlobStore.open({ dataDir }));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};

const presignS3: Section = {
  name: 'presign-s3',
  async run() {
    interface S3rverInstance {
      run(): Promise<{ port: number }>;
      close(): Promise<void>;
    }
    type S3rverConstructor = new (options: {
      address: string;
      port: number;
      directory: string;
      silent: boolean;
      configureBuckets: { name: string }[];
    }) => S3rverInstance;
    const S3rver = createRequire(path.join(import.meta.dirname, '../apps/api/package.json'))('@20minutes/s3rver') as S3rverConstructor;
    const directory = await mkdtemp(path.join(tmpdir(), 'ubos-bench-s3rver-'));
    const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: 'bench' }] });
    const { port } = await server.run();
    const store = new S3BlobStore({
      bucket: 'bench',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    try {
      await presignFigures('S3BlobStore presign (SigV4)', store);
    } finally {
      store.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    }
  },
};

/** POSTs the signed fields and the file from disk with curl (another process, so the host's RSS is its own); answers the status. */
async function postFile(url: string, post: PresignedPost, file: string): Promise<number> {
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}'];
  for (const [name, value] of Object.entries(post.fields)) args.push('-F', `${name}=${value}`);
  args.push('-F', `file=@${file};type=application/octet-stream`, url);
  const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`curl exited with ${code}`);
  return Number(output);
}

/** PUTs the file from disk with curl and the signed headers; answers the status. */
async function putFile(url: string, headers: Record<string, string>, file: string): Promise<number> {
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-T', file];
  for (const [name, value] of Object.entries(headers)) if (name !== 'content-length') args.push('-H', `${name}: ${value}`);
  args.push(url);
  const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`curl exited with ${code}`);
  return Number(output);
}

const upload200mb: Section = {
  name: 'upload-200mb',
  async run() {
    const SIZE = 200 * 1024 * 1024;
    const ROUNDS = 5;
    const dir = await mkdtemp(path.join(tmpdir(), 'ubos-bench-upload-'));
    const source = path.join(dir, 'source.bin');
    const out = createWriteStream(source);
    const block = randomBytes(1024 * 1024);
    for (let i = 0; i < SIZE / block.length; i += 1) if (!out.write(block)) await once(out, 'drain');
    out.end();
    await once(out, 'close');

    const store = await LocalBlobStore.open({ dataDir: path.join(dir, 'data') });
    const config = configSchema.parse({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_MAX: '100000',
      RATE_LIMIT_UNITS_PER_IP: '1000000000',
      RATE_LIMIT_UNITS_PER_USER: '1000000000',
      RATE_LIMIT_UNITS_PER_TENANT: '1000000000',
      WEB_DIST_DIR: '/nonexistent',
    });
    // The host needs a pool; the blob routes never query it, so it never connects.
    const db = createDatabase({ connectionString: 'postgres://nobody@127.0.0.1:1/none', max: 1 });
    const server = await buildServer({
      config,
      log: createLogger({ level: 'silent' }),
      db,
      redis: null,
      boss: null,
      runtime: createDomainRuntime(modules, null, { blobs: store }),
    });
    const address = await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const runs = { cp: [] as number[], copy: [] as number[], post: [] as number[], put: [] as number[] };
      const rss = { post: [] as number[], put: [] as number[] };
      spawnSync('cp', [source, path.join(dir, 'warm.bin')]); // the source in the page cache
      await rm(path.join(dir, 'warm.bin'));
      /** Runs `upload`, sampling this process's RSS every 20 ms: [ms, growth in bytes]. */
      const sampled = async (upload: () => Promise<number>, expected: number): Promise<[number, number]> => {
        const before = process.memoryUsage().rss;
        let peak = before;
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss);
        }, 20);
        const t0 = performance.now();
        const status = await upload();
        const ms = performance.now() - t0;
        clearInterval(sampler);
        if (status !== expected) throw new Error(`upload answered ${status}`);
        return [ms, peak - before];
      };
      for (let round = 0; round < ROUNDS; round += 1) {
        const target = path.join(dir, 'data', 'blobs', `cp-${round}.bin`);
        let t0 = performance.now();
        const copied = spawnSync('cp', [source, target]);
        if (copied.status !== 0) throw new Error(`cp failed: ${copied.stderr}`);
        runs.cp.push(performance.now() - t0);
        await rm(target);
        t0 = performance.now();
        await pipeline(createReadStream(source), createWriteStream(target));
        runs.copy.push(performance.now() - t0);
        await rm(target);

        const postKey = freshKey();
        const post = await store.presignPost({ key: postKey, contentType: 'application/octet-stream', minBytes: 1, maxBytes: SIZE, expiresInSeconds: 600 });
        const [postMs, postRss] = await sampled(() => postFile(`${address}${post.url}`, post, source), 204);
        if ((await stat(path.join(store.root, ...postKey.split('/')))).size !== SIZE) throw new Error('stored size differs');
        runs.post.push(postMs);
        rss.post.push(postRss);
        await store.delete(postKey);

        const putKey = freshKey();
        const put = await store.presignPut({ key: putKey, contentType: 'application/octet-stream', contentLength: SIZE, expiresInSeconds: 600 });
        const [putMs, putRss] = await sampled(() => putFile(`${address}${put.url}`, put.headers, source), 200);
        runs.put.push(putMs);
        rss.put.push(putRss);
        await store.delete(putKey);
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
      const mbps = (ms: number) => `${(SIZE / 1024 / 1024 / (ms / 1000)).toFixed(0)} MB/s`;
      const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
      const cpMs = median(runs.cp);
      const line = (label: string, ms: number) =>
        `  ${label.padEnd(22)}: ${ms.toFixed(0).padStart(5)} ms  ${mbps(ms).padStart(9)}  ${((cpMs / ms) * 100).toFixed(0)}% of cp`;
      console.log(`200 MB upload through the host's /blobs routes (real HTTP on 127.0.0.1, curl as the client) vs cp, median of ${ROUNDS}`);
      console.log(line('cp', cpMs));
      console.log(line('node stream copy', median(runs.copy)));
      console.log(line('POST /blobs (policy)', median(runs.post)));
      console.log(line('PUT /blobs/<key>', median(runs.put)));
      console.log('  target: POST >= 70% of cp');
      console.log(
        `  host RSS growth while streaming 200 MB: POST median ${mb(median(rss.post))} (max ${mb(Math.max(...rss.post))}), PUT median ${mb(median(rss.put))} (max ${mb(Math.max(...rss.put))})`,
      );
    } finally {
      await server.close();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/**
 * files.files.list over 10,000 files in one folder: its own database (migrated like production),
 * rows seeded in bulk, then the first page and a deep page measured through the tRPC caller.
 */
const list10k: Section = {
  name: 'list-10k',
  async run() {
    const pg = (await import('pg')).default;
    const platform = await import('@ubos/platform');
    const { filesModule } = await import('../packages/domains/files/src/module.ts');
    const { filesRouter } = await import('../packages/domains/files/src/router.ts');
    const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const appPassword = 'ubos_app_test_password';
    const dbName = `ubos_bench_files_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await platform.ensureRoles(admin, { appPassword });
    await admin.query(`CREATE DATABASE ${dbName} OWNER ${platform.OWNER_ROLE}`);
    await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${platform.APP_ROLE}`);
    const db = createDatabase({ connectionString: platform.withCredentials(adminUrl, platform.APP_ROLE, appPassword, dbName), max: 4 });
    try {
      await platform.migrateDatabase(platform.withCredentials(adminUrl, platform.OWNER_ROLE, undefined, dbName), modules);
      const FILES = 10_000;
      const seed = async (tenantId: string): Promise<string> => {
        const folderId = platform.uuidv7();
        await platform.withTenant(db, { tenantId }, async (trx) => {
          await platform.sql`INSERT INTO files.folders (id, tenant_id, name) VALUES (${folderId}, ${tenantId}, 'Big folder')`.execute(trx);
          // Ids derived from the row number, names in random order (md5), every blob ready.
          const ids = (kind: string) => {
            const h = `md5('${kind}${tenantId}' || i)`;
            // A version-4 layout, so the DTOs' uuid check accepts it.
            return platform.sql.raw(`(substr(${h}, 1, 12) || '4' || substr(${h}, 14, 3) || '8' || substr(${h}, 18, 15))::uuid`);
          };
          await platform.sql`
            INSERT INTO files.blobs (id, tenant_id, storage, key, state, name, declared_size, declared_type, size, sniffed_type, sha256, folder_id, expires_at, finalized_at)
            SELECT ${ids('b')}, ${tenantId}, 'local', ${tenantId} || '/files/versions/' || ${ids('b')}, 'ready', 'x.pdf', 1000, 'application/pdf', 1000,
                   'application/pdf', repeat('a', 64), ${folderId}, now(), now()
            FROM generate_series(1, ${FILES}) AS i`.execute(trx);
          await platform.sql`
            INSERT INTO files.files (id, tenant_id, folder_id, name, version_count, current_version_id)
            SELECT ${ids('f')}, ${tenantId}, ${folderId}, 'Document ' || md5(i::text) || '.pdf', 1, ${ids('v')}
            FROM generate_series(1, ${FILES}) AS i`.execute(trx);
          await platform.sql`
            INSERT INTO files.file_versions (id, tenant_id, file_id, version, blob_id, name)
            SELECT ${ids('v')}, ${tenantId}, ${ids('f')}, 1, ${ids('b')}, 'x.pdf'
            FROM generate_series(1, ${FILES}) AS i`.execute(trx);
        });
        return folderId;
      };
      const tenantId = platform.uuidv7();
      const folderId = await seed(tenantId);
      await seed(platform.uuidv7());
      const owner = new pg.Client({ connectionString: platform.withCredentials(adminUrl, 'postgres', undefined, dbName) });
      await owner.connect();
      await owner.query('ANALYZE files.files, files.file_versions, files.blobs');
      await owner.end();

      const runtime = createDomainRuntime([platform.platformModule, filesModule], null, {});
      const userId = platform.uuidv7();
      const caller = platform.createCallerFactory(filesRouter)({
        requestId: 'bench',
        correlationId: 'bench',
        log: createLogger({ level: 'silent' }),
        config: configSchema.parse({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
        db,
        cache: new platform.MemoryCache(),
        rateLimiter: new platform.MemoryRateLimiter(),
        cookies: { get: () => undefined, set: () => undefined, clear: () => undefined },
        ip: '127.0.0.1',
        userAgent: 'bench',
        session: {
          sessionId: 'bench',
          userId,
          email: 'bench@example.test',
          name: 'Bench',
          tenantId,
          role: 'owner',
          permissions: new Set(runtime.permissions.forRole('owner')),
          expiresAt: new Date(Date.now() + 3_600_000),
        },
        runtime,
      });
      const first = await caller.files.list({ folderId, limit: 50 });
      if (first.items.length !== 50 || !first.nextCursor) throw new Error('the listing did not return a full first page');
      const names = first.items.map((item) => item.name.toLowerCase());
      if (names.some((name, index) => index > 0 && name < (names[index - 1] ?? ''))) throw new Error('the first page is not sorted by name');
      // A cursor from deep in the folder: page 100.
      let deep: string | null = first.nextCursor;
      for (let page = 1; page < 100 && deep; page += 1) deep = (await caller.files.list({ folderId, limit: 50, cursor: deep })).nextCursor;

      for (let i = 0; i < 50; i += 1) await caller.files.list({ folderId, limit: 50 });
      const sequential = await measure(1000, 1, () => caller.files.list({ folderId, limit: 50 }));
      const concurrent = await measure(1000, 4, () => caller.files.list({ folderId, limit: 50 }));
      const deepPages = await measure(500, 1, () => caller.files.list({ folderId, limit: 50, cursor: deep }));
      console.log(
        `files.files.list of a folder of ${FILES.toLocaleString('en')} files (another tenant holds ${FILES.toLocaleString('en')} more), 50 per page, through the tRPC caller`,
      );
      console.log(`  first page, 1 in flight : ${latencies(sequential)}`);
      console.log(`  first page, 4 in flight : ${latencies(concurrent)}`);
      console.log(`  page 101 by cursor      : ${latencies(deepPages)}`);
      console.log('  target: first page p95 <= 20 ms');
      const deepKey = JSON.parse(Buffer.from(deep ?? '', 'base64url').toString('utf8')) as [string, string];
      const plan = await platform.withTenant(db, { tenantId }, (trx) =>
        platform.sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, COSTS OFF) SELECT f.id, v.version, b.size FROM files.files f
          JOIN files.file_versions v ON v.id = f.current_version_id JOIN files.blobs b ON b.id = v.blob_id
          WHERE f.folder_id = ${folderId} AND f.archived_at IS NULL AND (f.name_key, f.id) > (${deepKey[0]}, ${deepKey[1]}::uuid)
          ORDER BY f.name_key, f.id LIMIT 51`.execute(trx),
      );
      console.log(`  plan of page 101: ${plan.rows.map((row) => row['QUERY PLAN'].trim()).join(' | ')}`);
    } finally {
      await db.close();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
  },
};

const sections: Section[] = [presignLocal, presignS3, upload200mb, list10k];

const wanted = process.argv.slice(2);
for (const section of sections) {
  if (wanted.length > 0 && !wanted.includes(section.name)) continue;
  console.log(`\n--- ${section.name} ---`);
  await section.run();
}
