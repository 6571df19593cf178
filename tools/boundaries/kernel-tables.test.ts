import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Domains write no SQL against the kernel's tables (`platform.*`): they go through the kernel's
 * API (ctx.emit / ctx.emitMany, readOutbox, countOutbox). This fails when any domain's source
 * (packages/domains/<name>/src, every .ts below it) names a platform table after FROM, INTO,
 * UPDATE or JOIN. Helper functions such as `platform.enable_tenant_rls(...)` in migrations are
 * outside src and are not table reads.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const domainsDir = path.resolve(here, '../../packages/domains');

/** The same pattern as the pre-stop check: a SQL keyword followed by a platform table. */
const platformTableSql = /\b(from|into|update|join)\s+platform\.[a-z_]+/gi;

function platformTableReferences(source: string): string[] {
  return [...source.matchAll(platformTableSql)].map((match) => match[0]);
}

function tsFilesUnder(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(full);
    return entry.isFile() && entry.name.endsWith('.ts') ? [full] : [];
  });
}

function domainSources(): string[] {
  return readdirSync(domainsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(domainsDir, entry.name, 'src'))
    .filter((src) => existsSync(src))
    .flatMap(tsFilesUnder);
}

describe('domains name no platform table in SQL', () => {
  it('the matcher finds a platform table after FROM, INTO, UPDATE or JOIN, in any case and layout', () => {
    expect(platformTableReferences('SELECT count(*)::int AS n FROM platform.outbox WHERE type = $1')).toEqual(['FROM platform.outbox']);
    expect(platformTableReferences('insert into PLATFORM.outbox (id) values ($1)')).toEqual(['into PLATFORM.outbox']);
    expect(platformTableReferences('UPDATE platform.outbox SET dispatched_at = now()')).toEqual(['UPDATE platform.outbox']);
    expect(platformTableReferences('SELECT * FROM crm.clients c\n  LEFT JOIN\n    platform.processed_events p ON true')).toEqual([
      'JOIN\n    platform.processed_events',
    ]);
  });

  it('the matcher ignores imports of @ubos/platform and the kernel helpers', () => {
    expect(platformTableReferences("import { sql } from '@ubos/platform';")).toEqual([]);
    expect(platformTableReferences("SELECT platform.enable_tenant_rls('files.settings');")).toEqual([]);
    expect(platformTableReferences('WHERE tenant_id = platform.current_tenant_id()')).toEqual([]);
  });

  it('no domain source names a platform table', () => {
    const files = domainSources();
    // It really read the domains (a wrong path would find nothing to check).
    expect(files.length).toBeGreaterThan(20);
    const offences = files.flatMap((file) =>
      platformTableReferences(readFileSync(file, 'utf8')).map((reference) => `${path.relative(path.resolve(domainsDir, '../..'), file)}: ${reference}`),
    );
    expect(offences, 'use the kernel API (ctx.emit/emitMany, readOutbox, countOutbox) instead').toEqual([]);
  });
});
