import { ConfigError, listProcedures, loadConfig } from '@ubos/platform';
import { migrateCommand } from './migrate.ts';

const usage = `Usage: pnpm ubos <command>

Commands:
  migrate      apply every module's migrations to DATABASE_URL (same as pnpm db:migrate)
  procedures   list every tRPC procedure with the access it declares
  help         show this text
`;

async function run(argv: readonly string[]): Promise<number> {
  const [command] = argv;
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

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof ConfigError ? 2 : 1;
}
