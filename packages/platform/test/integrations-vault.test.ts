import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyIdOf, parseVaultKeys, Vault, VaultDecryptError, VaultUnavailableError, vaultFromConfig } from '../src/integrations/vault.ts';
import { rotateVault } from '../src/integrations/rotate.ts';
import { loadConfig, sql, uuidv7, withTenant } from '../src/index.ts';
import { createTestDatabase, testConfig, type TestDatabase } from '../src/testing/index.ts';

const key = (hex = randomBytes(32).toString('hex')) => ({ id: keyIdOf(Buffer.from(hex, 'hex')), key: Buffer.from(hex, 'hex'), hex });

describe('vault (§7): AES-256-GCM bound to tenant and connection', () => {
  const current = key();
  const vault = new Vault(current);
  const subject = { tenantId: uuidv7(), subjectId: uuidv7() };

  it('round-trips and names its key in the ciphertext, never the plaintext', () => {
    const secret = 'refresh-token-CANARY-1234567890';
    const ciphertext = vault.encrypt(secret, subject);
    expect(ciphertext.startsWith(`v1:${current.id}:`)).toBe(true);
    expect(ciphertext).not.toContain(secret);
    expect(ciphertext).not.toContain(Buffer.from(secret).toString('base64'));
    expect(vault.decrypt(ciphertext, subject)).toBe(secret);
    expect(vault.decrypt(vault.encrypt('', subject), subject)).toBe('');
    const unicode = 'pässwörd 🔑';
    expect(vault.decrypt(vault.encrypt(unicode, subject), subject)).toBe(unicode);
  });

  it('never repeats a nonce over 100,000 encryptions', () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 100_000; i += 1) nonces.add(vault.encrypt('x', subject).split(':')[2] ?? '');
    expect(nonces.size).toBe(100_000);
    for (const nonce of [...nonces].slice(0, 100)) expect(Buffer.from(nonce, 'base64url').length).toBe(12);
  });

  it('refuses a ciphertext moved to another tenant or another connection, or altered', () => {
    const ciphertext = vault.encrypt('secret', subject);
    expect(() => vault.decrypt(ciphertext, { ...subject, tenantId: uuidv7() })).toThrow(VaultDecryptError);
    expect(() => vault.decrypt(ciphertext, { ...subject, subjectId: uuidv7() })).toThrow(VaultDecryptError);
    // Swapping the two ids is another subject too.
    expect(() => vault.decrypt(ciphertext, { tenantId: subject.subjectId, subjectId: subject.tenantId })).toThrow(VaultDecryptError);
    const parts = ciphertext.split(':');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => vault.decrypt(parts.join(':'), subject)).toThrow(VaultDecryptError);
    expect(() => vault.decrypt('plain text', subject)).toThrow(VaultDecryptError);
    // The error says what happened without quoting the ciphertext.
    try {
      vault.decrypt(ciphertext, { ...subject, tenantId: uuidv7() });
    } catch (error) {
      expect(String(error)).not.toContain(parts[3]);
    }
  });

  it('reads older keys (VAULT_KEYS) but writes with the current one', () => {
    const old = key();
    const oldVault = new Vault(old);
    const written = oldVault.encrypt('old secret', subject);
    expect(() => vault.decrypt(written, subject)).toThrow(/VAULT_KEYS/);
    const rotated = new Vault(current, [old]);
    expect(rotated.decrypt(written, subject)).toBe('old secret');
    expect(rotated.isStale(written)).toBe(true);
    const again = rotated.reencrypt(written, subject);
    expect(Vault.keyIdOf(again)).toBe(current.id);
    expect(rotated.isStale(again)).toBe(false);
    expect(vault.decrypt(again, subject)).toBe('old secret');
  });

  it('parses VAULT_KEYS with explicit and derived ids, and validates them in config', () => {
    const a = key();
    const b = key();
    const parsed = parseVaultKeys(` old1:${a.hex} , ${b.hex}`);
    expect(parsed.map((entry) => entry.id)).toEqual(['old1', b.id]);
    // A key listed under an explicit id still opens rows written when it was current (derived id).
    expect(new Vault(current, parsed).decrypt(new Vault(a).encrypt('s', subject), subject)).toBe('s');
    expect(() => loadConfig({ VAULT_KEYS: 'nope' })).toThrow(/VAULT_KEYS/);
    expect(loadConfig({ VAULT_KEYS: `old1:${a.hex}` }).VAULT_KEYS).toBe(`old1:${a.hex}`);
  });

  it('refuses to run in production without VAULT_KEY, in words', () => {
    expect(() => vaultFromConfig(testConfig({ NODE_ENV: 'production', VAULT_KEY: undefined }))).toThrow(VaultUnavailableError);
    expect(() => vaultFromConfig(testConfig({ NODE_ENV: 'production', VAULT_KEY: undefined }))).toThrow(/set VAULT_KEY to 64 hex characters/);
    const configured = vaultFromConfig(testConfig({ NODE_ENV: 'production', VAULT_KEY: current.hex }));
    expect(configured.current.id).toBe(current.id);
  });

  it('keeps a generated key in DATA_DIR for the zero-config embedded start (mode 0600, same key after a restart)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ubos-vault-'));
    try {
      const first = vaultFromConfig(testConfig({ NODE_ENV: 'development', DATA_DIR: dir, VAULT_KEY: undefined }));
      const file = path.join(dir, 'vault.key');
      expect(existsSync(file)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
      const ciphertext = first.encrypt('survives restarts', subject);
      const second = vaultFromConfig(testConfig({ NODE_ENV: 'development', DATA_DIR: dir, VAULT_KEY: undefined }));
      expect(second.decrypt(ciphertext, subject)).toBe('survives restarts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('vault rotation over the registry (pnpm ubos vault:rotate)', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(async () => {
    await testDb?.drop();
  });

  async function insertConnection(vault: Vault, tenantId: string, secret: string): Promise<string> {
    const id = uuidv7();
    await withTenant(testDb.db, { tenantId }, (trx) =>
      sql`INSERT INTO platform.integration_connections (id, tenant_id, provider, account_label, credentials, webhook_secrets)
          VALUES (${id}, ${tenantId}, 'xero', 'Books', ${vault.encrypt(secret, { tenantId, subjectId: id })},
                  ${[vault.encrypt(`${secret}-hook`, { tenantId, subjectId: id })]})`.execute(trx),
    );
    return id;
  }

  async function ciphertextsOf(tenantId: string, id: string): Promise<{ credentials: string; webhook_secrets: string[] }> {
    return withTenant(testDb.db, { tenantId }, async (trx) => {
      const result = await sql<{ credentials: string; webhook_secrets: string[] }>`
        SELECT credentials, webhook_secrets FROM platform.integration_connections WHERE id = ${id}`.execute(trx);
      const row = result.rows[0];
      if (!row) throw new Error('row missing');
      return row;
    });
  }

  it('re-encrypts every row under an old key with the current key; old rows read before it; a second run does nothing', async () => {
    const old = key();
    const next = key();
    const oldVault = new Vault(old);
    const tenants = [uuidv7(), uuidv7()];
    const ids = [await insertConnection(oldVault, tenants[0] ?? '', 'secret-a'), await insertConnection(oldVault, tenants[1] ?? '', 'secret-b')];
    const rotating = new Vault(next, [old]);
    // Before rotation the new vault reads the old rows through VAULT_KEYS.
    const before = await ciphertextsOf(tenants[0] ?? '', ids[0] ?? '');
    expect(rotating.decrypt(before.credentials, { tenantId: tenants[0] ?? '', subjectId: ids[0] ?? '' })).toBe('secret-a');

    const result = await rotateVault(testDb.db, rotating);
    expect(result).toMatchObject({ reencrypted: 4, unreadable: 0 });
    expect(result.tenants).toBeGreaterThanOrEqual(2);
    const onlyNew = new Vault(next);
    for (const [index, tenantId] of tenants.entries()) {
      const id = ids[index] ?? '';
      const row = await ciphertextsOf(tenantId, id);
      expect(Vault.keyIdOf(row.credentials)).toBe(next.id);
      expect(onlyNew.decrypt(row.credentials, { tenantId, subjectId: id })).toBe(`secret-${index === 0 ? 'a' : 'b'}`);
      expect(onlyNew.decrypt(row.webhook_secrets[0] ?? '', { tenantId, subjectId: id })).toBe(`secret-${index === 0 ? 'a' : 'b'}-hook`);
    }
    expect((await rotateVault(testDb.db, rotating)).reencrypted).toBe(0);
  });
});
