import type { Config, Database, DomainModule, Logger, PgBoss } from '@ubos/platform';

export interface WorkerDeps {
  db: Database;
  boss: PgBoss;
  modules: readonly DomainModule[];
  log: Logger;
  config: Config;
}

export interface Workers {
  /** Stops taking new work and waits for running handlers (the host bounds the wait). */
  stop(): Promise<void>;
}

/**
 * Worker-side startup: everything a process with PROCESS_ROLE=worker|all runs besides HTTP.
 * The event backbone (outbox dispatcher, subscriptions, jobs) plugs in here.
 */
export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const log = deps.log.child({ component: 'workers' });
  log.info({ modules: deps.modules.map((module) => module.name) }, 'workers started');
  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      log.info('workers stopped');
    },
  };
}
