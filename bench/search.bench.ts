// Search benchmark: 1M documents (largest tenant 100k) in a dedicated database; Command-K
// queries at ~50/s for a bounded time, each as the app does it (ubos_app, tenant transaction,
// RLS on, through search.query_documents), against baselines:
//   bypass-fn      the same function called by a BYPASSRLS role
//   bypass-inline  the function's query inlined, run by a BYPASSRLS role (no RLS at all: the ideal)
//   naive-rls      that inlined query run by ubos_app under RLS (the §10 pitfall), fewer queries
// Usage: node bench/search.bench.ts [seconds per phase=45, in 9 interleaved rounds] [rate/s=50]
// Needs Postgres at TEST_ADMIN_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import pg from 'pg';
import { APP_ROLE, OWNER_ROLE, ensureRoles, migrateDatabase, platformModule, withCredentials } from '@ubos/platform';
import { searchModule } from '../packages/domains/search/src/index.ts';

const SECONDS = Number(process.argv[2] ?? 45);
const RATE = Number(process.argv[3] ?? 50);
const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const APP_PASSWORD = 'ubos_app_test_password'; // the test harness's, so a concurrent test run keeps working
const suffix = randomBytes(4).toString('hex');
const dbName = `ubos_bench_search_${suffix}`;
const bypassRole = `ubos_bench_bypass_${suffix}`;
const bypassPassword = randomBytes(12).toString('hex');

const LARGE_TENANT_DOCS = 100_000;
const SMALL_TENANTS = 90;
const SMALL_TENANT_DOCS = 10_000;
const NAIVE_QUERIES = 12;
const ROUNDS = 9;
const SERIAL_QUERIES = 500;
const TYPES = ['client', 'contact', 'deal', 'project', 'task'];
const VOCABULARY = (
  'acme globex initech umbrella hooli stark wayne wonka tyrell cyberdyne soylent aperture vandelay oscorp piper dunder mifflin ' +
  'gringotts monarch nakatomi weyland yutani zorg massive dynamic bluesun virtucon gekko prestige worldwide bluth sterling cooper ' +
  'draper krusty duff pollos hermanos vehement capital strickland propane wernham hogg bradbury callahan parts oceanic northwind ' +
  'contoso fabrikam adventure works tailspin wingtip coffee litware proseware lucerne alpine house margie travel research coho ' +
  'vineyard humongous insurance importers consolidated messenger graphic design institute school southridge video baldwin museum ' +
  'yonder airlines power light pharmaceuticals jane john maria pierre chen olga ahmed lucia kenji fatima website redesign audit ' +
  'payroll onboarding migration quarterly review tax return annual retainer bookkeeping'
).split(' ');

function tenantId(index: number): string {
  return `00000000-0000-7000-8000-${index.toString(16).padStart(12, '0')}`;
}

let seed = 7;
function random(n: number): number {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
}
function word(): string {
  return VOCABULARY[random(VOCABULARY.length)] ?? 'acme';
}
function typo(value: string): string {
  if (value.length < 4) return value;
  const i = 1 + random(value.length - 2);
  return value.slice(0, i) + (value[i + 1] ?? '') + (value[i] ?? '') + value.slice(i + 2);
}
/** A Command-K keystroke mix: prefixes, whole words, two words, typos. */
function queryText(): string {
  const kind = random(10);
  if (kind < 4) return word().slice(0, 2 + random(4));
  if (kind < 6) return word();
  if (kind < 8) return `${word()} ${word().slice(0, 3)}`;
  return typo(word());
}
interface Query {
  tenant: string;
  q: string;
}
/** 30% of queries hit the largest tenant, the rest spread over the small ones. */
function queries(n: number): Query[] {
  return Array.from({ length: n }, () => ({ tenant: random(10) < 3 ? tenantId(0) : tenantId(1 + random(SMALL_TENANTS)), q: queryText() }));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

const FUNCTION_SQL = 'SELECT entity_type, entity_id, title, score FROM search.query_documents($1, $2::text[], 20)';

/** The function's query, inlined with JS-computed parameters (what a no-RLS implementation would run). */
const INLINE_SQL = `
  WITH direct AS MATERIALIZED (
    (SELECT d.entity_type, d.entity_id FROM search.documents d
      WHERE d.tenant_id = $1 AND lower(d.title) COLLATE "C" >= $2 AND lower(d.title) COLLATE "C" < $3 AND d.entity_type = ANY ($5::text[])
      ORDER BY lower(d.title) COLLATE "C" LIMIT 50)
    UNION
    (SELECT d.entity_type, d.entity_id FROM search.documents d
      WHERE length($2) >= 2 AND d.tsv @@ to_tsquery('simple', $4) AND (d.tenant_id = $1) IS TRUE AND d.entity_type = ANY ($5::text[]) LIMIT 200)
  ),
  fuzzy AS (
    SELECT d.entity_type, d.entity_id FROM search.documents d
      WHERE length($2) >= 3 AND (SELECT count(*) FROM direct) < 20 AND d.tenant_key = $1 AND $2 <% d.title AND d.entity_type = ANY ($5::text[])
      LIMIT 200
  ),
  candidates AS (SELECT * FROM direct UNION SELECT * FROM fuzzy)
  SELECT d.entity_type, d.entity_id, d.title,
    (CASE WHEN lower(d.title) = $2 THEN 3.0 WHEN lower(d.title) COLLATE "C" >= $2 AND lower(d.title) COLLATE "C" < $3 THEN 1.5 ELSE 0 END
     + ts_rank(d.tsv, to_tsquery('simple', $4)) + word_similarity($2, d.title))::real AS score
  FROM candidates c JOIN search.documents d ON d.tenant_id = $1 AND d.entity_type = c.entity_type AND d.entity_id = c.entity_id
  ORDER BY 4 DESC, 3, 2 LIMIT 20`;

function inlineParams(query: Query): unknown[] {
  const needle = query.q.trim().toLowerCase().replace(/\s+/g, ' ');
  const tag = `x${query.tenant.replaceAll('-', '').slice(-12)}`;
  const tsquery = needle
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((token) => `'${tag}${token}':*`)
    .join(' & ');
  return [query.tenant, needle, `${needle}\u{10FFFF}`, tsquery, TYPES];
}

interface PhaseResult {
  name: string;
  count: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  achievedRate: number;
  largeP95: number;
  smallP95: number;
  meanHits: number;
}

interface Samples {
  latencies: { ms: number; large: boolean }[];
  errors: number;
  hits: number;
  seconds: number;
}

/** Open-loop load: one query every 1000/RATE ms whatever the previous ones are doing. */
async function phase(name: string, pool: pg.Pool, list: Query[], run: (client: pg.PoolClient, query: Query) => Promise<number>): Promise<Samples> {
  const total = list.length;
  const latencies: { ms: number; large: boolean }[] = [];
  let errors = 0;
  let hits = 0;
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const query = list[i] as Query;
    inflight.push(
      (async () => {
        const t0 = performance.now();
        const client = await pool.connect();
        try {
          hits += await run(client, query);
          latencies.push({ ms: performance.now() - t0, large: query.tenant === tenantId(0) });
        } catch (error) {
          errors += 1;
          if (errors <= 3) console.error(`  ${name} error:`, error instanceof Error ? error.message : error);
          await client.query('ROLLBACK').catch(() => undefined);
        } finally {
          client.release();
        }
      })(),
    );
  }
  await Promise.all(inflight);
  return { latencies, errors, hits, seconds: (performance.now() - started) / 1000 };
}

function summarise(name: string, rounds: Samples[]): PhaseResult {
  const latencies = rounds.flatMap((round) => round.latencies);
  const errors = rounds.reduce((sum, round) => sum + round.errors, 0);
  const hits = rounds.reduce((sum, round) => sum + round.hits, 0);
  const elapsed = rounds.reduce((sum, round) => sum + round.seconds, 0);
  const all = latencies.map((entry) => entry.ms).sort((x, y) => x - y);
  const large = latencies
    .filter((entry) => entry.large)
    .map((entry) => entry.ms)
    .sort((x, y) => x - y);
  const small = latencies
    .filter((entry) => !entry.large)
    .map((entry) => entry.ms)
    .sort((x, y) => x - y);
  return {
    name,
    count: all.length,
    errors,
    p50: percentile(all, 50),
    p95: percentile(all, 95),
    p99: percentile(all, 99),
    max: all.at(-1) ?? Number.NaN,
    achievedRate: all.length / elapsed,
    largeP95: percentile(large, 95),
    smallP95: percentile(small, 95),
    meanHits: hits / Math.max(1, all.length),
  };
}

async function inTenant(client: pg.PoolClient, tenant: string, text: string, params: unknown[]): Promise<number> {
  await client.query('BEGIN');
  await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
  const result = await client.query(text, params);
  await client.query('COMMIT');
  return result.rowCount ?? 0;
}

const loadAtStart = loadavg()[0] ?? Number.NaN;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
const pools: pg.Pool[] = [];
try {
  await ensureRoles(admin, { appPassword: APP_PASSWORD });
  await admin.query(`CREATE DATABASE ${dbName} OWNER ${OWNER_ROLE}`);
  await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${APP_ROLE}`);
  await admin.query(`CREATE ROLE ${bypassRole} LOGIN BYPASSRLS PASSWORD '${bypassPassword}'`);
  await admin.query(`GRANT CONNECT ON DATABASE ${dbName} TO ${bypassRole}`);
  await migrateDatabase(withCredentials(adminUrl, OWNER_ROLE, undefined, dbName), [platformModule, searchModule]);

  const loader = new pg.Client({
    connectionString: withCredentials(adminUrl, new URL(adminUrl).username || 'postgres', new URL(adminUrl).password || undefined, dbName),
  });
  loader.on('error', () => undefined);
  await loader.connect();
  await loader.query(`GRANT USAGE ON SCHEMA search, platform TO ${bypassRole}`);
  await loader.query(`GRANT SELECT ON search.documents TO ${bypassRole}`);
  await loader.query(`GRANT EXECUTE ON FUNCTION search.query_documents(text, text[], integer) TO ${bypassRole}`);
  // Bulk load: drop the indexes, insert with generate_series, rebuild them (GIN builds far faster in bulk).
  const loadStarted = performance.now();
  const indexes = await loader.query<{ indexname: string; indexdef: string }>(
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'search' AND tablename = 'documents' AND indexname <> 'documents_pkey'",
  );
  for (const index of indexes.rows) await loader.query(`DROP INDEX search.${index.indexname}`);
  await loader.query("SET maintenance_work_mem = '256MB'");
  const tenantSizes = [[0, LARGE_TENANT_DOCS], ...Array.from({ length: SMALL_TENANTS }, (_, i) => [i + 1, SMALL_TENANT_DOCS])] as const;
  await loader.query(
    `INSERT INTO search.documents (tenant_id, entity_type, entity_id, title, subtitle, source_occurred_at)
     SELECT t.id, (ARRAY['client','contact','deal','project','task'])[1 + i % 5], gen_random_uuid(),
            v.a[1 + (hashint4(i * 7 + t.k) & 2147483647) % cardinality(v.a)] || ' '
              || v.a[1 + (hashint4(i * 13 + t.k + 1) & 2147483647) % cardinality(v.a)] || ' ' || (i % 997),
            CASE WHEN i % 5 = 1 THEN lower(v.a[1 + (hashint4(i + t.k) & 2147483647) % cardinality(v.a)]) || '@example.test' END,
            now()
     FROM (SELECT array_agg(initcap(w)) AS a FROM unnest($1::text[]) AS w) AS v,
          unnest($2::uuid[], $3::int[], $4::int[]) AS t(id, k, n),
          generate_series(1, t.n) AS i`,
    [VOCABULARY, tenantSizes.map(([k]) => tenantId(k)), tenantSizes.map(([k]) => k), tenantSizes.map(([, n]) => n)],
  );
  for (const index of indexes.rows) await loader.query(index.indexdef);
  await loader.query('ANALYZE search.documents');
  const counted = await loader.query<{ n: number; tenants: number; largest: number }>(
    'SELECT count(*)::int AS n, count(DISTINCT tenant_id)::int AS tenants, (SELECT count(*)::int FROM search.documents WHERE tenant_id = $1) AS largest FROM search.documents',
    [tenantId(0)],
  );
  const size = await loader.query<{ size: string }>("SELECT pg_size_pretty(pg_total_relation_size('search.documents')) AS size");
  await loader.end();
  const row = counted.rows[0];
  console.log(
    `loaded ${row?.n} documents over ${row?.tenants} tenants (largest ${row?.largest}) in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s; table + indexes ${size.rows[0]?.size}`,
  );

  const appPool = new pg.Pool({ connectionString: withCredentials(adminUrl, APP_ROLE, APP_PASSWORD, dbName), max: 8 });
  const bypassPool = new pg.Pool({ connectionString: withCredentials(adminUrl, bypassRole, bypassPassword, dbName), max: 8 });
  pools.push(appPool, bypassPool);
  for (const pool of pools) pool.on('error', () => undefined);
  const sessionSettings = 'SET pg_trgm.word_similarity_threshold = 0.5; SET enable_seqscan = off';
  for (const pool of pools) pool.on('connect', (client) => void client.query(sessionSettings));

  // Warm-up: caches and connections, not measured.
  await phase('warm-up', appPool, queries(10 * RATE), (client, query) => inTenant(client, query.tenant, FUNCTION_SQL, [query.q, TYPES]));
  await phase('warm-up', bypassPool, queries(5 * RATE), (client, query) => inTenant(client, query.tenant, INLINE_SQL, inlineParams(query)));

  // Interleaved rounds, so a noisy neighbour on a shared machine hits every phase alike.
  const contenders: { name: string; pool: pg.Pool; run: (client: pg.PoolClient, query: Query) => Promise<number> }[] = [
    { name: 'app (ubos_app, RLS on, definer fn)', pool: appPool, run: (client, query) => inTenant(client, query.tenant, FUNCTION_SQL, [query.q, TYPES]) },
    { name: 'bypass-fn (BYPASSRLS, same fn)', pool: bypassPool, run: (client, query) => inTenant(client, query.tenant, FUNCTION_SQL, [query.q, TYPES]) },
    { name: 'bypass-inline (BYPASSRLS, no fn)', pool: bypassPool, run: (client, query) => inTenant(client, query.tenant, INLINE_SQL, inlineParams(query)) },
  ];
  const samples = contenders.map(() => [] as Samples[]);
  for (let round = 0; round < ROUNDS; round += 1) {
    // Every contender runs the same queries in a round.
    const list = queries(Math.round((SECONDS / ROUNDS) * RATE));
    for (const [index, contender] of contenders.entries()) {
      samples[index]?.push(await phase(contender.name, contender.pool, list, contender.run));
    }
  }
  const results: PhaseResult[] = contenders.map((contender, index) => summarise(contender.name, samples[index] ?? []));
  // Service time without queueing: one client, closed loop, the app path.
  {
    const serial: number[] = [];
    const client = await appPool.connect();
    try {
      for (const query of queries(SERIAL_QUERIES)) {
        const t0 = performance.now();
        await inTenant(client, query.tenant, FUNCTION_SQL, [query.q, TYPES]);
        serial.push(performance.now() - t0);
      }
    } finally {
      client.release();
    }
    serial.sort((x, y) => x - y);
    results.push({
      name: `app serial (1 client, ${SERIAL_QUERIES} queries)`,
      count: serial.length,
      errors: 0,
      p50: percentile(serial, 50),
      p95: percentile(serial, 95),
      p99: percentile(serial, 99),
      max: serial.at(-1) ?? Number.NaN,
      achievedRate: Number.NaN,
      largeP95: Number.NaN,
      smallP95: Number.NaN,
      meanHits: Number.NaN,
    });
  }

  // The pitfall, closed loop and few queries: under RLS it is slow enough to swamp a shared machine.
  {
    const naive: number[] = [];
    const client = await appPool.connect();
    try {
      for (const query of queries(NAIVE_QUERIES)) {
        const t0 = performance.now();
        await inTenant(client, query.tenant, INLINE_SQL, inlineParams(query));
        naive.push(performance.now() - t0);
      }
    } finally {
      client.release();
    }
    naive.sort((x, y) => x - y);
    results.push({
      name: `naive-rls (ubos_app, inline, ${NAIVE_QUERIES} sequential)`,
      count: naive.length,
      errors: 0,
      p50: percentile(naive, 50),
      p95: percentile(naive, 95),
      p99: percentile(naive, 99),
      max: naive.at(-1) ?? Number.NaN,
      achievedRate: Number.NaN,
      largeP95: Number.NaN,
      smallP95: Number.NaN,
      meanHits: Number.NaN,
    });
  }

  const fmt = (value: number) => value.toFixed(1).padStart(7);
  console.log(
    `\n${RATE} queries/s open loop, ${SECONDS} s per phase in ${ROUNDS} interleaved rounds; 30% of queries on the 100k tenant; latency = BEGIN + set tenant + query + COMMIT (ms)`,
  );
  console.log(`${'phase'.padEnd(40)}   n  err    p50     p95     p99     max   q/s  p95@100k p95@10k hits`);
  for (const r of results) {
    console.log(
      `${r.name.padEnd(40)}${String(r.count).padStart(5)}${String(r.errors).padStart(4)} ${fmt(r.p50)} ${fmt(r.p95)} ${fmt(r.p99)} ${fmt(r.max)} ${r.achievedRate.toFixed(1).padStart(5)} ${fmt(r.largeP95)} ${fmt(r.smallP95)} ${r.meanHits.toFixed(1)}`,
    );
  }
  const [app, bypassFn, bypassInline, , naive] = results;
  if (app && bypassFn && bypassInline && naive) {
    console.log(
      `\nratio app / bypass-inline: p95 ${(app.p95 / bypassInline.p95).toFixed(2)}x, p99 ${(app.p99 / bypassInline.p99).toFixed(2)}x (target <= 1.5x)`,
    );
    console.log(`ratio app / bypass-fn:     p95 ${(app.p95 / bypassFn.p95).toFixed(2)}x, p99 ${(app.p99 / bypassFn.p99).toFixed(2)}x`);
    console.log(`naive RLS / app:           p95 ${(naive.p95 / app.p95).toFixed(1)}x (the pitfall the definer function avoids)`);
    console.log(
      `machine: ${availableParallelism()} CPUs, 1-min load average ${loadAtStart.toFixed(1)} at start, ${(loadavg()[0] ?? Number.NaN).toFixed(1)} at end (Postgres shares them)`,
    );
    console.log(`targets: app p95 ${app.p95.toFixed(1)} ms (<= 30), p99 ${app.p99.toFixed(1)} ms (<= 60)`);
  }
} finally {
  await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((error: unknown) => console.error('drop database failed', error));
  await admin.query(`DROP ROLE IF EXISTS ${bypassRole}`).catch((error: unknown) => console.error('drop role failed', error));
  await admin.end();
}
