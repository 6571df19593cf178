import { parseArgs } from 'node:util';
import {
  ConfigError,
  collectSubscriptions,
  createBoss,
  createDatabase,
  ensureSubscriptionQueues,
  getDeadLetter,
  listDeadLetters,
  loadConfig,
  redriveDeadLetters,
  replayEvents,
  type Config,
  type DeadLetter,
  type DomainModule,
  type Subscription,
} from '@ubos/platform';
import { z } from 'zod';
import { configuredDatabaseUrls } from '../database-urls.ts';
import { embeddedConnectionUrls } from '../embedded-postgres.ts';
import { modules as composedModules } from '../modules.ts';
import { resolveFromRoot } from '../paths.ts';

/** `pnpm ubos events:*`: operate the event backbone across all tenants (or one with --tenant). */
export const eventsUsage = `  events:dlq [options]         list dead letters, newest first (or show one with --id)
      --subscription <name>    only this subscription (repeatable)
      --tenant <uuid>          only this tenant's events
      --id <job id>            print this dead letter in full (JSON)
      --limit <n>              at most n (default 50)
      --json                   one JSON object per line
  events:redrive (--id <job id>... | --all) [--subscription <name>] [--tenant <uuid>]
                               move dead letters back to their queue for fresh attempts
  events:replay --from <ISO time | event id> --subscription <name> [--tenant <uuid>] [--keep-processed]
                               re-enqueue dispatched outbox events from that point for one subscription;
                               clears its processed_events for them first (rebuild a read model)
                               unless --keep-processed (then only unprocessed events run)
`;

const modules: readonly DomainModule[] = composedModules;
const uuid = z.uuid();

/** The runtime (ubos_app) URL: configured, else the running embedded Postgres under DATA_DIR. */
export async function runtimeUrl(config: Config): Promise<string> {
  const configured = configuredDatabaseUrls(config);
  if (configured) return configured.appUrl;
  const embedded = await embeddedConnectionUrls(resolveFromRoot(config.DATA_DIR), config.EMBEDDED_PG_PORT);
  if (!embedded) {
    throw new ConfigError([`DATABASE_URL (missing): and no embedded Postgres in ${resolveFromRoot(config.DATA_DIR)} (run pnpm start first)`]);
  }
  return embedded.appUrl;
}

function subscriptionsNamed(requested: readonly string[] | undefined): Subscription[] {
  const known = collectSubscriptions(modules);
  if (!requested || requested.length === 0) return known;
  const unknown = requested.filter((name) => !known.some((subscription) => subscription.name === name));
  if (unknown.length > 0) {
    throw new ConfigError([
      `--subscription (invalid): unknown ${unknown.join(', ')}; known: ${known.map((subscription) => subscription.name).join(', ') || 'none'}`,
    ]);
  }
  return known.filter((subscription) => requested.includes(subscription.name));
}

export function tenantOption(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (!uuid.safeParse(value).success) throw new ConfigError([`--tenant (invalid): expected a uuid, got "${value}"`]);
  return value;
}

function line(letter: DeadLetter): string {
  const error = letter.error as { message?: unknown } | null;
  return [
    letter.id,
    letter.subscription,
    letter.event?.type ?? '(invalid envelope)',
    letter.event?.tenant_id ?? '-',
    `attempts=${letter.attempts}`,
    new Date(letter.deadLetteredAt).toISOString(),
    String(error?.message ?? '').slice(0, 160),
  ].join('  ');
}

async function dlq(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      subscription: { type: 'string', multiple: true },
      tenant: { type: 'string' },
      id: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new ConfigError(['--limit (invalid): expected a positive integer']);
  const subscriptions = subscriptionsNamed(values.subscription).map((subscription) => subscription.name);
  const tenantId = tenantOption(values.tenant);
  const db = createDatabase({ connectionString: await runtimeUrl(loadConfig()), max: 1, applicationName: 'ubos-cli' });
  try {
    if (values.id) {
      const letter = await getDeadLetter(db.kysely, values.id, { subscriptions, tenantId });
      if (!letter) {
        process.stderr.write(`No dead letter ${values.id}\n`);
        return 1;
      }
      process.stdout.write(`${JSON.stringify(letter, null, 2)}\n`);
      return 0;
    }
    const letters = await listDeadLetters(db.kysely, { subscriptions, tenantId, limit });
    for (const letter of letters) process.stdout.write(`${values.json ? JSON.stringify(letter) : line(letter)}\n`);
    if (!values.json) process.stderr.write(`${letters.length} dead letter(s)\n`);
    return 0;
  } finally {
    await db.close();
  }
}

async function withBoss<T>(fn: (boss: ReturnType<typeof createBoss>, url: string) => Promise<T>): Promise<T> {
  const url = await runtimeUrl(loadConfig());
  const boss = createBoss({ connectionString: url, max: 2, supervise: false, schedule: false });
  boss.on('error', (error: Error) => process.stderr.write(`pg-boss: ${error.message}\n`));
  await boss.start();
  try {
    return await fn(boss, url);
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}

async function redrive(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      id: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      subscription: { type: 'string', multiple: true },
      tenant: { type: 'string' },
    },
    strict: true,
  });
  if (!values.all && !values.id?.length) throw new ConfigError(['--id or --all (missing): say which dead letters to redrive']);
  if (values.all && values.id?.length) throw new ConfigError(['--id and --all (invalid): use one of them']);
  const subscriptions = subscriptionsNamed(values.subscription).map((subscription) => subscription.name);
  const tenantId = tenantOption(values.tenant);
  const moved = await withBoss((boss) => redriveDeadLetters(boss, { subscriptions, tenantId, ...(values.id?.length ? { ids: values.id } : {}) }));
  process.stdout.write(`Redrove ${moved} dead letter(s).\n`);
  return moved === 0 && values.id?.length ? 1 : 0;
}

async function replay(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      from: { type: 'string' },
      subscription: { type: 'string' },
      tenant: { type: 'string' },
      'keep-processed': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.from) throw new ConfigError(['--from (missing): an ISO time or an event id']);
  if (!values.subscription) throw new ConfigError(['--subscription (missing): the subscription to replay for']);
  const [subscription] = subscriptionsNamed([values.subscription]);
  if (!subscription) throw new ConfigError([`--subscription (invalid): unknown ${values.subscription}`]);
  const tenantId = tenantOption(values.tenant);
  const from = values.from;
  const result = await withBoss(async (boss, url) => {
    const db = createDatabase({ connectionString: url, max: 2, applicationName: 'ubos-cli' });
    try {
      // Replay may run before any worker booted against this database: the queues must exist.
      await ensureSubscriptionQueues(boss, [subscription]);
      return await replayEvents({ db, boss, subscription, from, tenantId, reset: !values['keep-processed'] });
    } finally {
      await db.close();
    }
  });
  process.stdout.write(
    `Re-enqueued ${result.enqueued} event(s) for ${subscription.name} from position ${result.fromPosition ?? '-'}; cleared ${result.reset} processed mark(s).\n`,
  );
  return 0;
}

/** Runs an `events:*` command; returns null when `command` is not one. */
export async function eventsCommand(command: string, args: readonly string[]): Promise<number | null> {
  switch (command) {
    case 'events:dlq':
      return dlq(args);
    case 'events:redrive':
      return redrive(args);
    case 'events:replay':
      return replay(args);
    default:
      return null;
  }
}
