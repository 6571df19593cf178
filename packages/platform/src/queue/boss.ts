import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { APP_ROLE, OWNER_ROLE } from '../db/roles.ts';

/** pg-boss lives in its own schema of the same database. */
export const QUEUE_SCHEMA = 'pgboss';

/**
 * Installs or upgrades pg-boss's schema as the owner role and lets ubos_app use it.
 * ubos_app also gets CREATE on the schema because pg-boss creates one partition table per
 * queue when the host creates its queues at boot.
 */
export async function installQueueSchema(ownerConnectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerConnectionString, application_name: 'ubos-migrate-queue' });
  await client.connect();
  try {
    const who = await client.query<{ current_user: string }>('SELECT current_user');
    const setRole = who.rows[0]?.current_user !== OWNER_ROLE ? `SET ROLE ${OWNER_ROLE}` : null;
    // Install through pg-boss itself, on a single connection that has switched to the owner role.
    const boss = new PgBoss({
      db: {
        async executeSql(text: string, values?: unknown[]) {
          if (setRole) await client.query(setRole);
          const result = await client.query(text, values as unknown[] | undefined);
          return { rows: result.rows };
        },
      },
      schema: QUEUE_SCHEMA,
      migrate: true,
      supervise: false,
      schedule: false,
    });
    boss.on('error', () => undefined);
    await boss.start();
    await boss.stop({ graceful: false });
    if (setRole) await client.query(setRole);
    await client.query(`GRANT USAGE, CREATE ON SCHEMA ${QUEUE_SCHEMA} TO ${APP_ROLE}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${QUEUE_SCHEMA} TO ${APP_ROLE}`);
    await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${QUEUE_SCHEMA} TO ${APP_ROLE}`);
    await client.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${QUEUE_SCHEMA} TO ${APP_ROLE}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${QUEUE_SCHEMA} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE}`);
  } finally {
    await client.end();
  }
}

export interface CreateBossOptions {
  connectionString: string;
  max?: number;
  /** Maintenance (expiry, retention, cron) runs in worker processes only. */
  supervise?: boolean;
  schedule?: boolean;
  /**
   * How often (seconds) a supervising instance deletes each queue's jobs past their
   * deleteAfterSeconds. pg-boss's default is once a day, which lets a busy queue's table hold a
   * day of completed jobs; ours is every minute so the tables stay small (default 60).
   */
  maintenanceIntervalSeconds?: number;
  /**
   * How often (seconds) the supervisor runs its passes: expiry and the heartbeat check that fails
   * and retries the jobs of a dead worker (default 5, so a crash delays its jobs ~10-15 s).
   */
  superviseIntervalSeconds?: number;
  /**
   * How often (seconds) each queue's monitor pass runs within the supervisor: job expiry, the
   * heartbeat check, queue stats (default 5; pg-boss's is 60, which left a dead worker's jobs
   * waiting over a minute).
   */
  monitorIntervalSeconds?: number;
}

/** A pg-boss instance for the runtime role. It never migrates: installQueueSchema did. */
export function createBoss(options: CreateBossOptions): PgBoss {
  return new PgBoss({
    connectionString: options.connectionString,
    schema: QUEUE_SCHEMA,
    max: options.max ?? 5,
    application_name: 'ubos-queue',
    migrate: false,
    createSchema: false,
    supervise: options.supervise ?? true,
    schedule: options.schedule ?? true,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
    superviseIntervalSeconds: options.superviseIntervalSeconds ?? 5,
    monitorIntervalSeconds: options.monitorIntervalSeconds ?? 5,
    useListenNotify: true,
  });
}

export { PgBoss };
