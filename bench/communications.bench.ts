// Client email benchmark (issue 12). Sections:
//  imap-sync        initial sync of one folder of N messages (default 10,000; COMMS_BENCH_MESSAGES) from a
//                   real Dovecot on 127.0.0.1 (started here, messages delivered by IMAP APPEND, ~1 in 3 a
//                   reply), through syncFolder: fetched, parsed, stored once, threaded, linked, events
//                   written, cursor committed per chunk. Prints messages/s (target >= 300 stored and threaded).
//  thread-list-50k  communications.threads.list first page (50) for a user whose mailbox holds 50,000
//                   messages in 12,500 threads (another user of the tenant holds as many), through the tRPC
//                   caller (tenant transaction, RLS, keyset query, links, DTO validation): p50/p95/p99
//                   (target p95 <= 30 ms); prints the plan.
// Not measured: new-message-to-visible latency with IMAP IDLE (IDLE is not built; the poll is 60 s).
// Usage: node bench/communications.bench.ts [section ...]   (default: every section)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import * as platform from '@ubos/platform';
import { modules } from '../apps/api/src/modules.ts';
import type { EmailDB } from '../packages/domains/communications/src/db-email.ts';
import { communicationsModule } from '../packages/domains/communications/src/module.ts';
import { communicationsRouter } from '../packages/domains/communications/src/router.ts';
import { syncFolder } from '../packages/domains/communications/src/service-sync.ts';
import { startDovecot } from '../packages/domains/communications/test/dovecot.ts';
import { rfc822 } from '../packages/domains/communications/test/email-helpers.ts';
import { emailServices, silent } from '../packages/domains/communications/test/email-services.ts';

interface Section {
  name: string;
  run(db: platform.Database, adminUrl: string, dbName: string): Promise<void>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
function latencies(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (value: number) => `${value.toFixed(2)} ms`;
  return `p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted.at(-1) ?? Number.NaN)}`;
}

function callerFor(db: platform.Database, tenantId: string, userId: string, services: platform.KernelServices = {}) {
  const runtime = platform.createDomainRuntime([platform.platformModule, communicationsModule], null, services);
  return platform.createCallerFactory(communicationsRouter)({
    requestId: 'bench',
    correlationId: 'bench',
    log: silent,
    config: platform.configSchema.parse({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_UNITS_PER_IP: '100000000',
      RATE_LIMIT_UNITS_PER_USER: '100000000',
      RATE_LIMIT_UNITS_PER_TENANT: '100000000',
    }),
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
      role: 'member',
      permissions: new Set(runtime.permissions.forRole('member')),
      expiresAt: new Date(Date.now() + 3_600_000),
    },
    runtime,
  });
}

const imapSync: Section = {
  name: 'imap-sync',
  async run(db) {
    const total = Number(process.env.COMMS_BENCH_MESSAGES ?? 10_000);
    const dovecot = await startDovecot();
    const env = await emailServices(db);
    try {
      const user = 'bench@firm.example';
      const client = await dovecot.client(user);
      const appendStart = performance.now();
      const start = Date.UTC(2026, 0, 1);
      for (let i = 0; i < total; i += 500) {
        await Promise.all(
          Array.from({ length: Math.min(500, total - i) }, (_, k) => {
            const n = i + k;
            const reply = n % 3 === 1;
            return client.append(
              'INBOX',
              rfc822({
                id: `bench-${n}@mail.example`,
                from: `person${n % 200}@customer${n % 50}.example`,
                to: [user],
                subject: `${reply ? 'Re: ' : ''}Order ${Math.floor(n / 3)}`,
                date: new Date(start + n * 60_000),
                body: `Message ${n}\n${'Lorem ipsum dolor sit amet. '.repeat(20)}`,
                ...(reply ? { inReplyTo: `bench-${n - 1}@mail.example`, references: [`bench-${n - 1}@mail.example`] } : {}),
              }),
            );
          }),
        );
      }
      await client.logout();
      const appendSeconds = (performance.now() - appendStart) / 1000;
      const tenantId = platform.uuidv7();
      const ownerUserId = platform.uuidv7();
      const folderId = platform.uuidv7();
      await platform.withTenant(db, { tenantId }, async (trx) => {
        const ctx = platform.createDomainContext({ trx, tenantId, actorId: null, correlationId: 'bench', log: silent, services: env.services });
        const connection = await env.services.connections?.secrets?.save(ctx, {
          provider: 'imap',
          accountLabel: user,
          externalAccountId: `bench:${user}`,
          ownerUserId,
          secret: { password: dovecot.password },
        });
        const accountId = platform.uuidv7();
        const edb = ctx.db<EmailDB>();
        await edb
          .insertInto('communications.email_accounts')
          .values({
            id: accountId,
            tenant_id: tenantId,
            owner_user_id: ownerUserId,
            connection_id: connection?.id ?? '',
            email_address: user,
            imap_host: '127.0.0.1',
            imap_port: dovecot.port,
            imap_tls: false,
            smtp_host: '127.0.0.1',
            smtp_port: 25,
            smtp_security: 'none',
            username: user,
          })
          .execute();
        await edb.insertInto('communications.email_folders').values({ id: folderId, tenant_id: tenantId, account_id: accountId, path: 'INBOX' }).execute();
      });
      // Contacts for a fifth of the senders, so linking does real work.
      await platform.withTenant(db, { tenantId }, async (trx) => {
        await platform.sql`
          INSERT INTO communications.contact_emails (tenant_id, contact_id, email, client_ids)
          SELECT ${tenantId}, gen_random_uuid(), 'person' || i || '@customer' || (i % 50) || '.example', ARRAY[gen_random_uuid()]
          FROM generate_series(0, 199, 5) AS i`.execute(trx);
      });
      const syncStart = performance.now();
      const result = await syncFolder({ db, log: silent, services: env.services, chunkSize: 250 }, { tenantId, folderId });
      const seconds = (performance.now() - syncStart) / 1000;
      const counts = await platform.withTenant(db, { tenantId }, (trx) =>
        platform.sql<{ messages: number; threads: number; links: number }>`
          SELECT (SELECT count(*)::int FROM communications.email_messages) AS messages,
                 (SELECT count(*)::int FROM communications.email_threads WHERE merged_into IS NULL) AS threads,
                 (SELECT count(*)::int FROM communications.thread_links) AS links`.execute(trx),
      );
      const row = counts.rows[0];
      console.log(
        `IMAP initial sync of one folder of ${total.toLocaleString('en')} messages from dovecot on 127.0.0.1 (APPEND took ${appendSeconds.toFixed(1)} s)`,
      );
      console.log(
        `  fetched ${result?.fetched} · stored ${row?.messages} · threads ${row?.threads} · client links ${row?.links} · cursor UID ${result?.highestUid}`,
      );
      console.log(`  ${seconds.toFixed(1)} s → ${(total / seconds).toFixed(0)} messages/s stored and threaded (target >= 300)`);
    } finally {
      await env.close();
      await dovecot.stop();
    }
  },
};

/** A version-4-shaped uuid from an SQL text expression (the DTOs' uuid check accepts it). */
const v4 = (expr: string) =>
  platform.sql.raw(`(substr(md5(${expr}), 1, 12) || '4' || substr(md5(${expr}), 14, 3) || '8' || substr(md5(${expr}), 18, 15))::uuid`);

const threadList: Section = {
  name: 'thread-list-50k',
  async run(db, adminUrl, dbName) {
    const tenantId = platform.uuidv7();
    const users = [platform.uuidv7(), platform.uuidv7()];
    const MESSAGES = 50_000;
    const PER_THREAD = 4;
    for (const userId of users) {
      const accountId = platform.uuidv7();
      await platform.withTenant(db, { tenantId }, async (trx) => {
        await platform.sql`
          INSERT INTO communications.email_accounts (id, tenant_id, owner_user_id, connection_id, email_address, imap_host, imap_port, imap_tls, smtp_host, smtp_port, smtp_security, username)
          VALUES (${accountId}, ${tenantId}, ${userId}, gen_random_uuid(), ${`u${userId.slice(0, 8)}@firm.example`}, 'imap.example', 993, true, 'smtp.example', 465, 'tls', 'u')`.execute(
          trx,
        );
        const threads = MESSAGES / PER_THREAD;
        await platform.sql`
          INSERT INTO communications.email_threads (id, tenant_id, account_id, owner_user_id, subject, subject_key, first_message_at, last_message_at, message_count, participants, snippet, internal)
          SELECT ${v4(`'${accountId}' || i`)}, ${tenantId}, ${accountId}, ${userId}, 'Conversation ' || i, 'conversation ' || i,
                 now() - (i || ' minutes')::interval - interval '3 hours', now() - (i || ' minutes')::interval, ${PER_THREAD},
                 ARRAY['person' || (i % 500) || '@customer.example'], 'The latest message of conversation ' || i, false
          FROM generate_series(1, ${threads}) AS i`.execute(trx);
        await platform.sql`
          INSERT INTO communications.email_messages (id, tenant_id, account_id, thread_id, dedupe_key, message_id_header, direction, subject, from_address, sent_at, snippet, text_body)
          SELECT gen_random_uuid(), ${tenantId}, ${accountId}, ${v4(`'${accountId}' || (1 + (j / ${PER_THREAD}))`)}, 'mid:' || ${accountId} || '-' || j, ${accountId} || '-' || j || '@x',
                 'inbound', 'Conversation ' || (1 + (j / ${PER_THREAD})), 'person@customer.example', now() - (j || ' seconds')::interval, 'snippet', 'body'
          FROM generate_series(0, ${MESSAGES - 1}) AS j`.execute(trx);
        // A third of the threads are on a client.
        await platform.sql`
          INSERT INTO communications.thread_links (tenant_id, thread_id, client_id, state, source)
          SELECT ${tenantId}, ${v4(`'${accountId}' || i`)}, ${v4(`'client' || (i % 300)`)}, 'linked', 'auto'
          FROM generate_series(1, ${threads}, 3) AS i`.execute(trx);
      });
    }
    const admin = new pg.Client({ connectionString: platform.withCredentials(adminUrl, 'postgres', undefined, dbName) });
    await admin.connect();
    await admin.query('ANALYZE communications.email_threads, communications.email_messages, communications.thread_links');
    await admin.end();
    const caller = callerFor(db, tenantId, users[0] as string);
    const first = await caller.threads.list({ limit: 50 });
    if (first.items.length !== 50 || !first.nextCursor) throw new Error('the inbox did not return a full first page');
    for (let i = 0; i < 50; i += 1) await caller.threads.list({ limit: 50 });
    const samples: number[] = [];
    for (let i = 0; i < 500; i += 1) {
      const t = performance.now();
      await caller.threads.list({ limit: 50 });
      samples.push(performance.now() - t);
    }
    const unlinked: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const t = performance.now();
      await caller.threads.list({ limit: 50, filter: 'unlinked' });
      unlinked.push(performance.now() - t);
    }
    console.log(
      `communications.threads.list, first page of 50, for a user with ${MESSAGES.toLocaleString('en')} messages (${MESSAGES / PER_THREAD} threads; a colleague holds as many), through the tRPC caller`,
    );
    console.log(`  all threads       : ${latencies(samples)}`);
    console.log(`  not on a client   : ${latencies(unlinked)}`);
    console.log('  target: first page p95 <= 30 ms');
    const plan = await platform.withTenant(db, { tenantId }, (trx) =>
      platform.sql<{
        'QUERY PLAN': string;
      }>`EXPLAIN SELECT t.* FROM communications.email_threads t WHERE t.merged_into IS NULL AND t.owner_user_id = ${users[0]} ORDER BY t.last_message_at DESC, t.id DESC LIMIT 51`.execute(
        trx,
      ),
    );
    console.log(`  plan: ${plan.rows.map((r) => r['QUERY PLAN'].trim()).join(' | ')}`);
  },
};

const sections = [imapSync, threadList];
const wanted = process.argv.slice(2);
const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `ubos_bench_comms_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await platform.ensureRoles(admin, { appPassword: 'ubos_app_test_password' });
await admin.query(`CREATE DATABASE ${dbName} OWNER ${platform.OWNER_ROLE}`);
await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${platform.APP_ROLE}`);
const db = platform.createDatabase({ connectionString: platform.withCredentials(adminUrl, platform.APP_ROLE, 'ubos_app_test_password', dbName), max: 4 });
try {
  await platform.migrateDatabase(platform.withCredentials(adminUrl, platform.OWNER_ROLE, undefined, dbName), modules);
  for (const section of sections) if (wanted.length === 0 || wanted.includes(section.name)) await section.run(db, adminUrl, dbName);
} finally {
  await db.close();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
