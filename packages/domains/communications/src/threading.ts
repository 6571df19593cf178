/**
 * Pure threading rules of client email (no database): how Message-IDs, References and subjects
 * are normalised. The database side (which thread a stored message joins) is in service-store.ts:
 * first any Message-ID it shares with a thread (its own, In-Reply-To, References), then the
 * provider's thread id, then the normalised subject within SUBJECT_WINDOW_DAYS.
 */

/** Subject-only threading joins messages at most this far apart (from the thread's last message). */
export const SUBJECT_WINDOW_DAYS = 14;

/** `<Abc@Host>` / `abc@host` → `abc@host` (case-insensitive, brackets and spaces dropped); null when empty. */
export function normalizeMessageId(value: string | null | undefined): string | null {
  if (!value) return null;
  const match = /<([^<>\s]+)>/.exec(value);
  const id = (match?.[1] ?? value).trim().replace(/^<|>$/g, '').toLowerCase();
  return id.length > 0 && id.length <= 998 ? id : null;
}

/** Every Message-ID of a References / In-Reply-To header, in order, without duplicates. */
export function parseMessageIds(value: string | null | undefined): string[] {
  if (!value) return [];
  const ids: string[] = [];
  const bracketed = value.match(/<[^<>\s]+>/g);
  const parts = bracketed ?? value.split(/\s+/);
  for (const part of parts) {
    const id = normalizeMessageId(part);
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

// Reply and forward prefixes in the languages mail clients commonly write, with counters ("Re[2]:", "RE: FW:").
const PREFIX = /^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|tr|rif|odp|antw|res|enc)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*|\[[^\]]{1,40}\]\s*)/i;

/** The subject a thread is recognised by: prefixes (Re:, Fwd:, AW:, [list]) removed, spaces collapsed, lower case. */
export function subjectKey(subject: string | null | undefined): string {
  let rest = (subject ?? '').normalize('NFKC');
  for (let i = 0; i < 20; i += 1) {
    const next = rest.replace(PREFIX, '');
    if (next === rest) break;
    rest = next;
  }
  return rest.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** A subject too generic to thread on by itself ("", "hello", "question"): subject-only threading is skipped. */
export function subjectThreadable(key: string): boolean {
  return key.length >= 4 && !['hello', 'hi there', 'question', 'no subject', '(no subject)', 'test', 'update'].includes(key);
}

/** The references a reply carries: the parent's References plus the parent's own id (RFC 5322 §3.6.4), the oldest kept when long. */
export function replyReferences(parent: { messageId: string | null; references: readonly string[] }): string[] {
  const ids = [...parent.references];
  if (parent.messageId && !ids.includes(parent.messageId)) ids.push(parent.messageId);
  // Keep the first and the last 19: the root and the recent chain, as clients do for long threads.
  return ids.length > 20 ? [ids[0] as string, ...ids.slice(-19)] : ids;
}
