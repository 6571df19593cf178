import { createHash, randomBytes } from 'node:crypto';

/**
 * Tokens in links (ARCHITECTURE.md §7): 256 bits of randomness, base64url (43 characters), handed
 * out once; only their SHA-256 (hex) is stored, so a leaked table opens nothing. Every domain that
 * mails or shows a link (file requests, manage links, portal magic links, signing links) uses these.
 */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a link token: its SHA-256, lower-case hex. */
export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
