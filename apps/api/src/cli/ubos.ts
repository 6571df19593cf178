import { ConfigError, PermissionCatalog, listProcedures, loadConfig } from '@ubos/platform';
import { auditCommand, auditUsage } from './audit.ts';
import { migrateCommand } from './migrate.ts';
import { eventsCommand, eventsUsage } from './events.ts';
import { searchCommand, searchUsage } from './search.ts';
import { vaultCommand, vaultUsage } from './vault.ts';

const usage = `Usage: pnpm ubos <command> [options]

Commands:
  migrate                      apply every module's migrations to DATABASE_URL (same as pnpm db:migrate)
  procedures                   list every tRPC procedure with the access it declares
${eventsUsage}${searchUsage}${vaultUsage}${auditUsage}  help                         show this text

Event and search commands connect with DATABASE_APP_URL (or DATABASE_URL as ubos_app); without
DATABASE_URL, to the embedded Postgres under DATA_DIR, which must be running (pnpm start).
`;

async function run(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'migrate':
      await migrateCommand(loadConfig());
      return 0;
    case 'procedures': {
      // The router and the catalog of the one module list, as the host builds them.
      const [{ appRouter }, { modules }] = await Promise.all([import('../router.ts'), import('../modules.ts')]);
      const permissions = new PermissionCatalog(modules);
      for (const { type, path, permission } of listProcedures(appRouter)) {
        const access =
          permission === undefined
            ? 'UNDECLARED'
            : permission === 'public' || permission === 'authenticated' || permission === 'portal' || permissions.has(permission)
              ? permission
              : `${permission} (UNDECLARED: no module declares this permission)`;
        process.stdout.write(`${type.padEnd(12)} ${path.padEnd(48)} ${access}\n`);
      }
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(usage);
      return 0;
    default: {
      const code =
        (await eventsCommand(command, rest)) ??
        (await searchCommand(command, rest)) ??
        (await vaultCommand(command, rest)) ??
        (await auditCommand(command, rest));
      if (code !== null) return code;
      process.stderr.write(`Unknown command "${command}".\n\n${usage}`);
      return 2;
    }
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
