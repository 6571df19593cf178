import { runMigrations, type MigratableModule, type MigrationResult } from './migrations.ts';
import { installQueueSchema } from '../queue/boss.ts';

/** Everything `pnpm db:migrate` does: every module's migrations, then pg-boss's schema. */
export async function migrateDatabase(ownerConnectionString: string, modules: readonly MigratableModule[]): Promise<MigrationResult> {
  const result = await runMigrations(ownerConnectionString, modules);
  await installQueueSchema(ownerConnectionString);
  return result;
}
