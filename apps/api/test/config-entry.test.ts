import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testConfig } from '@ubos/platform/testing';
import { configuredDatabaseUrls, redactUrl } from '../src/database-urls.ts';
import { repoRoot } from '../src/paths.ts';

const run = promisify(execFile);

async function main(args: readonly string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, ['apps/api/src/main.ts', ...args], { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 150_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
  }
}

describe('database URLs', () => {
  it('uses the embedded default when DATABASE_URL is unset', () => {
    expect(configuredDatabaseUrls(testConfig())).toBeNull();
  });

  it('derives the runtime URL from DATABASE_URL with ubos_app and APP_DB_PASSWORD', () => {
    const urls = configuredDatabaseUrls(
      testConfig({ DATABASE_URL: 'postgres://ubos_owner:owner-secret@db.example:5433/ubos?sslmode=require', APP_DB_PASSWORD: 'app secret/1' }),
    );
    expect(urls?.ownerUrl).toBe('postgres://ubos_owner:owner-secret@db.example:5433/ubos?sslmode=require');
    const app = new URL(urls?.appUrl ?? '');
    expect(app.username).toBe('ubos_app');
    expect(decodeURIComponent(app.password)).toBe('app secret/1');
    expect(app.host).toBe('db.example:5433');
    expect(app.pathname).toBe('/ubos');
    expect(app.searchParams.get('sslmode')).toBe('require');
  });

  it('prefers DATABASE_APP_URL when given', () => {
    const urls = configuredDatabaseUrls(
      testConfig({ DATABASE_URL: 'postgres://ubos_owner:o@db/ubos', DATABASE_APP_URL: 'postgres://runtime:r@replica-proxy/ubos' }),
    );
    expect(urls?.appUrl).toBe('postgres://runtime:r@replica-proxy/ubos');
  });

  it('never logs a password', () => {
    expect(redactUrl('postgres://ubos_app:s3cret@db:5432/ubos')).toBe('postgres://ubos_app:***@db:5432/ubos');
  });
});

// Starts child processes that load every module: on a busy 2-core machine that can take longer than
// the default 30 s, so the budget is generous (a passing case ends as soon as the process does).
describe('main entry point', { timeout: 180_000 }, () => {
  it('refuses to start on invalid configuration, naming each variable', async () => {
    const result = await main([], { PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PORT (invalid)');
    expect(result.stderr).toContain('LOG_LEVEL (invalid)');
  });

  it('refuses an unknown --role', async () => {
    const result = await main(['--role', 'janitor'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--role (invalid): expected one of api, worker, all, got "janitor"');
  });
});
