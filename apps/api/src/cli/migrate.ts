import { ConfigError, loadConfig, migrateDatabase, type Config, type MigrationResult } from '@ubos/platform';
import { modules } from '../modules.ts';
import { redactUrl } from '../database-urls.ts';

/** Applies every module's migrations (and pg-boss's schema) to DATABASE_URL, the owner connection. */
export async function migrateCommand(config: Config, out: NodeJS.WritableStream = process.stdout): Promise<MigrationResult> {
  if (!config.DATABASE_URL) {
    throw new ConfigError(['DATABASE_URL (missing): `pnpm db:migrate` needs the owner connection. The embedded default migrates itself on `pnpm start`.']);
  }
  out.write(`Migrating ${redactUrl(config.DATABASE_URL)}\n`);
  const result = await migrateDatabase(config.DATABASE_URL, modules);
  for (const migration of result.applied) out.write(`  applied ${migration.module}/${migration.id}\n`);
  out.write(
    result.applied.length === 0
      ? `Up to date (${result.skipped} migrations already applied).\n`
      : `Applied ${result.applied.length} migration(s); ${result.skipped} were already applied.\n`,
  );
  return result;
}

if (import.meta.main) {
  try {
    await migrateCommand(loadConfig());
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
