// API keys benchmark (§7, issue 18). Figures:
//  resolve  the per-request cost of `Authorization: Bearer` — resolveApiKey (SECURITY DEFINER tenant
//           lookup by hash, then the key and its role's overrides under the tenant's RLS, last_used_at
//           touched at most once a minute) — with 10,000 keys of 100 tenants in the table:
//           sequential and 20 in flight, p50/p95/p99 (target p95 <= 5 ms sequential). Then a refused
//           (unknown) key, which stops at the first lookup, and an empty tenant transaction for scale.
// Usage: node bench/api-keys.bench.ts
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import * as platform from '@ubos/platform';
import { createDatabase, createDomainRuntime, type Database } from '@ubos/platform';
import { modules } from '../apps/api/src/modules.ts';
import { generateApiKeySecret, resolveApiKey } from '../packages/domains/identity/src/service-api-keys.ts';
import { hashToken } from '../packages/domains/identity/src/sessions.ts';

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

const runtime = createDomainRuntime(modules, null, {});
const TENANTS = 100;
const KEYS_PER_TENANT = 100;

async function main(): Promise<void> {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const appPassword = 'ubos_app_test_password';
  const dbName = `ubos_bench_keys_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await platform.ensureRoles(admin, { appPassword });
  await admin.query(`CREATE DATABASE ${dbName} OWNER ${platform.OWNER_ROLE}`);
  await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${platform.APP_ROLE}`);
  const db: Database = createDatabase({ connectionString: platform.withCredentials(adminUrl, platform.APP_ROLE, appPassword, dbName), max: 10 });
  const seedUrl = new URL(adminUrl);
  seedUrl.pathname = `/${dbName}`;
  const seed = new pg.Client({ connectionString: seedUrl.toString() });
  try {
    await platform.migrateDatabase(platform.withCredentials(adminUrl, platform.OWNER_ROLE, undefined, dbName), modules);
    await seed.connect();
    const secrets: string[] = [];
    for (let t = 0; t < TENANTS; t += 1) {
      const tenantId = platform.uuidv7();
      await seed.query('INSERT INTO identity.tenants (id, name) VALUES ($1, $2)', [tenantId, `Bench ${t}`]);
      const rows: unknown[] = [];
      for (let k = 0; k < KEYS_PER_TENANT; k += 1) {
        const secret = generateApiKeySecret();
        if (k === 0) secrets.push(secret);
        rows.push([platform.uuidv7(), tenantId, `Key ${k}`, hashToken(secret), secret.slice(0, 13), k % 2 === 0 ? 'member' : 'viewer']);
      }
      await seed.query(
        `INSERT INTO identity.api_keys (id, tenant_id, name, secret_hash, secret_prefix, role, expires_at)
         SELECT (r->>0)::uuid, (r->>1)::uuid, r->>2, r->>3, r->>4, r->>5, now() + interval '30 days' FROM jsonb_array_elements($1::jsonb) r`,
        [JSON.stringify(rows)],
      );
    }
    await seed.query('ANALYZE identity.api_keys');
    const deps = { db, permissions: runtime.permissions };
    let next = 0;
    const pick = () => secrets[(next++ * 7) % secrets.length] ?? '';
    // Warm up (and touch every sampled key once, so the timed calls are the common, untouched case).
    for (const secret of secrets) if (!(await resolveApiKey(deps, secret))) throw new Error('a seeded key did not resolve');
    console.log(`keys in the table: ${TENANTS * KEYS_PER_TENANT} (${TENANTS} tenants)`);
    console.log(`resolve, sequential (2,000):     ${latencies(await measure(2000, 1, () => resolveApiKey(deps, pick())))}`);
    console.log(`resolve, 20 in flight (4,000):   ${latencies(await measure(4000, 20, () => resolveApiKey(deps, pick())))}`);
    // For scale on this machine: one empty tenant transaction (BEGIN, the tenant settings, SELECT 1, COMMIT).
    const someTenant = (await seed.query<{ id: string }>('SELECT id FROM identity.tenants LIMIT 1')).rows[0]?.id ?? '';
    const empty = () => platform.withTenant(db, { tenantId: someTenant }, (trx) => platform.sql`SELECT 1`.execute(trx));
    console.log(`baseline, empty tenant transaction: ${latencies(await measure(2000, 1, empty))}`);
    const unknown = `ubos_${'a'.repeat(52)}`;
    console.log(`unknown key, sequential (2,000): ${latencies(await measure(2000, 1, () => resolveApiKey(deps, unknown)))}`);
  } finally {
    await seed.end().catch(() => undefined);
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
