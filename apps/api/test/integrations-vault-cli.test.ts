import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyIdOf, sql, uuidv7, Vault, withTenant } from '@ubos/platform';
import { createTestDatabase, type TestDatabase } from '@ubos/platform/testing';
import { repoRoot } from '../src/paths.ts';

/** `pnpm ubos vault:rotate` as a real process (§7): old-key rows re-encrypted with VAULT_KEY. */

const run = promisify(execFile);
let testDb: TestDatabase;

const keyOf = () => {
  const key = randomBytes(32);
  return { id: keyIdOf(key), key, hex: key.toString('hex') };
};

async function ubos(args: readonly string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['apps/api/src/cli/ubos.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: testDb.ownerUrl, DATABASE_APP_URL: testDb.appUrl, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb?.drop();
});

describe('pnpm ubos vault:rotate', () => {
  it('re-encrypts the secrets written with an old key; old rows read before; a second run has nothing to do', async () => {
    const old = keyOf();
    const current = keyOf();
    const tenantId = uuidv7();
    const id = uuidv7();
    const oldVault = new Vault(old);
    await withTenant(testDb.db, { tenantId }, (trx) =>
      sql`INSERT INTO platform.integration_connections (id, tenant_id, provider, account_label, credentials)
          VALUES (${id}, ${tenantId}, 'quickbooks', 'Books', ${oldVault.encrypt('{"accessToken":"a"}', { tenantId, subjectId: id })})`.execute(trx),
    );
    const env = { VAULT_KEY: current.hex, VAULT_KEYS: `old:${old.hex}` };
    const first = await ubos(['vault:rotate'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Vault rotation done: 1 secret(s) re-encrypted with key ${current.id}`);
    const stored = await withTenant(testDb.db, { tenantId }, async (trx) => {
      const result = await sql<{ credentials: string }>`SELECT credentials FROM platform.integration_connections WHERE id = ${id}`.execute(trx);
      return result.rows[0]?.credentials ?? '';
    });
    expect(Vault.keyIdOf(stored)).toBe(current.id);
    expect(new Vault(current).decrypt(stored, { tenantId, subjectId: id })).toBe('{"accessToken":"a"}');

    const second = await ubos(['vault:rotate'], env);
    expect(second.stdout).toContain('Vault rotation done: 0 secret(s) re-encrypted');

    // Without the old key a leftover row is reported, not silently dropped.
    await withTenant(testDb.db, { tenantId }, (trx) =>
      sql`UPDATE platform.integration_connections SET credentials = ${oldVault.encrypt('x', { tenantId, subjectId: id })} WHERE id = ${id}`.execute(trx),
    );
    const missingKey = await ubos(['vault:rotate'], { VAULT_KEY: current.hex });
    expect(missingKey.code).toBe(1);
    expect(missingKey.stdout).toContain('1 secret(s) no configured key opens (add their key to VAULT_KEYS)');
  }, 180_000);
});
