import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { ConfigError, createLogger, loadConfig } from '../src/index.ts';

describe('config', () => {
  it('applies defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.PROCESS_ROLE).toBe('all');
    expect(config.CORS_ORIGINS).toEqual([]);
  });

  it('names every bad or missing variable in one error', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', VAULT_KEY: 'short', PROCESS_ROLE: 'boss' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^PORT \(invalid\)/m);
    expect(problems).toMatch(/^DATABASE_URL \(invalid\): must be a postgres/m);
    expect(problems).toMatch(/^VAULT_KEY \(invalid\): must be 64 hex/m);
    expect(problems).toMatch(/^PROCESS_ROLE \(invalid\)/m);
  });

  it('refuses to start production on a development default secret, naming each variable', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://ubos_owner:owner@db.example:5432/ubos' };
    let caught: unknown;
    try {
      loadConfig(production);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^APP_DB_PASSWORD \(missing\): production refuses the development default/m);
    expect(problems).toMatch(/^VAULT_KEY \(missing\)/m);
    // With real secrets it starts; outside production the defaults stay (the embedded default and tests).
    const key = 'ab'.repeat(32);
    expect(loadConfig({ ...production, APP_DB_PASSWORD: 'a real password', VAULT_KEY: key }).NODE_ENV).toBe('production');
    expect(loadConfig({ ...production, DATABASE_APP_URL: 'postgres://ubos_app:x@db.example:5432/ubos', VAULT_KEY: key }).NODE_ENV).toBe('production');
    expect(loadConfig({ DATABASE_URL: production.DATABASE_URL }).APP_DB_PASSWORD).toBe('ubos_app_dev_password');
  });

  it('parses lists and booleans', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.test, https://b.test', SESSION_COOKIE_SECURE: 'true' });
    expect(config.CORS_ORIGINS).toEqual(['https://a.test', 'https://b.test']);
    expect(config.SESSION_COOKIE_SECURE).toBe(true);
  });
});

describe('logger', () => {
  it('writes JSON and redacts passwords, tokens, cookies and authorization headers', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const log = createLogger({ level: 'info', destination });
    log.info(
      {
        requestId: 'r1',
        input: { email: 'a@b.test', password: 'hunter22', token: 'tok' },
        req: { headers: { cookie: 'ubos_session=abc', authorization: 'Bearer x', accept: 'json' } },
      },
      'hello',
    );
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(entry.msg).toBe('hello');
    expect(entry.requestId).toBe('r1');
    const serialized = lines.join('');
    expect(serialized).not.toContain('hunter22');
    expect(serialized).not.toContain('ubos_session=abc');
    expect(serialized).not.toContain('Bearer x');
    expect(serialized).not.toContain('"tok"');
    expect(serialized).toContain('a@b.test');
  });
});
