/**
 * The system messages UBOS sends (§7 "Mail port"): one typed data shape per template, rendered to a
 * subject, HTML and text by one layout. Every interpolated value is escaped by the layout (a template
 * returns plain strings, never markup), links are http(s) only, and the text part carries every
 * link on its own line so it works when HTML is stripped.
 */

export interface MailBrand {
  /** The tenant's name, shown in the header, the sender name and the footer. */
  name: string;
  /** An http(s) URL of the tenant's logo; ignored when it is anything else. */
  logoUrl?: string | null;
}

export interface NotificationItem {
  title: string;
  body?: string | null;
  url?: string | null;
  /** ISO timestamp of the notification. */
  at?: string | null;
}

export interface AppointmentData {
  recipientName?: string | null;
  title: string;
  /** ISO timestamps. */
  startsAt: string;
  endsAt: string;
  /** IANA time zone the times are shown in (default UTC). */
  timeZone?: string | null;
  location?: string | null;
  /** Where the recipient manages (reschedules, cancels) the appointment. */
  manageUrl?: string | null;
}

/** Every template and the data it interpolates. */
export interface SystemMailData {
  invitation: { inviterName?: string | null; roleLabel: string; acceptUrl: string; expiresAt?: string | null };
  password_reset: { recipientName?: string | null; resetUrl: string; expiresInMinutes: number };
  /** Client portal sign-in. */
  magic_link: { recipientName?: string | null; signInUrl: string; expiresInMinutes: number };
  notification: NotificationItem;
  notification_digest: { recipientName?: string | null; date: string; items: NotificationItem[]; preferencesUrl?: string | null };
  appointment_confirmation: AppointmentData;
  appointment_cancellation: AppointmentData & { reason?: string | null; rebookUrl?: string | null };
  invoice_sent: {
    recipientName?: string | null;
    invoiceNumber: string;
    /** Integer minor units + ISO 4217 currency. */
    amountMinor: number;
    currency: string;
    dueDate?: string | null;
    viewUrl: string;
  };
  /** A templated free message (workflow `communications.sendEmail`): the subject and paragraphs are the caller's text. */
  message: { subject: string; body: string; url?: string | null; urlLabel?: string | null };
}

export type SystemMailTemplate = keyof SystemMailData;

export const systemMailTemplates = [
  'invitation',
  'password_reset',
  'magic_link',
  'notification',
  'notification_digest',
  'appointment_confirmation',
  'appointment_cancellation',
  'invoice_sent',
  'message',
] as const satisfies readonly SystemMailTemplate[];

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/** What a template returns: words only. The layout escapes and assembles them. */
interface MailContent {
  subject: string;
  /** Pre-header: the line mail clients show after the subject. */
  preview?: string;
  heading: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  /** Smaller print under the action (expiry, why you got this). */
  notes?: string[];
  /** A list of items with optional links (digests). */
  items?: { title: string; detail?: string; url?: string }[];
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for an HTML element or a double-quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * The origin path-only links (`/projects/…`) are rendered against: callers without the app's address
 * (event handlers, workflow steps) can link into UBOS; delivery and the log screen replace it with the
 * host's PUBLIC_URL (`resolveAppLinks`). `.invalid` never resolves, so an unreplaced link goes nowhere.
 */
export const APP_LINK_ORIGIN = 'https://app.ubos.invalid';

/** The URL when it is an absolute http(s) URL or a path inside the app (`/x`, not `//x`), else null: `javascript:` and friends never reach an href. */
export function safeUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    if (value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')) return new URL(value, APP_LINK_ORIGIN).toString();
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}

/** Replaces the app-link origin with the host's address (no trailing slash) in rendered HTML or text. */
export function resolveAppLinks(rendered: string, appUrl: string): string {
  return rendered.split(APP_LINK_ORIGIN).join(appUrl.replace(/\/+$/, ''));
}

/** One line: control characters (CR/LF in a subject would be header injection in a careless transport) become spaces. */
function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

function formatDateTime(iso: string, timeZone: string | null | undefined): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  };
  try {
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: timeZone ?? 'UTC' }).format(date);
  } catch {
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }).format(date);
  }
}

function formatMoney(amountMinor: number, currency: string): string {
  try {
    const formatter = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
    const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2;
    return formatter.format(amountMinor / 10 ** digits);
  } catch {
    return `${(amountMinor / 100).toFixed(2)} ${currency}`;
  }
}

const greeting = (name: string | null | undefined) => (name ? `Hello ${name},` : 'Hello,');

type Renderers = { [T in SystemMailTemplate]: (data: SystemMailData[T], brand: MailBrand) => MailContent };

const renderers: Renderers = {
  invitation: (data, brand) => ({
    subject: `You are invited to join ${brand.name} on UBOS`,
    preview: `${data.inviterName ?? 'Someone'} invited you to ${brand.name}.`,
    heading: `Join ${brand.name}`,
    paragraphs: [
      data.inviterName
        ? `${data.inviterName} has invited you to join ${brand.name} as ${data.roleLabel}.`
        : `You have been invited to join ${brand.name} as ${data.roleLabel}.`,
      'Open the link to choose your password (or sign in) and accept the invitation.',
    ],
    action: { label: 'Accept the invitation', url: data.acceptUrl },
    notes: [
      ...(data.expiresAt ? [`The invitation expires on ${formatDateTime(data.expiresAt, 'UTC')}.`] : []),
      'If you did not expect this invitation, you can ignore this email.',
    ],
  }),
  password_reset: (data, brand) => ({
    subject: `Reset your ${brand.name} password`,
    preview: 'A link to choose a new password.',
    heading: 'Reset your password',
    paragraphs: [greeting(data.recipientName), `Someone asked to reset the password of your account at ${brand.name}. Open the link to choose a new one.`],
    action: { label: 'Choose a new password', url: data.resetUrl },
    notes: [
      `The link works once and expires in ${data.expiresInMinutes} minutes. Choosing a new password signs you out everywhere.`,
      'If you did not ask for this, ignore this email: your password stays as it is.',
    ],
  }),
  magic_link: (data, brand) => ({
    subject: `Sign in to the ${brand.name} client portal`,
    preview: 'Your sign-in link.',
    heading: `Sign in to ${brand.name}`,
    paragraphs: [greeting(data.recipientName), 'Open the link to sign in to your client portal.'],
    action: { label: 'Sign in', url: data.signInUrl },
    notes: [`The link works once and expires in ${data.expiresInMinutes} minutes.`, 'If you did not ask to sign in, ignore this email.'],
  }),
  notification: (data, brand) => ({
    subject: oneLine(data.title),
    preview: data.body ?? undefined,
    heading: data.title,
    paragraphs: data.body ? [data.body] : [],
    ...(safeUrl(data.url) ? { action: { label: 'Open in UBOS', url: data.url as string } } : {}),
    notes: [`You receive this because of your notification preferences at ${brand.name}.`],
  }),
  notification_digest: (data, brand) => ({
    subject: `Your ${brand.name} digest: ${data.items.length} notification${data.items.length === 1 ? '' : 's'}`,
    preview: data.items[0]?.title,
    heading: `Your daily digest for ${data.date}`,
    paragraphs: [greeting(data.recipientName), `${data.items.length} notification${data.items.length === 1 ? '' : 's'} since your last digest:`],
    items: data.items.map((item) => ({
      title: item.title,
      ...(item.body || item.at ? { detail: [item.body, item.at ? formatDateTime(item.at, 'UTC') : null].filter(Boolean).join(' · ') } : {}),
      ...(safeUrl(item.url) ? { url: item.url as string } : {}),
    })),
    ...(safeUrl(data.preferencesUrl) ? { action: { label: 'Notification preferences', url: data.preferencesUrl as string } } : {}),
  }),
  appointment_confirmation: (data, brand) => ({
    subject: `Confirmed: ${oneLine(data.title)} on ${formatDateTime(data.startsAt, data.timeZone)}`,
    heading: 'Your appointment is confirmed',
    paragraphs: [
      greeting(data.recipientName),
      `${data.title} with ${brand.name}`,
      `When: ${formatDateTime(data.startsAt, data.timeZone)} to ${formatDateTime(data.endsAt, data.timeZone)}`,
      ...(data.location ? [`Where: ${data.location}`] : []),
    ],
    ...(safeUrl(data.manageUrl) ? { action: { label: 'Reschedule or cancel', url: data.manageUrl as string } } : {}),
    notes: ['The attached invitation (.ics) adds it to your calendar.'],
  }),
  appointment_cancellation: (data, brand) => ({
    subject: `Cancelled: ${oneLine(data.title)} on ${formatDateTime(data.startsAt, data.timeZone)}`,
    heading: 'Your appointment is cancelled',
    paragraphs: [
      greeting(data.recipientName),
      `${data.title} with ${brand.name} on ${formatDateTime(data.startsAt, data.timeZone)} is cancelled.`,
      ...(data.reason ? [`Reason: ${data.reason}`] : []),
    ],
    ...(safeUrl(data.rebookUrl) ? { action: { label: 'Book another time', url: data.rebookUrl as string } } : {}),
    notes: ['The attached cancellation (.ics) removes it from your calendar.'],
  }),
  invoice_sent: (data, brand) => ({
    subject: `Invoice ${oneLine(data.invoiceNumber)} from ${brand.name}`,
    heading: `Invoice ${data.invoiceNumber}`,
    paragraphs: [
      greeting(data.recipientName),
      `${brand.name} sent you invoice ${data.invoiceNumber} for ${formatMoney(data.amountMinor, data.currency)}${data.dueDate ? `, due on ${data.dueDate}` : ''}.`,
    ],
    action: { label: 'View the invoice', url: data.viewUrl },
  }),
  message: (data) => ({
    subject: oneLine(data.subject),
    heading: data.subject,
    paragraphs: data.body
      .split(/\n{2,}/)
      .map((paragraph) => paragraph.trim())
      .filter(Boolean),
    ...(safeUrl(data.url) ? { action: { label: data.urlLabel ?? 'Open', url: data.url as string } } : {}),
  }),
};

function paragraphHtml(text: string): string {
  return `<p style="margin:0 0 16px;line-height:1.5">${escapeHtml(text).replace(/\n/g, '<br>')}</p>`;
}

function layout(content: MailContent, brand: MailBrand): RenderedMail {
  const logo = safeUrl(brand.logoUrl);
  const action = content.action ? { label: content.action.label, url: safeUrl(content.action.url) } : null;
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${escapeHtml(oneLine(content.subject))}</title></head>`,
    '<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328">',
    content.preview ? `<div style="display:none;max-height:0;overflow:hidden">${escapeHtml(oneLine(content.preview))}</div>` : '',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;padding:24px">',
    '<tr><td style="padding-bottom:16px;border-bottom:1px solid #e5e7eb">',
    logo ? `<img src="${escapeHtml(logo)}" alt="${escapeHtml(brand.name)}" height="32" style="height:32px;vertical-align:middle;margin-right:8px">` : '',
    `<strong style="font-size:16px;vertical-align:middle">${escapeHtml(brand.name)}</strong></td></tr>`,
    '<tr><td style="padding-top:16px">',
    `<h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(content.heading)}</h1>`,
    ...content.paragraphs.map(paragraphHtml),
    content.items?.length
      ? `<ul style="padding-left:20px;margin:0 0 16px">${content.items
          .map((item) => {
            const url = safeUrl(item.url);
            const title = url ? `<a href="${escapeHtml(url)}" style="color:#0b57d0">${escapeHtml(item.title)}</a>` : escapeHtml(item.title);
            return `<li style="margin-bottom:8px">${title}${item.detail ? `<br><span style="color:#57606a;font-size:13px">${escapeHtml(item.detail)}</span>` : ''}</li>`;
          })
          .join('')}</ul>`
      : '',
    action?.url
      ? `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="background:#0b57d0;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(action.label)}</a></p>` +
        `<p style="margin:0 0 16px;font-size:13px;color:#57606a">If the button does not work, copy this link into your browser:<br><a href="${escapeHtml(action.url)}" style="color:#0b57d0;word-break:break-all">${escapeHtml(action.url)}</a></p>`
      : '',
    ...(content.notes ?? []).map((note) => `<p style="margin:0 0 8px;font-size:13px;color:#57606a">${escapeHtml(note)}</p>`),
    '</td></tr>',
    `<tr><td style="padding-top:16px;border-top:1px solid #e5e7eb;font-size:12px;color:#8c959f">Sent by UBOS for ${escapeHtml(brand.name)}.</td></tr>`,
    '</table></td></tr></table></body></html>',
  ].join('');

  const text = [
    brand.name,
    '',
    content.heading,
    '',
    ...content.paragraphs.flatMap((paragraph) => [paragraph, '']),
    ...(content.items ?? []).flatMap((item) => [
      `- ${item.title}`,
      ...(item.detail ? [`  ${item.detail}`] : []),
      ...(safeUrl(item.url) ? [`  ${safeUrl(item.url)}`] : []),
      '',
    ]),
    ...(action?.url ? [`${action.label}:`, action.url, ''] : []),
    ...(content.notes ?? []).flatMap((note) => [note]),
    '',
    '--',
    `Sent by UBOS for ${brand.name}.`,
  ].join('\n');

  return { subject: oneLine(content.subject).slice(0, 250), html, text };
}

/** Renders one template for one tenant's brand. */
export function renderSystemMail<T extends SystemMailTemplate>(template: T, data: SystemMailData[T], brand: MailBrand): RenderedMail {
  const render = renderers[template] as (data: SystemMailData[T], brand: MailBrand) => MailContent;
  if (!render) throw new Error(`Unknown system mail template ${String(template)}`);
  return layout(render(data, brand), { name: oneLine(brand.name) || 'UBOS', logoUrl: brand.logoUrl ?? null });
}
