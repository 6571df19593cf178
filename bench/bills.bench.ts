// Bills and approvals benchmark (prints figures; never part of the tests):
//  receive   500 bills created and submitted through the procedures (policy: two steps): p50/p95/p99
//            of bills.create and bills.submit
//  inbox     approvals.inbox of an approver with 500 waiting bills: p50/p95/p99
//  decide    one approval each on those 500 bills (step 1 completes, step 2 opens): p50/p95/p99
//  race      200 bills whose any-one step three approvers decide at the same moment: wins per bill
//            (target exactly 1), approval events per bill (target exactly 1), decisions per second
// Usage: node bench/bills.bench.ts
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import * as platform from '@ubos/platform';
import { modules } from '../apps/api/src/modules.ts';
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

const createCaller = platform.createCallerFactory(revenueRouter);
const config = platform.configSchema.parse({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_UNITS_PER_IP: '1000000000',
  RATE_LIMIT_UNITS_PER_USER: '1000000000',
  RATE_LIMIT_UNITS_PER_TENANT: '1000000000',
});
const log = platform.createLogger({ level: 'silent' });
const runtime = platform.createDomainRuntime(modules, null, {});
const catalog = new platform.PermissionCatalog(modules);
const noCookies: platform.CookieJar = { get: () => undefined, set: () => undefined, clear: () => undefined };
const rateLimiter = new platform.MemoryRateLimiter();

function member(db: platform.Database, tenantId: string, role: platform.Role) {
  const userId = uuidv7();
  const session: platform.SessionInfo = {
    sessionId: uuidv7(),
    userId,
    email: `${userId}@bench.test`,
    name: 'Bench',
    tenantId,
    role,
    permissions: new Set(catalog.forRole(role)),
    expiresAt: new Date(Date.now() + 3_600_000),
  };
  const ctx: platform.Context = {
    requestId: uuidv7(),
    correlationId: uuidv7(),
    log,
    config,
    db,
    cache: new platform.MemoryCache(),
    rateLimiter,
    cookies: noCookies,
    ip: '10.0.0.1',
    userAgent: 'bench',
    session,
    portal: null,
    runtime,
  };
  return { userId, caller: createCaller(ctx) };
}

async function timed<T>(samples: number[], fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await fn();
  samples.push(performance.now() - start);
  return result;
}

async function main() {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const appPassword = 'ubos_app_test_password';
  const dbName = `ubos_bench_bills_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await platform.ensureRoles(admin, { appPassword });
  await admin.query(`CREATE DATABASE ${dbName} OWNER ${platform.OWNER_ROLE}`);
  await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${platform.APP_ROLE}`);
  const db = createDatabase({ connectionString: platform.withCredentials(adminUrl, platform.APP_ROLE, appPassword, dbName), max: 20 });
  try {
    await platform.migrateDatabase(platform.withCredentials(adminUrl, platform.OWNER_ROLE, undefined, dbName), modules);
    const tenantId = uuidv7();
    const owner = member(db, tenantId, 'owner');
    const clerk = member(db, tenantId, 'member');
    const approvers = [member(db, tenantId, 'admin'), member(db, tenantId, 'admin'), member(db, tenantId, 'admin')];
    await withTenant(db, { tenantId }, async (trx) => {
      for (const who of [owner, clerk, ...approvers]) {
        await sql`INSERT INTO platform.entity_references (tenant_id, kind, id) VALUES (${tenantId}, 'identity.member', ${who.userId})`.execute(trx);
      }
    });
    const vendor = await owner.caller.vendors.create({ name: 'Bench Supplies' });
    const approverIds = approvers.map((who) => who.userId);
    const rule = { minMinor: null, maxMinor: null, currency: null, vendorId: null, category: null };
    await owner.caller.policies.set({
      subjectKind: 'bill',
      rules: [
        { ...rule, name: 'Race', category: 'race', steps: [{ kind: 'users', userIds: approverIds, mode: 'any' }] },
        {
          ...rule,
          name: 'Two steps',
          steps: [
            { kind: 'users', userIds: approverIds, mode: 'any' },
            { kind: 'role', role: 'owner', count: 1 },
          ],
        },
      ],
    });

    const create: number[] = [];
    const submit: number[] = [];
    const ids: string[] = [];
    for (let index = 0; index < 500; index += 1) {
      const bill = await timed(create, () =>
        clerk.caller.bills.create({
          vendorId: vendor.id,
          number: `B-${index}`,
          issueDate: '2026-11-01',
          currency: 'USD',
          lines: [
            { description: 'Paper', amountMinor: 10_000 + index },
            { description: 'Toner', amountMinor: 5_000 },
          ],
        }),
      );
      await timed(submit, () => clerk.caller.bills.submit({ id: bill.id }));
      ids.push(bill.id);
    }
    console.log(`receive  bills.create  ${latencies(create)}`);
    console.log(`receive  bills.submit  ${latencies(submit)}`);

    const inbox: number[] = [];
    let waiting = 0;
    for (let index = 0; index < 30; index += 1) waiting = (await timed(inbox, () => approvers[0]?.caller.approvals.inbox() ?? Promise.resolve([]))).length;
    console.log(`inbox    ${waiting} waiting  ${latencies(inbox)}`);

    const decide: number[] = [];
    for (const [index, id] of ids.entries()) {
      const who = approvers[index % approvers.length];
      await timed(decide, () => who?.caller.approvals.decide({ subjectKind: 'bill', subjectId: id, version: 1, decision: 'approve' }) ?? Promise.resolve(null));
    }
    console.log(`decide   step 1 of 2   ${latencies(decide)}`);

    const raceIds: string[] = [];
    for (let index = 0; index < 200; index += 1) {
      const bill = await clerk.caller.bills.create({
        vendorId: vendor.id,
        number: `R-${index}`,
        issueDate: '2026-11-01',
        currency: 'USD',
        category: 'race',
        lines: [{ description: 'x', amountMinor: 100 }],
      });
      await clerk.caller.bills.submit({ id: bill.id });
      raceIds.push(bill.id);
    }
    const started = performance.now();
    const outcomes = await Promise.all(
      raceIds.map(async (id) => {
        const results = await Promise.allSettled(
          approvers.map((who) => who.caller.approvals.decide({ subjectKind: 'bill', subjectId: id, version: 1, decision: 'approve' })),
        );
        return results.filter((result) => result.status === 'fulfilled').length;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const events = await withTenant(db, { tenantId }, (trx) => platform.readOutbox(trx, { types: ['revenue.bill.approved'] }));
    const approvedPerBill = new Map<string, number>();
    for (const row of events) {
      const billId = String(row.event.payload.bill_id);
      if (raceIds.includes(billId)) approvedPerBill.set(billId, (approvedPerBill.get(billId) ?? 0) + 1);
    }
    const wrongWins = outcomes.filter((wins) => wins !== 1).length;
    const wrongEvents = raceIds.filter((id) => approvedPerBill.get(id) !== 1).length;
    console.log(
      `race     ${raceIds.length} bills x 3 approvers at once: bills without exactly one win ${wrongWins} (target 0), without exactly one approved event ${wrongEvents} (target 0), ${((raceIds.length * 3) / seconds).toFixed(0)} decisions/s`,
    );
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
