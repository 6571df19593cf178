import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';

/**
 * The credential vault (§7): AES-256-GCM with a fresh random 96-bit nonce per encryption, the
 * tenant id and the subject (connection) id as additional authenticated data, and the key id in
 * every ciphertext so keys can rotate: `v1:<keyId>:<nonce b64url>:<ciphertext b64url>:<tag b64url>`.
 * The current key encrypts; older keys (`VAULT_KEYS`) only decrypt until `pnpm ubos vault:rotate`
 * re-encrypts their rows. Plaintexts never leave this file except as return values.
 */

export interface VaultKey {
  id: string;
  key: Buffer;
}

/** Whose secret a ciphertext is: bound into the GCM tag, so a ciphertext copied elsewhere fails. */
export interface VaultSubject {
  tenantId: string;
  /** The connection id (or another subject of the tenant, e.g. `oauth_state:<hash>`). */
  subjectId: string;
}

const FORMAT = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The vault cannot be used in this process (production without VAULT_KEY). Safe to show: it names no secret. */
export class VaultUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultUnavailableError';
  }
}

/** A ciphertext did not decrypt: wrong tenant or subject, tampered, or its key is not configured. */
export class VaultDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultDecryptError';
  }
}

/** First 8 hex characters of SHA-256 of the key: names the key without revealing it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

function parseHexKey(hex: string, what: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new VaultUnavailableError(`${what} must be 64 hex characters (32 bytes)`);
  return Buffer.from(hex, 'hex');
}

function aadOf(subject: VaultSubject): Buffer {
  // Length-prefixed so ("a", "bc") and ("ab", "c") differ.
  const tenant = Buffer.from(subject.tenantId, 'utf8');
  const id = Buffer.from(subject.subjectId, 'utf8');
  const header = Buffer.alloc(8);
  header.writeUInt32BE(tenant.length, 0);
  header.writeUInt32BE(id.length, 4);
  return Buffer.concat([Buffer.from('ubos-vault-v1\0'), header, tenant, id]);
}

export class Vault {
  readonly current: VaultKey;
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(current: VaultKey, older: readonly VaultKey[] = []) {
    if (current.key.length !== 32) throw new VaultUnavailableError('The vault key must be 32 bytes');
    this.current = current;
    const keys = new Map<string, Buffer>();
    for (const entry of older) {
      if (entry.key.length !== 32) throw new VaultUnavailableError(`Vault key ${entry.id} must be 32 bytes`);
      keys.set(entry.id, entry.key);
      // Rows written while this key was current carry its derived id.
      keys.set(keyIdOf(entry.key), entry.key);
    }
    keys.set(current.id, current.key);
    this.keys = keys;
  }

  /** Ids of every key this vault can read, the current one included. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  encrypt(plaintext: string, subject: VaultSubject): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadOf(subject));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT, this.current.id, nonce.toString('base64url'), body.toString('base64url'), tag.toString('base64url')].join(':');
  }

  decrypt(ciphertext: string, subject: VaultSubject): string {
    const parts = ciphertext.split(':');
    if (parts.length !== 5 || parts[0] !== FORMAT) throw new VaultDecryptError('Not a vault ciphertext');
    const [, keyId = '', nonceText = '', bodyText = '', tagText = ''] = parts;
    const key = this.keys.get(keyId);
    if (!key) throw new VaultDecryptError(`Vault key ${keyId} is not configured (add it to VAULT_KEYS)`);
    const nonce = Buffer.from(nonceText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) throw new VaultDecryptError('Malformed vault ciphertext');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aadOf(subject));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultDecryptError('The ciphertext does not belong to this tenant and connection, or was altered');
    }
  }

  /** The key id a ciphertext was written with (null when it is not one). */
  static keyIdOf(ciphertext: string): string | null {
    const parts = ciphertext.split(':');
    return parts.length === 5 && parts[0] === FORMAT ? (parts[1] ?? null) : null;
  }

  /** True when the ciphertext was written with an older key (vault:rotate re-encrypts it). */
  isStale(ciphertext: string): boolean {
    return Vault.keyIdOf(ciphertext) !== this.current.id;
  }

  /** Re-encrypts with the current key (same subject); throws VaultDecryptError when unreadable. */
  reencrypt(ciphertext: string, subject: VaultSubject): string {
    return this.encrypt(this.decrypt(ciphertext, subject), subject);
  }
}

/** Constant-time equality of two strings (used for hashed tokens). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** `VAULT_KEYS`: a comma list of `id:hex` (or bare `hex`, id derived) of older, read-only keys. */
export function parseVaultKeys(list: string | undefined): VaultKey[] {
  if (!list) return [];
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry, index) => {
      const colon = entry.lastIndexOf(':');
      const hex = colon === -1 ? entry : entry.slice(colon + 1);
      const key = parseHexKey(hex, `VAULT_KEYS entry ${index + 1}`);
      const id = colon === -1 ? keyIdOf(key) : entry.slice(0, colon);
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new VaultUnavailableError(`VAULT_KEYS entry ${index + 1} has an invalid key id`);
      return { id, key };
    });
}

const EMBEDDED_KEY_FILE = 'vault.key';
/** Relative DATA_DIR resolves against the repository root, as the host resolves it (README). */
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
let processKey: Buffer | null = null;

/**
 * The key of the embedded default without VAULT_KEY: generated once and kept in DATA_DIR (mode
 * 0600, like the embedded Postgres secrets), so a zero-config start works and survives restarts.
 */
function embeddedKey(dataDir: string): Buffer {
  const file = path.join(dataDir, EMBEDDED_KEY_FILE);
  if (existsSync(file)) return parseHexKey(readFileSync(file, 'utf8').trim(), `${file}`);
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${key.toString('hex')}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  if (existsSync(file)) return parseHexKey(readFileSync(file, 'utf8').trim(), `${file}`);
  renameSync(temporary, file);
  return key;
}

const vaults = new WeakMap<Config, Vault>();

/**
 * The process's vault from config: VAULT_KEY is the current key, VAULT_KEYS the older readable
 * ones. Without VAULT_KEY: production refuses (VaultUnavailableError, in words), development keeps
 * a generated key in DATA_DIR, tests use a key of this process only.
 */
export function vaultFromConfig(config: Config): Vault {
  const cached = vaults.get(config);
  if (cached) return cached;
  const older = parseVaultKeys(config.VAULT_KEYS);
  let current: Buffer;
  if (config.VAULT_KEY) current = parseHexKey(config.VAULT_KEY, 'VAULT_KEY');
  else if (config.NODE_ENV === 'production') {
    throw new VaultUnavailableError(
      'Integrations need a credential vault key: set VAULT_KEY to 64 hex characters (for example the output of `openssl rand -hex 32`) and restart',
    );
  } else if (config.NODE_ENV === 'test') {
    processKey ??= randomBytes(32);
    current = processKey;
  } else current = embeddedKey(path.resolve(repoRoot, config.DATA_DIR));
  const vault = new Vault({ id: keyIdOf(current), key: current }, older);
  vaults.set(config, vault);
  return vault;
}
