/**
 * Command-K latency in a real browser: time from the last keystroke to the rendered results
 * (debounce + tRPC request + search.query + React render), p50/p95, for a tenant with 100k
 * clients in the search index, against the real host on localhost.
 *
 * A dedicated database is migrated with every module; the owner signs up through the UI; 100k
 * client documents are then bulk-loaded into search.documents for that tenant (what the search
 * subscription would write for 100k crm.client.created events). Chromium (playwright-core,
 * /usr/bin/chromium) types each query and a MutationObserver stamps when the results for that
 * exact query are on screen.
 * Run: node bench/web-commandk.bench.ts [queries=60] [--no-build]
 * Needs Postgres at TEST_ADMIN_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { APP_ROLE, OWNER_ROLE, ensureRoles, migrateDatabase, withCredentials } from '@ubos/platform';
import { modules } from '@ubos/api/modules';
import { buildWeb, launchBrowser, startHost } from '../apps/web/test/harness.ts';

const QUERIES = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 60);
const CLIENTS = 100_000;
const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const APP_PASSWORD = 'ubos_app_test_password';
const dbName = `ubos_bench_web_${randomBytes(4).toString('hex')}`;
const WORDS = (
  'acme globex initech umbrella hooli stark wayne wonka tyrell cyberdyne soylent aperture vandelay oscorp piper dunder mifflin ' +
  'gringotts monarch nakatomi weyland yutani massive dynamic bluesun virtucon gekko prestige worldwide bluth sterling cooper ' +
  'draper krusty duff pollos hermanos capital strickland propane wernham hogg bradbury callahan oceanic northwind contoso fabrikam'
).split(' ');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await ensureRoles(admin, { appPassword: APP_PASSWORD });
await admin.query(`CREATE DATABASE ${dbName} OWNER ${OWNER_ROLE}`);
await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${APP_ROLE}`);
const ownerUrl = withCredentials(adminUrl, OWNER_ROLE, undefined, dbName);
const appUrl = withCredentials(adminUrl, APP_ROLE, APP_PASSWORD, dbName);
const dbAdminUrl = withCredentials(adminUrl, new URL(adminUrl).username || 'postgres', new URL(adminUrl).password || undefined, dbName);

let host: Awaited<ReturnType<typeof startHost>> | undefined;
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
try {
  if (!process.argv.includes('--no-build')) await buildWeb();
  await migrateDatabase(ownerUrl, modules);
  host = await startHost({ DATABASE_URL: ownerUrl, DATABASE_APP_URL: appUrl, LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false' }, 'bench-host.log');
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, baseURL: host.url });
  page.setDefaultTimeout(20_000);
  await page.goto('/signup');
  await page.getByLabel('Your name').fill('Bench Owner');
  await page.getByLabel('Work email').fill(`bench.${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('bench password 123');
  await page.getByLabel('Organization name').fill('Bench Co');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('org-switcher').waitFor();
  const me = await page.evaluate(async () => {
    const res = await fetch('/trpc/identity.auth.me', { credentials: 'same-origin' });
    return (await res.json()) as { result: { data: { activeOrganization: { id: string } } } };
  });
  const tenantId = me.result.data.activeOrganization.id;

  const db = new pg.Client({ connectionString: dbAdminUrl });
  await db.connect();
  const started = performance.now();
  await db.query(
    `INSERT INTO search.documents (tenant_id, entity_type, entity_id, title, subtitle, source_occurred_at)
     SELECT $1::uuid, 'client', gen_random_uuid(),
            initcap(w.a[1 + (hashint4(i * 7) & 2147483647) % cardinality(w.a)]) || ' ' ||
            initcap(w.a[1 + (hashint4(i * 13 + 1) & 2147483647) % cardinality(w.a)]) || ' ' || i,
            w.a[1 + (hashint4(i) & 2147483647) % cardinality(w.a)] || '-' || i || '.example',
            now()
     FROM (SELECT $2::text[] AS a) AS w, generate_series(1, $3::int) AS i`,
    [tenantId, WORDS, CLIENTS],
  );
  await db.query('ANALYZE search.documents');
  const count = await db.query<{ n: string }>('SELECT count(*) AS n FROM search.documents WHERE tenant_id = $1', [tenantId]);
  await db.end();
  console.log(`seeded ${count.rows[0]?.n} client documents in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  await page.keyboard.press('Control+k');
  const input = page.getByTestId('command-input');
  await input.waitFor();
  let r = 11;
  const rand = (n: number) => {
    r = (r * 1103515245 + 12345) % 2 ** 31;
    return r % n;
  };
  const queries = Array.from({ length: QUERIES + 5 }, () => {
    const w = WORDS[rand(WORDS.length)] as string;
    const k = rand(3);
    return k === 0 ? w.slice(0, 3 + rand(3)) : k === 1 ? w : `${w} ${(WORDS[rand(WORDS.length)] as string).slice(0, 3)}`;
  });
  const times: number[] = [];
  for (const [index, q] of queries.entries()) {
    await input.fill('');
    await page.waitForFunction(() => document.querySelector('[data-testid="command-results"]')?.getAttribute('data-results-for') === '');
    const done = page.evaluate(
      (query) =>
        new Promise<number>((resolve, reject) => {
          const el = document.querySelector('[data-testid="command-input"]') as HTMLInputElement;
          const list = document.querySelector('[data-testid="command-results"]') as HTMLElement;
          let last = 0;
          const onKey = () => (last = performance.now());
          el.addEventListener('keydown', onKey, true);
          const timer = setTimeout(() => reject(new Error(`no results for "${query}"`)), 15_000);
          const observer = new MutationObserver(() => {
            if (list.getAttribute('data-results-for') === query) {
              const at = performance.now();
              observer.disconnect();
              el.removeEventListener('keydown', onKey, true);
              clearTimeout(timer);
              // Wait for paint: the frame that shows the results.
              requestAnimationFrame(() => resolve(Math.max(at, performance.now()) - last));
            }
          });
          observer.observe(list, { attributes: true, childList: true, subtree: true });
        }),
      q,
    );
    await page.waitForTimeout(10);
    await input.pressSequentially(q, { delay: 40 });
    const ms = await done;
    if (index >= 5) times.push(ms); // the first few warm up caches and the JIT
  }
  const hits = await page.getByTestId('command-hit').count();
  times.sort((a, b) => a - b);
  const mean = times.reduce((n, t) => n + t, 0) / times.length;
  console.log(`Command-K, ${CLIENTS.toLocaleString()} clients, ${times.length} queries typed at 40 ms/key (120 ms debounce included):`);
  console.log(
    `  keystroke -> rendered results  p50 ${percentile(times, 50).toFixed(0)} ms  p95 ${percentile(times, 95).toFixed(0)} ms  max ${times.at(-1)?.toFixed(0)} ms  mean ${mean.toFixed(0)} ms`,
  );
  console.log(`  (last query rendered ${hits} hits)`);
} finally {
  await browser?.close().catch(() => {});
  await host?.stop();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
