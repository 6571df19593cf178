import type { Redis } from 'ioredis';
import type { Database, PgBoss } from '@ubos/platform';

export interface CheckResult {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface ReadinessReport {
  ok: boolean;
  checks: Record<string, CheckResult>;
}

export interface ReadinessCheck {
  name: string;
  run(): Promise<void>;
}

/** pg-boss does not expose a "running" flag: the host tracks start/stop/error events. */
export interface BossHandle {
  boss: PgBoss;
  isRunning(): boolean;
}

export function trackBoss(boss: PgBoss): BossHandle & { markStarted(): void } {
  let running = false;
  boss.on('stopped', () => {
    running = false;
  });
  return {
    boss,
    isRunning: () => running,
    markStarted() {
      running = true;
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function readinessChecks(deps: { db: Database; boss: BossHandle | null; redis: Redis | null }): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [
    {
      name: 'postgres',
      async run() {
        await deps.db.pool.query('select 1');
      },
    },
  ];
  const bossHandle = deps.boss;
  if (bossHandle) {
    checks.push({
      name: 'pgBoss',
      async run() {
        if (!bossHandle.isRunning()) throw new Error('pg-boss is not running');
        if (!(await bossHandle.boss.isInstalled())) throw new Error('pg-boss schema is not installed');
      },
    });
  }
  const redis = deps.redis;
  if (redis) {
    checks.push({
      name: 'redis',
      async run() {
        const answer = await redis.ping();
        if (answer !== 'PONG') throw new Error(`unexpected PING answer ${answer}`);
      },
    });
  }
  return checks;
}

export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs = 2_000): Promise<ReadinessReport> {
  const entries = await Promise.all(
    checks.map(async (check): Promise<[string, CheckResult]> => {
      const started = performance.now();
      try {
        await withTimeout(check.run(), timeoutMs, check.name);
        return [check.name, { ok: true, latencyMs: Math.round(performance.now() - started) }];
      } catch (error) {
        const message = error instanceof Error ? error.message || error.name : String(error);
        return [check.name, { ok: false, latencyMs: Math.round(performance.now() - started), error: message }];
      }
    }),
  );
  return { ok: entries.every(([, result]) => result.ok), checks: Object.fromEntries(entries) };
}
