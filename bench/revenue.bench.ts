// Revenue benchmark (the issue's figures; run briefly, prints them):
//  pdf-30        an invoice PDF of 30 lines (computeInvoice + @cantoo/pdf-lib), 200 renders:
//                p50/p95/p99 (target p95 <= 150 ms)
//  recurring-10k 10,000 recurring plans due today in 100 tenants, issued by the scheduler
//                (issueDuePlans, each period one transaction: draft + number + issue + plan advance),
//                two schedulers at once: seconds (target <= 60 s) and duplicates per (plan, period) (target 0)
//  list-100k     revenue.invoices.list first page (50) in a tenant with 100,000 invoices, through the
//                procedure (tRPC caller, tenant transaction, RLS): p50/p95/p99 (target p95 <= 30 ms), unfiltered,
//                by status, and overdue
// Usage: node bench/revenue.bench.ts [section ...]   (default: every section)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import * as platform from '@ubos/platform';
import { modules } from '../apps/api/src/modules.ts';
import { issueDuePlans } from '../packages/domains/revenue/src/jobs.ts';
import { renderInvoicePdf, type InvoicePdfInput } from '../packages/domains/revenue/src/pdf.ts';
import { revenueRouter } from '../packages/domains/revenue/src/router.ts';

const { createDatabase, sql, uuidv7, withTenant } = platform;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
function latencies(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (value: number) => `${value.toFixed(2)} ms`;
  return `p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted.at(-1) ?? Number.NaN)}  (n=${samples.length})`;
}

const log = platform.createLogger({ level: 'silent' });
const budgets = { RATE_LIMIT_UNITS_PER_IP: '1000000000', RATE_LIMIT_UNITS_PER_USER: '1000000000', RATE_LIMIT_UNITS_PER_TENANT: '1000000000' };
const config = platform.configSchema.parse({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...budgets });
const runtime = platform.createDomainRuntime(modules, null, {});
const catalog = new platform.PermissionCatalog(modules);
const createCaller = platform.createCallerFactory(revenueRouter);
const noCookies: platform.CookieJar = { get: () => undefined, set: () => undefined, clear: () => undefined };

function staff(db: platform.Database, tenantId: string) {
  const ctx: platform.Context = {
    requestId: uuidv7(),
    correlationId: uuidv7(),
    log,
    config,
    db,
    cache: new platform.MemoryCache(),
    rateLimiter: new platform.MemoryRateLimiter(),
    cookies: noCookies,
    ip: '127.0.0.1',
    userAgent: 'bench',
    session: {
      sessionId: uuidv7(),
      userId: uuidv7(),
      email: 'bench@example.test',
      name: 'Bench',
      tenantId,
      role: 'owner',
      permissions: new Set(catalog.forRole('owner')),
      expiresAt: new Date(Date.now() + 3_600_000),
    },
    portal: null,
    runtime,
  };
  return createCaller(ctx);
}

let analyze: () => Promise<void> = async () => undefined;

async function withBenchDatabase<T>(fn: (db: platform.Database) => Promise<T>): Promise<T> {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const appPassword = 'ubos_app_test_password';
  const dbName = `ubos_bench_revenue_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await platform.ensureRoles(admin, { appPassword });
  await admin.query(`CREATE DATABASE ${dbName} OWNER ${platform.OWNER_ROLE}`);
  await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${platform.APP_ROLE}`);
  const db = createDatabase({ connectionString: platform.withCredentials(adminUrl, platform.APP_ROLE, appPassword, dbName), max: 20 });
  try {
    await platform.migrateDatabase(platform.withCredentials(adminUrl, platform.OWNER_ROLE, undefined, dbName), modules);
    analyze = async () => {
      const owner = new pg.Client({ connectionString: platform.withCredentials(adminUrl, platform.OWNER_ROLE, undefined, dbName) });
      await owner.connect();
      await owner.query('ANALYZE');
      await owner.end();
    };
    return await fn(db);
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

const sections: Record<string, () => Promise<void>> = {
  async 'pdf-30'() {
    const input: InvoicePdfInput = {
      kind: 'invoice',
      brandName: 'Bench Advisory',
      number: 'INV-0001',
      status: 'issued',
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
      billTo: { name: 'Client Ltd', email: 'ap@client.test', lines: ['1 Main Street', 'Springfield'] },
      content: {
        currency: 'EUR',
        taxMode: 'exclusive',
        rounding: { level: 'line', mode: 'halfUp' },
        taxes: [{ id: 'vat', name: 'VAT', rate: '19' }],
        documentTaxIds: ['vat'],
        lines: Array.from({ length: 30 }, (_, i) => ({
          description: `Consulting block ${i + 1}, strategy and delivery`,
          quantity: `${1 + (i % 5)}.5`,
          unitPrice: 12_345 + i * 101,
        })),
      },
      paid: 0n,
      credited: 0n,
      notes: 'Thank you for your business.',
    };
    for (let i = 0; i < 20; i += 1) await renderInvoicePdf(input);
    const samples: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const start = performance.now();
      await renderInvoicePdf(input);
      samples.push(performance.now() - start);
    }
    console.log(`pdf-30      ${latencies(samples)}  (target p95 <= 150 ms)`);
  },

  async 'recurring-10k'() {
    await withBenchDatabase(async (db) => {
      const tenants = Array.from({ length: 100 }, () => uuidv7());
      const template = JSON.stringify({
        currency: 'USD',
        lines: [{ description: 'Retainer', quantity: '1', unitPrice: '250000', taxIds: [] }],
        taxes: [],
        documentTaxIds: [],
      });
      for (const tenantId of tenants) {
        await withTenant(db, { tenantId }, async (trx) => {
          const clientId = uuidv7();
          await sql`INSERT INTO platform.entity_references (tenant_id, kind, id) VALUES (${tenantId}, 'crm.client', ${clientId})`.execute(trx);
          await sql`
            INSERT INTO revenue.invoice_plans (id, tenant_id, client_id, name, kind, template, interval_months, anchor_day, start_date, next_run_on)
            SELECT gen_random_uuid(), ${tenantId}, ${clientId}, 'Plan ' || i, 'recurring', ${template}::jsonb, 1, 1, DATE '2026-03-01', DATE '2026-03-01'
            FROM generate_series(1, 100) i`.execute(trx);
        });
      }
      await analyze();
      const start = performance.now();
      const [a, b] = await Promise.all([
        issueDuePlans(db, log, { today: '2026-03-01', concurrency: 6 }),
        issueDuePlans(db, log, { today: '2026-03-01', concurrency: 6 }),
      ]);
      const seconds = (performance.now() - start) / 1000;
      // Counted per tenant (RLS): every invoice and every (plan, period) seen more than once.
      let perTenant = 0;
      let duplicates = 0;
      for (const tenantId of tenants) {
        const r = await withTenant(db, { tenantId }, (trx) =>
          sql<{
            n: number;
            d: number;
          }>`SELECT count(*)::int AS n, count(*)::int - count(DISTINCT (plan_id, plan_period))::int AS d FROM revenue.invoices`.execute(trx),
        );
        perTenant += r.rows[0]?.n ?? 0;
        duplicates += r.rows[0]?.d ?? 0;
      }
      console.log(
        `recurring-10k  ${seconds.toFixed(1)} s for ${perTenant} invoices (${(perTenant / seconds).toFixed(0)}/s; schedulers reported ${a.issued} + ${b.issued} issued), duplicates ${duplicates}  (targets <= 60 s, 0 duplicates)`,
      );
    });
  },

  async 'list-100k'() {
    await withBenchDatabase(async (db) => {
      const tenantId = uuidv7();
      const clientIds = Array.from({ length: 200 }, () => uuidv7());
      await withTenant(db, { tenantId }, async (trx) => {
        await sql`
          INSERT INTO revenue.invoices (id, tenant_id, client_id, status, seq, number, currency, tax_mode, rounding_level, rounding_mode, payment_terms_days,
            issue_date, due_date, subtotal_minor, total_minor, paid_minor, issued_at, created_at)
          SELECT
            (lpad(to_hex(1700000000000 + i), 12, '0') || '7000' || '8000' || lpad(to_hex(i), 12, '0'))::uuid,
            ${tenantId}, (${clientIds}::uuid[])[1 + i % 200],
            CASE WHEN i % 10 = 0 THEN 'draft' WHEN i % 3 = 0 THEN 'paid' ELSE 'issued' END,
            CASE WHEN i % 10 = 0 THEN NULL ELSE i END, CASE WHEN i % 10 = 0 THEN NULL ELSE 'INV-' || i END,
            'USD', 'exclusive', 'line', 'halfUp', 30,
            CASE WHEN i % 10 = 0 THEN NULL ELSE DATE '2025-01-01' + (i / 300) END,
            CASE WHEN i % 10 = 0 THEN NULL ELSE DATE '2025-01-31' + (i / 300) END,
            10000 + i, 10000 + i, CASE WHEN i % 10 <> 0 AND i % 3 = 0 THEN 10000 + i ELSE 0 END, CASE WHEN i % 10 = 0 THEN NULL ELSE now() END, now()
          FROM generate_series(1, 100000) i`.execute(trx);
      });
      await analyze();
      const caller = staff(db, tenantId);
      const run = async (label: string, input: Parameters<typeof caller.invoices.list>[0]) => {
        for (let i = 0; i < 20; i += 1) await caller.invoices.list(input);
        const samples: number[] = [];
        for (let i = 0; i < 200; i += 1) {
          const start = performance.now();
          const page = await caller.invoices.list(input);
          samples.push(performance.now() - start);
          if (page.items.length !== 50) throw new Error(`expected a full page, got ${page.items.length}`);
        }
        console.log(`list-100k ${label.padEnd(12)} ${latencies(samples)}  (target p95 <= 30 ms)`);
      };
      await run('first page', { limit: 50 });
      await run('status', { status: 'issued', limit: 50 });
      await run('overdue', { overdue: true, limit: 50 });
      await run('client', { clientId: clientIds[7], limit: 50 });
    });
  },
};

const wanted = process.argv.slice(2);
for (const [name, section] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await section();
}
