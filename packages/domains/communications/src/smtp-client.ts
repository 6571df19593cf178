import type { Readable } from 'node:stream';
import { DomainError, type KernelServices } from '@ubos/platform';
import nodemailer from 'nodemailer';
import { vetHost } from './imap-client.ts';

/** The account's own SMTP (nodemailer), dialled at the address the SSRF guard vetted. */
export interface SmtpEndpoint {
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  username: string;
  password: string;
}

export interface OutgoingMail {
  from: { address: string; name: string | null };
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  date: Date;
  /** Files sent along (a forward carries the original's), streamed from the blob store. */
  attachments?: { filename: string; contentType: string; content: Readable }[];
}

async function transport(services: KernelServices, endpoint: SmtpEndpoint) {
  const vetted = await vetHost(services, endpoint.host);
  return nodemailer.createTransport({
    host: vetted.address,
    port: endpoint.port,
    secure: endpoint.security === 'tls',
    requireTLS: endpoint.security === 'starttls',
    ignoreTLS: endpoint.security === 'none',
    auth: { user: endpoint.username, pass: endpoint.password },
    tls: vetted.hostname !== vetted.address ? { servername: vetted.hostname } : {},
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  });
}

/** The connection test: EHLO and AUTH, nothing sent. */
export async function verifySmtp(services: KernelServices, endpoint: SmtpEndpoint): Promise<void> {
  const mailer = await transport(services, endpoint);
  try {
    await mailer.verify();
  } catch (error) {
    const detail = error as { code?: string; responseCode?: number; message?: string };
    if (detail.code === 'EAUTH' || detail.responseCode === 535) {
      throw new DomainError('BAD_REQUEST', 'The SMTP server refused the user name or password', [
        { path: ['password'], message: 'The SMTP server refused the user name or password' },
      ]);
    }
    throw new DomainError(
      'BAD_REQUEST',
      `The SMTP server at ${endpoint.host}:${endpoint.port} did not answer as expected (${detail.message ?? 'no reason given'})`,
    );
  } finally {
    mailer.close();
  }
}

export class SmtpSendError extends Error {
  /** 5xx: the server refused for good; retrying will not help. */
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean) {
    super(message);
    this.name = 'SmtpSendError';
    this.permanent = permanent;
  }
}

export async function sendSmtp(services: KernelServices, endpoint: SmtpEndpoint, mail: OutgoingMail): Promise<{ response: string }> {
  const mailer = await transport(services, endpoint);
  const message = {
    from: mail.from.name ? { name: mail.from.name, address: mail.from.address } : mail.from.address,
    to: mail.to,
    cc: mail.cc,
    bcc: mail.bcc,
    subject: mail.subject,
    text: mail.text,
    messageId: `<${mail.messageId}>`,
    date: mail.date,
    ...(mail.inReplyTo ? { inReplyTo: `<${mail.inReplyTo}>` } : {}),
    ...(mail.references.length > 0 ? { references: mail.references.map((id) => `<${id}>`) } : {}),
    ...(mail.attachments && mail.attachments.length > 0
      ? { attachments: mail.attachments.map((file) => ({ filename: file.filename, contentType: file.contentType, content: file.content })) }
      : {}),
  };
  try {
    const info = await mailer.sendMail(message);
    return { response: String(info.response ?? '') };
  } catch (error) {
    const detail = error as { responseCode?: number; message?: string; response?: string };
    const permanent = typeof detail.responseCode === 'number' && detail.responseCode >= 500;
    throw new SmtpSendError(detail.response ?? detail.message ?? 'The SMTP server did not accept the message', permanent);
  } finally {
    mailer.close();
  }
}
