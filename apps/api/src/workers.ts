import {
  createMailDelivery,
  createMailTransport,
  startEventBackbone,
  type Config,
  type Database,
  type DomainModule,
  type DomainRuntime,
  type JobDefinition,
  type Logger,
  type PgBoss,
} from '@ubos/platform';
import { createWorkflowEngine } from '@ubos/workflow';

export interface WorkerDeps {
  db: Database;
  boss: PgBoss;
  modules: readonly DomainModule[];
  /** The host's runtime, built from the same modules: the workflow engine runs its action registry. */
  runtime: DomainRuntime;
  log: Logger;
  config: Config;
}

export interface Workers {
  /** Stops taking new work and waits for running handlers (the host bounds the wait). */
  stop(): Promise<void>;
}

/** Creates each module job's queue, schedules cron jobs and works them (one job at a time per queue). */
async function startModuleJobs(deps: WorkerDeps): Promise<string[]> {
  const jobs: JobDefinition[] = deps.modules.flatMap((module) => [...(module.jobs ?? [])]);
  const names: string[] = [];
  for (const job of jobs) {
    const log = deps.log.child({ job: job.name });
    if (!(await deps.boss.getQueue(job.name))) {
      await deps.boss.createQueue(job.name, { retryLimit: 3, retryDelay: 30, retryBackoff: true, deleteAfterSeconds: 3600 });
    }
    if (job.cron) await deps.boss.schedule(job.name, job.cron);
    await deps.boss.work<unknown>(job.name, { pollingIntervalSeconds: 5 }, async (batch) => {
      for (const item of batch) {
        try {
          await job.run(item.data, { db: deps.db, log, services: deps.runtime.services, actions: deps.runtime.actions });
        } catch (error) {
          // pg-boss keeps the error on the job and retries it with backoff; the log says so too.
          log.warn({ err: error, jobId: item.id }, 'job failed; pg-boss retries it');
          throw error;
        }
      }
    });
    names.push(job.name);
  }
  return names;
}

/**
 * Worker-side startup: everything a process with PROCESS_ROLE=worker|all runs besides HTTP.
 * The event backbone (outbox dispatcher, one pg-boss queue + dead-letter queue per
 * subscription, idempotent handlers, outbox retention), the modules' jobs and the workflow engine.
 */
export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const log = deps.log.child({ component: 'workers' });
  const backbone = await startEventBackbone({
    db: deps.db,
    boss: deps.boss,
    modules: deps.modules,
    log: deps.log,
    retentionDays: deps.config.OUTBOX_RETENTION_DAYS,
  });
  const jobs = await startModuleJobs(deps);
  // System mail (§7 "Mail port"): the mail relay moves committed log rows to their queue; SMTP_URL or the in-app log delivers.
  const transport = createMailTransport(deps.config, deps.log);
  const mail = createMailDelivery({
    db: deps.db,
    boss: deps.boss,
    transport,
    log: deps.log,
    from: deps.config.MAIL_FROM,
    appUrl: deps.config.PUBLIC_URL ?? `http://localhost:${deps.config.PORT}`,
  });
  await mail.start();
  // The workflow engine: claims step wake-ups and runs steps as pg-boss jobs with every module's actions.
  const workflow = createWorkflowEngine({ db: deps.db, boss: deps.boss, registry: deps.runtime.actions, log: deps.log });
  await workflow.start();
  log.info({ modules: deps.modules.map((module) => module.name), subscriptions: backbone.subscriptions.length, jobs }, 'workers started');
  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      await workflow.stop();
      await mail.stop();
      transport.close();
      await backbone.stop();
      await Promise.all(jobs.map((name) => deps.boss.offWork(name, { wait: true })));
      log.info('workers stopped');
    },
  };
}
