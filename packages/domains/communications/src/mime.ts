import { createHash } from 'node:crypto';
import PostalMime, { type Address } from 'postal-mime';
import sanitizeHtml from 'sanitize-html';
import { normalizeMessageId, parseMessageIds } from './threading.ts';

/**
 * Parsing of one RFC 5322 message (postal-mime) into what client email stores, and the HTML
 * sanitiser: no scripts, styles, forms, frames or event handlers; remote images are replaced by
 * nothing until the person asks (`data-remote-src` keeps the address, counted in `remoteImages`).
 */

export interface ParsedAddress {
  address: string;
  name: string | null;
}

export interface ParsedAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  contentId: string | null;
  inline: boolean;
}

export interface ParsedEmail {
  /** The Message-ID (normalised), else null. */
  messageId: string | null;
  /** The Message-ID, else a hash of the headers: what makes a message one per account. */
  dedupeKey: string;
  inReplyTo: string | null;
  references: string[];
  subject: string;
  from: ParsedAddress | null;
  to: ParsedAddress[];
  cc: ParsedAddress[];
  bcc: ParsedAddress[];
  replyTo: ParsedAddress[];
  date: Date;
  text: string;
  html: string | null;
  remoteImages: number;
  snippet: string;
  attachments: ParsedAttachment[];
  /** Gmail's X-GM-THRID or another provider's thread id, when the source carries one. */
  providerThreadId: string | null;
}

function flatten(list: readonly Address[] | Address | undefined): ParsedAddress[] {
  if (!list) return [];
  const items = Array.isArray(list) ? list : [list];
  const out: ParsedAddress[] = [];
  for (const item of items) {
    const mailboxes = item.group ? item.group : [item];
    for (const box of mailboxes) {
      const address = (box.address ?? '').trim().toLowerCase();
      if (address.includes('@') && !out.some((o) => o.address === address)) out.push({ address, name: box.name?.trim() || null });
    }
  }
  return out;
}

const ALLOWED_TAGS = [
  ...sanitizeHtml.defaults.allowedTags.filter((tag) => tag !== 'style'),
  'img',
  'font',
  'center',
  'span',
  'div',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'td',
  'th',
];

/** Sanitised HTML and how many remote images it held back. */
export function sanitizeEmailHtml(html: string, options: { allowRemoteImages?: boolean } = {}): { html: string; remoteImages: number } {
  let remoteImages = 0;
  const clean = sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'width', 'height', 'data-remote-src'],
      td: ['colspan', 'rowspan', 'align', 'valign'],
      th: ['colspan', 'rowspan', 'align', 'valign'],
      table: ['width', 'border', 'cellpadding', 'cellspacing'],
      font: ['color'],
      '*': ['dir', 'lang'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'cid'],
    allowedSchemesByTag: { img: ['cid', 'data', 'http', 'https'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' } }),
      img: (tagName, attribs) => {
        const src = attribs.src ?? '';
        if (/^https?:/i.test(src) && !options.allowRemoteImages) {
          remoteImages += 1;
          const { src: _dropped, ...rest } = attribs;
          return { tagName, attribs: { ...rest, 'data-remote-src': src } };
        }
        return { tagName, attribs };
      },
    },
  });
  return { html: clean, remoteImages };
}

/** Remote images shown again (the person asked): data-remote-src back to src, still sanitised. */
export function showRemoteImages(html: string): string {
  return sanitizeEmailHtml(html.replace(/data-remote-src=/g, 'src='), { allowRemoteImages: true }).html;
}

function snippetOf(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

function htmlToText(html: string): string {
  return sanitizeHtml(html.replace(/<(br|\/p|\/div|\/tr|\/li)[^>]*>/gi, '\n$&'), { allowedTags: [], allowedAttributes: {} })
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function header(headers: readonly { key: string; value: string }[], key: string): string | null {
  return headers.find((h) => h.key === key)?.value ?? null;
}

export async function parseEmail(source: Buffer | string, fallbackDate?: Date): Promise<ParsedEmail> {
  const email = await PostalMime.parse(source, { attachmentEncoding: 'arraybuffer' });
  const messageId = normalizeMessageId(email.messageId);
  const headerBlock = email.headerLines
    .filter((line) => !['received', 'x-received', 'delivered-to', 'return-path'].includes(line.key))
    .map((line) => line.line)
    .join('\n');
  const dedupeKey = messageId ? `mid:${messageId}` : `hdr:${createHash('sha256').update(headerBlock).digest('hex')}`;
  const parsedDate = email.date ? new Date(email.date) : null;
  const date = parsedDate && !Number.isNaN(parsedDate.getTime()) ? parsedDate : (fallbackDate ?? new Date());
  const sanitized = email.html ? sanitizeEmailHtml(email.html) : null;
  const text = (email.text ?? (email.html ? htmlToText(email.html) : '')).replace(/\r\n/g, '\n');
  const attachments: ParsedAttachment[] = email.attachments.map((item, index) => {
    const content =
      typeof item.content === 'string'
        ? Buffer.from(item.content)
        : Buffer.from(item.content instanceof ArrayBuffer ? new Uint8Array(item.content) : item.content);
    return {
      filename: (item.filename ?? `attachment-${index + 1}`).slice(0, 255),
      contentType: (item.mimeType || 'application/octet-stream').toLowerCase().slice(0, 255),
      content,
      contentId: item.contentId ? item.contentId.replace(/^<|>$/g, '') : null,
      inline: item.disposition === 'inline',
    };
  });
  const inReplyTo = parseMessageIds(email.inReplyTo)[0] ?? null;
  const references = parseMessageIds(email.references);
  if (inReplyTo && !references.includes(inReplyTo)) references.push(inReplyTo);
  return {
    messageId,
    dedupeKey,
    inReplyTo,
    references: references.filter((id) => id !== messageId),
    subject: (email.subject ?? '').trim().slice(0, 998),
    from: flatten(email.from)[0] ?? null,
    to: flatten(email.to),
    cc: flatten(email.cc),
    bcc: flatten(email.bcc),
    replyTo: flatten(email.replyTo),
    date,
    text,
    html: sanitized?.html ?? null,
    remoteImages: sanitized?.remoteImages ?? 0,
    snippet: snippetOf(text),
    attachments,
    providerThreadId: header(email.headers, 'x-gm-thrid'),
  };
}
