import { parseArgs } from 'node:util';
import {
  ConfigError,
  collectSubscriptions,
  createBoss,
  createDatabase,
  listDeadLetters,
  listProcedures,
  loadConfig,
  redriveDeadLetters,
  type Config,
  type DeadLetter,
  type DomainModule,
} from '@ubos/platform';
import { modules as composedModules } from '../modules.ts';
import { configuredDatabaseUrls } from '../database-urls.ts';
import { embeddedConnectionUrls } from '../embedded-postgres.ts';
import { resolveFromRoot } from '../paths.ts';
import { migrateCommand } from './migrate.ts';
import { eventsCommand, eventsUsage } from './events.ts';

const modules: readonly DomainModule[] = composedModules;

const usage = `Usage: pnpm ubos <command> [options]

Commands:
  migrate                      apply every module's migrations to DATABASE_URL (same as pnpm db:migrate)
  procedures                   list every tRPC procedure with the access it declares
  dead-letters [options]       list events whose handler gave up (newest first)
      --subscription <name>    only this subscription (repeatable)
      --tenant <uuid>          only this tenant's events
      --limit <n>              at most n (default 50)
      --json                   one JSON object per line
  redrive [options]            move dead letters back to their subscription queue for fresh attempts
      --subscription <name>    only this subscription (repeatable; default all)
      --id <job id>            only these dead letters (repeatable)
      --tenant <uuid>          only this tenant's events
${eventsUsage}  help                         show this text

Connects with DATABASE_APP_URL (or DATABASE_URL as ubos_app); without DATABASE_URL, to the
embedded Postgres under DATA_DIR, which must be running (pnpm start).
`;

/** The runtime connection: configured, else the running embedded cluster's. */
async function runtimeUrl(config: Config): Promise<string> {
  const configured = configuredDatabaseUrls(config);
  if (configured) return configured.appUrl;
  const embedded = await embeddedConnectionUrls(resolveFromRoot(config.DATA_DIR), config.EMBEDDED_PG_PORT);
  if (!embedded) {
    throw new ConfigError([`DATABASE_URL (missing): and no embedded Postgres in ${resolveFromRoot(config.DATA_DIR)} (run pnpm start first)`]);
  }
  return embedded.appUrl;
}

function selectedSubscriptions(requested: readonly string[] | undefined): string[] {
  const known = collectSubscriptions(modules).map((subscription) => subscription.name);
  if (!requested || requested.length === 0) return known;
  const unknown = requested.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError([`--subscription (invalid): unknown ${unknown.join(', ')}; known: ${known.join(', ') || 'none'}`]);
  }
  return [...requested];
}

function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) return String((error as { message: unknown }).message);
  return error === null || error === undefined ? '' : JSON.stringify(error);
}

function printDeadLetter(letter: DeadLetter, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(letter)}\n`);
    return;
  }
  const event = letter.event;
  process.stdout.write(
    [
      letter.id,
      letter.subscription,
      event?.type ?? '(invalid envelope)',
      event?.tenant_id ?? '-',
      `attempts=${letter.attempts}`,
      letter.deadLetteredAt.toISOString(),
      errorMessage(letter.error).slice(0, 160),
    ].join('  ') + '\n',
  );
}

async function deadLettersCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      subscription: { type: 'string', multiple: true },
      tenant: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new ConfigError([`--limit (invalid): expected a positive integer`]);
  const subscriptions = selectedSubscriptions(values.subscription);
  const db = createDatabase({ connectionString: await runtimeUrl(loadConfig()), max: 1, applicationName: 'ubos-cli' });
  try {
    const letters = await listDeadLetters(db.kysely, { subscriptions, tenantId: values.tenant ?? null, limit });
    for (const letter of letters) printDeadLetter(letter, values.json);
    if (!values.json) process.stderr.write(`${letters.length} dead letter(s)\n`);
    return 0;
  } finally {
    await db.close();
    if (!db.pool.ended) await db.pool.end();
  }
}

async function redriveCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      subscription: { type: 'string', multiple: true },
      id: { type: 'string', multiple: true },
      tenant: { type: 'string' },
    },
    strict: true,
  });
  const subscriptions = selectedSubscriptions(values.subscription);
  const boss = createBoss({ connectionString: await runtimeUrl(loadConfig()), max: 2, supervise: false, schedule: false });
  boss.on('error', (error: Error) => process.stderr.write(`pg-boss: ${error.message}\n`));
  await boss.start();
  try {
    const moved = await redriveDeadLetters(boss, {
      subscriptions,
      tenantId: values.tenant ?? null,
      ...(values.id ? { ids: values.id } : {}),
    });
    process.stdout.write(`Redrove ${moved} dead letter(s).\n`);
    return 0;
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}

async function run(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'migrate':
      await migrateCommand(loadConfig());
      return 0;
    case 'procedures': {
      const { appRouter } = await import('../router.ts');
      for (const procedure of listProcedures(appRouter)) {
        process.stdout.write(`${procedure.type.padEnd(12)} ${procedure.path.padEnd(48)} ${procedure.permission ?? 'UNDECLARED'}\n`);
      }
      return 0;
    }
    case 'dead-letters':
      return deadLettersCommand(rest);
    case 'redrive':
      return redriveCommand(rest);
    case 'events:dlq':
    case 'events:redrive':
    case 'events:replay':
      return (await eventsCommand(command, rest)) ?? 2;
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(usage);
      return 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${usage}`);
      return 2;
  }
}

// `pnpm ubos procedures | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof ConfigError || (error instanceof TypeError && 'code' in error) ? 2 : 1;
}
