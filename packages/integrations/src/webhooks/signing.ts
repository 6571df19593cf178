import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookVerification } from '@ubos/platform';

/** HMAC-SHA256 of `message` under `key`, as the providers encode it. */
export function hmacSha256(key: string, message: string | Buffer, encoding: 'base64' | 'hex'): string {
  return createHmac('sha256', key).update(message).digest(encoding);
}

/** Constant-time string comparison: the length is checked first (timingSafeEqual needs equal lengths). */
export function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** True when `given` equals the signature computed under any of the active secrets (a rotation keeps two). */
export function matchesAnySecret(given: readonly string[], secrets: readonly string[], sign: (secret: string) => string): boolean {
  let matched = false;
  for (const secret of secrets) {
    const expected = sign(secret);
    // No early exit: every (header, secret) pair is compared, so timing says nothing about which matched.
    for (const candidate of given) if (safeEqual(candidate, expected)) matched = true;
  }
  return matched;
}

/** The secrets that can verify anything: an empty string is "not configured", never a key. */
export function activeSecrets(secrets: readonly string[]): string[] {
  return secrets.filter((secret) => secret.length > 0);
}

export const refuse = (reason: string, status?: number): WebhookVerification => ({ ok: false, reason, ...(status ? { status } : {}) });

export const noSecret = refuse('no webhook secret is configured for this connection');

export function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}
