// Mail port benchmark (docs/ARCHITECTURE.md §7 "Mail port"); prints figures, asserts nothing.
//  render    renderSystemMail of each template (escaping layout, HTML + text): renders per second
//  deliver   N sendSystemMail calls, one tenant transaction each, delivered by createMailDelivery
//            (relay -> pg-boss -> nodemailer) to smtp-server on 127.0.0.1: messages per second from the
//            first commit to the last `sent`, and commit-to-sent latency p50/p95/p99
// Usage: node bench/mail.bench.ts [section ...] [--messages=N]   (default: every section, N = 500)
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import pg from 'pg';
import * as platform from '@ubos/platform';
import { modules } from '../apps/api/src/modules.ts';

interface Section {
  name: string;
  run(): Promise<void>;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const arg = (name: string, fallback: number) => Number(process.argv.find((value) => value.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);

const render: Section = {
  name: 'render',
  async run() {
    const brand = { name: 'Harbor <Accounting> & Co', logoUrl: 'https://cdn.example.com/logo.png' };
    const samples: [platform.SystemMailTemplate, unknown][] = [
      ['password_reset', { resetUrl: 'https://ubos.example.com/reset-password#token=abc', expiresInMinutes: 30, recipientName: 'Ada' }],
      ['invitation', { inviterName: 'Olga', roleLabel: 'a member', acceptUrl: 'https://ubos.example.com/accept-invitation#token=abc' }],
      [
        'notification_digest',
        { date: '2026-12-03', items: Array.from({ length: 20 }, (_, n) => ({ title: `Item ${n} <b>`, body: 'x & y', url: `/projects/${n}` })) },
      ],
    ];
    for (const [template, data] of samples) {
      const rounds = 5000;
      const started = performance.now();
      for (let n = 0; n < rounds; n += 1) platform.renderSystemMail(template, data as never, brand);
      const seconds = (performance.now() - started) / 1000;
      console.log(`  ${template.padEnd(20)} ${Math.round(rounds / seconds).toLocaleString('en')} renders/s`);
    }
  },
};

const deliver: Section = {
  name: 'deliver',
  async run() {
    const requireFromPlatform = createRequire(new URL('../packages/platform/package.json', import.meta.url));
    const { SMTPServer } = requireFromPlatform('smtp-server') as typeof import('smtp-server');
    const total = arg('messages', 500);
    const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const appPassword = 'ubos_app_test_password';
    const dbName = `ubos_bench_mail_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await platform.ensureRoles(admin, { appPassword });
    await admin.query(`CREATE DATABASE ${dbName} OWNER ${platform.OWNER_ROLE}`);
    await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbName} TO ${platform.APP_ROLE}`);
    const ownerUrl = platform.withCredentials(adminUrl, platform.OWNER_ROLE, undefined, dbName);
    const appUrl = platform.withCredentials(adminUrl, platform.APP_ROLE, appPassword, dbName);
    const received = new Map<string, number>();
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        stream.on('data', () => undefined);
        stream.on('end', () => {
          for (const rcpt of session.envelope.rcptTo) received.set(rcpt.address, performance.now());
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const db = platform.createDatabase({ connectionString: appUrl, max: 8 });
    const log = platform.createLogger({ level: 'silent' });
    let boss: platform.PgBoss | null = null;
    let delivery: platform.MailDelivery | null = null;
    try {
      await platform.migrateDatabase(ownerUrl, modules);
      await platform.installQueueSchema(ownerUrl);
      boss = platform.createBoss({ connectionString: appUrl, max: 8 });
      boss.on('error', () => undefined);
      await boss.start();
      delivery = platform.createMailDelivery({
        db,
        boss,
        transport: new platform.SmtpMailTransport(`smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}?pool=true&maxConnections=4`),
        log,
        from: 'UBOS <no-reply@ubos.bench>',
        listenConnectionString: appUrl,
      });
      await delivery.start();
      const tenantId = platform.uuidv7();
      const committedAt = new Map<string, number>();
      const started = performance.now();
      // 8 writers in parallel, one message per transaction, as requests would send them.
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < total) {
            const n = next++;
            const to = `client-${n}@bench.example`;
            await platform.withTenant<platform.UntypedDB, void>(db, { tenantId }, async (trx) => {
              const ctx = platform.createDomainContext({ trx, tenantId, actorId: null, correlationId: platform.uuidv7(), log });
              await platform.sendSystemMail(ctx, { to: { email: to }, template: 'notification', data: { title: `Notification ${n}`, url: `/projects/${n}` } });
            });
            committedAt.set(to, performance.now());
          }
        }),
      );
      const committed = performance.now();
      for (;;) {
        if (received.size >= total) break;
        if (performance.now() - started > 300_000) throw new Error(`only ${received.size} of ${total} delivered in 5 minutes`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const done = performance.now();
      const latencies = [...received].map(([to, at]) => at - (committedAt.get(to) ?? at)).sort((a, b) => a - b);
      console.log(`  ${total} messages: committed in ${((committed - started) / 1000).toFixed(2)} s (${Math.round(total / ((committed - started) / 1000))}/s)`);
      console.log(
        `  delivered to smtp-server in ${((done - started) / 1000).toFixed(2)} s: ${Math.round(total / ((done - started) / 1000))} messages/s end to end`,
      );
      console.log(
        `  commit -> received latency: p50 ${quantile(latencies, 0.5).toFixed(0)} ms, p95 ${quantile(latencies, 0.95).toFixed(0)} ms, p99 ${quantile(latencies, 0.99).toFixed(0)} ms`,
      );
    } finally {
      await delivery?.stop();
      await boss?.stop({ graceful: false, close: true });
      await db.close();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
  },
};

const sections: Section[] = [render, deliver];
const wanted = process.argv.slice(2).filter((value) => !value.startsWith('--'));
for (const section of sections) {
  if (wanted.length > 0 && !wanted.includes(section.name)) continue;
  console.log(`\n--- ${section.name} ---`);
  await section.run();
}
