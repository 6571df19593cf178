// Scheduling benchmark (the figures; run briefly, prints them):
//  slots-30d  free slots for 30 days for a host with 500 appointments and 500 external busy
//             intervals: the pure computation (computeSlots) and the public scheduling.booking.slots
//             procedure end to end (site lookup, tenant transaction, one range query per source,
//             computation, DTOs) — p50/p95/p99 (target p95 <= 50 ms)
//  book-50    50 concurrent visitors on one booking page (one host, 14 days), each reading the slot
//             list and booking one of its earliest ten (hold, re-check, confirm), 8 times: bookings
//             per second, p50/p95/p99 of book, clean conflicts; then the double bookings counted with
//             a query (target 0)
//  graph-sync a Microsoft Graph calendar through the provider fake (127.0.0.1): the first full
//             calendarView delta round of 500 events (100 a page), then incremental rounds of 10
//             changes (deltaLink), then 50 appointments written out (POST with transactionId)
// Usage: node bench/scheduling.bench.ts [section ...]   (default: every section)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import * as platform from '@ubos/platform';
import { modules } from '../apps/api/src/modules.ts';
import { startMicrosoftGraphFake, FAKE_ACCESS_TOKEN } from '../packages/integrations/testing/index.ts';
import { pushCalendarEvents, syncCalendarNow, type CalendarDeps } from '../packages/domains/scheduling/src/service-calendars.ts';
import { computeSlots, type HostAvailability } from '../packages/domains/scheduling/src/availability.ts';
import { schedulingRouter } from '../packages/domains/scheduling/src/router.ts';

const { createDatabase, sql, uuidv7, withTenant } = platform;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
function latencies(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (value: number) => `${value.toFixed(2)} ms`;
  return `p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted.at(-1) ?? Number.NaN)}  (n=${samples.length})`;
}

const DAY = 86_400_000;
const MINUTE = 60_000;
const createCaller = platform.createCallerFactory(schedulingRouter);
const config = platform.configSchema.parse({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
const log = platform.createLogger({ level: 'silent' });
const runtime = platform.createDomainRuntime(modules, null, {});
const noCookies: platform.CookieJar = { get: () => undefined, set: () => undefined, clear: () => undefined };

function visitor(db: platform.Database, rateLimiter: platform.RateLimiter) {
  const ctx: platform.Context = {
    requestId: uuidv7(),
    correlationId: uuidv7(),
    log,
    config,
    db,
    cache: new platform.MemoryCache(),
    rateLimiter,
    cookies: noCookies,
    ip: `10.${randomBytes(3).join('.')}`,
    userAgent: 'bench',
    session: null,
    runtime,
  };
  return createCaller(ctx);
}

/** Statistics as autovacuum would gather them (the app role may not ANALYZE tables it does not own). */
let analyze: () => Promise<void> = async () => undefined;

async function withBenchDatabase<T>(fn: (db: platform.Database, admin: pg.Client) => Promise<T>): Promise<T> {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const appPassword = 'ubos_app_test_password';
  const dbName = `ubos_bench_sched_${randomBytes(4).toString('hex')}`;
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
    return await fn(db, admin);
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

/** A tenant whose one host works 08:00-18:00 UTC every day, a 30-minute type with 5-minute buffers; returns the slugs. */
async function seedPage(db: platform.Database, options: { appointments: number; busy: number }) {
  const tenantId = uuidv7();
  const hostId = uuidv7();
  const typeId = uuidv7();
  const slug = `bench-${randomBytes(3).toString('hex')}`;
  const weekly = JSON.stringify(Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [[480, 1080]]])));
  const start = Date.now() - (Date.now() % DAY) + DAY;
  await withTenant(db, { tenantId }, async (trx) => {
    await sql`INSERT INTO scheduling.sites (tenant_id, slug, name) VALUES (${tenantId}, ${slug}, 'Bench')`.execute(trx);
    await sql`INSERT INTO scheduling.schedules (tenant_id, user_id, time_zone, weekly) VALUES (${tenantId}, ${hostId}, 'UTC', ${weekly}::jsonb)`.execute(trx);
    await sql`INSERT INTO scheduling.appointment_types (id, tenant_id, page_slug, slug, name, duration_minutes, location_kind, buffer_before_minutes,
                buffer_after_minutes, booking_window_days, assignment, host_ids, reminder_minutes)
              VALUES (${typeId}, ${tenantId}, 'team', 'intro', 'Intro', 30, 'video', 5, 5, 60, 'single', ARRAY[${hostId}]::uuid[], '{}')`.execute(trx);
    // Appointments: 30-minute meetings every 72 minutes of real time (500 over ~25 days), not aligned to the grid.
    await sql`
      WITH a AS (
        SELECT md5('a' || i)::uuid AS id, to_timestamp(${start / 1000} + i * 72 * 60) AS s FROM generate_series(1, ${options.appointments}) i)
      INSERT INTO scheduling.appointments (id, tenant_id, type_id, status, start_at, end_at, host_ids, attendee_name, attendee_email, attendee_time_zone,
        source, manage_token_hash, manage_expires_at, ical_uid)
      SELECT id, ${tenantId}, ${typeId}, 'booked', s, s + interval '30 minutes', ARRAY[${hostId}]::uuid[], 'Seed', 'seed@example.test', 'UTC',
        'staff', md5(id::text || 'token'), s + interval '30 days', id::text FROM a`.execute(trx);
    await sql`
      INSERT INTO scheduling.appointment_hosts (tenant_id, appointment_id, host_id, type_id, status, starts_at, blocked)
      SELECT tenant_id, id, ${hostId}, type_id, 'booked', start_at, tstzrange(start_at - interval '5 minutes', end_at + interval '5 minutes')
      FROM scheduling.appointments WHERE tenant_id = ${tenantId}`.execute(trx);
    const calendarId = uuidv7();
    await sql`INSERT INTO scheduling.calendars (id, tenant_id, user_id, connection_id, provider, url, display_name)
              VALUES (${calendarId}, ${tenantId}, ${hostId}, ${uuidv7()}, 'caldav', 'https://cal.example/x/', 'Work')`.execute(trx);
    // External busy: 20-minute events every 70 minutes, offset from the appointments.
    await sql`
      INSERT INTO scheduling.busy_intervals (tenant_id, calendar_id, user_id, external_id, during)
      SELECT ${tenantId}, ${calendarId}, ${hostId}, 'e' || i || '.ics',
        tstzrange(to_timestamp(${start / 1000} + 1800 + i * 70 * 60), to_timestamp(${start / 1000} + 1800 + i * 70 * 60 + 1200))
      FROM generate_series(1, ${options.busy}) i`.execute(trx);
  });
  await analyze();
  return { tenantId, hostId, slug, start };
}

const sections: Record<string, () => Promise<void>> = {
  async 'slots-30d'() {
    // The pure computation on the same shape of data, no database.
    const start = Date.now() - (Date.now() % DAY) + DAY;
    const busy: [number, number][] = [];
    for (let i = 1; i <= 500; i += 1) busy.push([start + i * 72 * MINUTE - 5 * MINUTE, start + i * 72 * MINUTE + 35 * MINUTE]);
    for (let i = 1; i <= 500; i += 1) busy.push([start + 30 * MINUTE + i * 70 * MINUTE, start + 30 * MINUTE + i * 70 * MINUTE + 20 * MINUTE]);
    const host: HostAvailability = {
      hostId: 'h',
      timeZone: 'Europe/Berlin',
      weekly: Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [[480, 1080]]])),
      overrides: new Map(),
      holidays: new Set(),
      busy,
      sameTypeStarts: [],
    };
    const rules = {
      durationMinutes: 30,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 5,
      minimumNoticeMinutes: 0,
      bookingWindowDays: 60,
      maxPerDay: null,
      slotIntervalMinutes: 15,
      assignment: 'single' as const,
    };
    const pure: number[] = [];
    let count = 0;
    for (let i = 0; i < 300; i += 1) {
      const t0 = performance.now();
      count = computeSlots(rules, [host], { fromMs: start, toMs: start + 30 * DAY, nowMs: Date.now() }).length;
      if (i >= 50) pure.push(performance.now() - t0);
    }
    console.log(`slots-30d computeSlots (1 host, 1000 busy intervals, 15-minute grid, ${count} free slots): ${latencies(pure)}`);

    await withBenchDatabase(async (db) => {
      const page = await seedPage(db, { appointments: 500, busy: 500 });
      const limiter = new platform.MemoryRateLimiter();
      const guest = visitor(db, limiter);
      const input = {
        tenantSlug: page.slug,
        pageSlug: 'team',
        typeSlug: 'intro',
        from: new Date(page.start),
        to: new Date(page.start + 30 * DAY),
        timeZone: 'America/New_York',
      };
      const samples: number[] = [];
      let found = 0;
      for (let i = 0; i < 250; i += 1) {
        const t0 = performance.now();
        found = (await guest.booking.slots(input)).slots.length;
        if (i >= 30) samples.push(performance.now() - t0);
      }
      console.log(`slots-30d booking.slots end to end (500 appointments + 500 busy in Postgres, ${found} free slots): ${latencies(samples)}`);
      // The machine's floor: one round trip to Postgres on the same pool (the procedure makes 8).
      const trips: number[] = [];
      for (let i = 0; i < 200; i += 1) {
        const t1 = performance.now();
        await sql`SELECT 1`.execute(db.kysely);
        trips.push(performance.now() - t1);
      }
      console.log(
        `  one Postgres round trip (SELECT 1) on this machine now: ${latencies(trips)}; load average ${(await import('node:os')).loadavg()[0]?.toFixed(1)}`,
      );
    });
  },

  async 'book-50'() {
    for (const scenario of [
      { label: 'each picks among the earliest ten (heavy contention)', pick: 10 },
      { label: 'each picks any listed time', pick: Number.POSITIVE_INFINITY },
    ]) {
      await withBenchDatabase(async (db) => {
        const page = await seedPage(db, { appointments: 0, busy: 0 });
        const limiter = new platform.MemoryRateLimiter();
        const input = {
          tenantSlug: page.slug,
          pageSlug: 'team',
          typeSlug: 'intro',
          from: new Date(page.start),
          to: new Date(page.start + 14 * DAY),
          timeZone: 'UTC',
        };
        const VISITORS = 50;
        const ATTEMPTS = 8;
        const samples: number[] = [];
        let booked = 0;
        let conflicts = 0;
        let other = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: VISITORS }, async () => {
            for (let i = 0; i < ATTEMPTS; i += 1) {
              const guest = visitor(db, limiter);
              const free = (await guest.booking.slots(input)).slots;
              const slot = free[Math.floor(Math.random() * Math.min(scenario.pick, free.length))];
              if (!slot) return;
              const s0 = performance.now();
              try {
                await guest.booking.book({
                  tenantSlug: input.tenantSlug,
                  pageSlug: input.pageSlug,
                  typeSlug: input.typeSlug,
                  start: slot.start,
                  attendeeName: 'Visitor',
                  attendeeEmail: `v${randomBytes(4).toString('hex')}@example.test`,
                  attendeeTimeZone: 'UTC',
                  answers: {},
                });
                booked += 1;
              } catch (error) {
                if ((error as { code?: string }).code === 'CONFLICT') conflicts += 1;
                else {
                  if (other === 0) console.log('  first other error:', error instanceof Error ? error.message : error);
                  other += 1;
                }
              }
              samples.push(performance.now() - s0);
            }
          }),
        );
        const seconds = (performance.now() - t0) / 1000;
        const doubles = await withTenant(db, { tenantId: page.tenantId }, async (trx) => {
          const result = await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM scheduling.appointment_hosts a JOIN scheduling.appointment_hosts b
              ON a.host_id = b.host_id AND a.appointment_id < b.appointment_id AND a.blocked && b.blocked
            WHERE a.status IN ('held', 'booked') AND b.status IN ('held', 'booked')`.execute(trx);
          return result.rows[0]?.n ?? -1;
        });
        console.log(`book-50, ${scenario.label}: ${VISITORS} concurrent visitors x ${ATTEMPTS} attempts in ${seconds.toFixed(1)} s`);
        console.log(`  ${booked} booked (${(booked / seconds).toFixed(1)} bookings/s), ${conflicts} clean conflicts, ${other} other errors`);
        console.log(`  book latency: ${latencies(samples)}`);
        console.log(`  double bookings counted by query: ${doubles}`);
      });
    }
  },
};

sections['graph-sync'] = async () => {
  const graph = await startMicrosoftGraphFake();
  try {
    await withBenchDatabase(async (db) => {
      const { tenantId, hostId, start } = await seedPage(db, { appointments: 50, busy: 0 });
      const services = { connections: platform.createConnectionServices({ db, config, log }) };
      const calendarId = uuidv7();
      await withTenant(db, { tenantId }, async (trx) => {
        const ctx = platform.createDomainContext({ trx, tenantId, actorId: hostId, correlationId: 'bench', log });
        const connection = await platform.saveOAuthConnection(ctx, platform.requireVault(config), {
          provider: 'microsoft',
          accountLabel: 'bench@contoso.example',
          externalAccountId: 'bench',
          ownerUserId: hostId,
          scopes: ['Calendars.ReadWrite'],
          credentials: { accessToken: FAKE_ACCESS_TOKEN, refreshToken: 'r', expiresAt: new Date(Date.now() + DAY).toISOString(), tokenType: 'Bearer' },
          connectionId: null,
        });
        await sql`INSERT INTO scheduling.calendars (id, tenant_id, user_id, connection_id, provider, url, display_name, is_primary)
                  VALUES (${calendarId}, ${tenantId}, ${hostId}, ${connection.id}, 'microsoft', 'primary', 'Outlook Calendar', true)`.execute(trx);
        await sql`INSERT INTO scheduling.calendar_events (tenant_id, appointment_id, calendar_id, wanted, wanted_version)
                  SELECT tenant_id, id, ${calendarId}, 'present', 1 FROM scheduling.appointments`.execute(trx);
      });
      const deps: CalendarDeps = { db, log, services, config, graphApiBase: graph.url };
      const ids: string[] = [];
      for (let i = 0; i < 500; i += 1) {
        const at = start + i * 85 * MINUTE;
        ids.push(graph.upsertEvent({ subject: `Busy ${i}`, start: new Date(at).toISOString(), end: new Date(at + 45 * MINUTE).toISOString() }).id);
      }
      let began = performance.now();
      const full = await syncCalendarNow(deps, tenantId, calendarId);
      console.log(`graph-sync full round: ${full.changed} events in ${(performance.now() - began).toFixed(0)} ms (${graph.requests.length} requests)`);
      const rounds: number[] = [];
      for (let round = 0; round < 20; round += 1) {
        for (let i = 0; i < 10; i += 1) {
          const id = ids[(round * 10 + i) % ids.length] as string;
          const at = start + (round * 10 + i) * 85 * MINUTE + 15 * MINUTE;
          graph.upsertEvent({ id, subject: 'Moved', start: new Date(at).toISOString(), end: new Date(at + 45 * MINUTE).toISOString() });
        }
        const t = performance.now();
        await syncCalendarNow(deps, tenantId, calendarId);
        rounds.push(performance.now() - t);
      }
      console.log(`graph-sync incremental round (10 changes, deltaLink): ${latencies(rounds)}`);
      began = performance.now();
      const written = await pushCalendarEvents(deps, tenantId, calendarId);
      console.log(`graph-sync write-out: ${written} appointments (POST with transactionId) in ${(performance.now() - began).toFixed(0)} ms`);
    });
  } finally {
    await graph.stop();
  }
};

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await run();
}
