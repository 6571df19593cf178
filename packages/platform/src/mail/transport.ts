import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../logger.ts';
import type { SystemMailAttachment } from './types.ts';

export interface OutgoingMail {
  from: string;
  to: { email: string; name: string | null };
  subject: string;
  html: string;
  text: string;
  attachments: SystemMailAttachment[];
  /** The log row's id, sent as `X-UBOS-Mail-Id` so a bounce can be matched to its message. */
  mailId: string;
}

/**
 * Where system mail goes: an SMTP server (`SMTP_URL`), or nowhere but the outgoing-mail log
 * (`kind: 'log'`, the embedded default), where Settings → Email → Sent by UBOS shows it.
 */
export interface MailTransport {
  readonly kind: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<{ messageId: string | null; response: string | null }>;
  close(): void;
}

export class SmtpMailTransport implements MailTransport {
  readonly kind = 'smtp' as const;
  readonly #transporter: Transporter;

  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`; options such as `?pool=true` as nodemailer reads them. */
  constructor(url: string, options: { connectionTimeoutMs?: number; tls?: { rejectUnauthorized?: boolean } } = {}) {
    this.#transporter = nodemailer.createTransport({
      url,
      connectionTimeout: options.connectionTimeoutMs ?? 15_000,
      greetingTimeout: options.connectionTimeoutMs ?? 15_000,
      socketTimeout: 60_000,
      ...(options.tls ? { tls: options.tls } : {}),
    });
  }

  async send(mail: OutgoingMail): Promise<{ messageId: string | null; response: string | null }> {
    const info = await this.#transporter.sendMail({
      from: mail.from,
      to: mail.to.name ? { name: mail.to.name, address: mail.to.email } : mail.to.email,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      headers: { 'X-UBOS-Mail-Id': mail.mailId, 'Auto-Submitted': 'auto-generated' },
      attachments: mail.attachments.map((attachment) => ({ filename: attachment.filename, contentType: attachment.contentType, content: attachment.content })),
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    return { messageId: typeof info.messageId === 'string' ? info.messageId : null, response: typeof info.response === 'string' ? info.response : null };
  }

  close(): void {
    this.#transporter.close();
  }
}

/** The embedded default: delivery is the log row itself. */
export class LogMailTransport implements MailTransport {
  readonly kind = 'log' as const;
  async send(): Promise<{ messageId: string | null; response: string | null }> {
    return { messageId: null, response: null };
  }
  close(): void {}
}

export function createMailTransport(config: { SMTP_URL?: string | undefined }, log: Logger): MailTransport {
  if (config.SMTP_URL) {
    log.info({ smtp: redactSmtpUrl(config.SMTP_URL) }, 'system mail goes through SMTP');
    return new SmtpMailTransport(config.SMTP_URL);
  }
  log.info('No SMTP_URL: system mail is kept in the outgoing-mail log; read it in Settings → Email → Sent by UBOS');
  return new LogMailTransport();
}

export function redactSmtpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'invalid SMTP_URL';
  }
}

interface SmtpErrorLike {
  responseCode?: number;
  code?: string;
  response?: string;
  message?: string;
}

/** A 5xx reply is the server's final no (bad recipient, policy): retrying will not help. Everything else (4xx, timeouts, refused connections) is retried. */
export function isPermanentSmtpError(error: unknown): boolean {
  const code = (error as SmtpErrorLike | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** The error as the log shows it on the message: the server's reply when there is one. */
export function describeSmtpError(error: unknown): string {
  const details = (error ?? {}) as SmtpErrorLike;
  const parts = [details.responseCode ? `SMTP ${details.responseCode}` : details.code, details.response ?? details.message ?? String(error)].filter(Boolean);
  return parts.join(': ').slice(0, 1000);
}
