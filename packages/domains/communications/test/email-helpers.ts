import {
  createCallerFactory,
  createDomainContext,
  createDomainRuntime,
  platformModule,
  uuidv7,
  withTenant,
  type Database,
  type DomainContext,
  type KernelServices,
  type Role,
  type Transaction,
  type UntypedDB,
} from '@ubos/platform';
import { testContext, testSession } from '@ubos/platform/testing';
import { config, silent } from './email-services.ts';
import { communicationsModule } from '../src/module.ts';
import { communicationsRouter } from '../src/router.ts';

/** What the client-email tests share: kernel services as the host builds them, callers, messages in RFC 5322. */

const createCaller = createCallerFactory(communicationsRouter);

export function actorFor(db: Database, services: KernelServices, options: { role?: Role; tenantId?: string; userId?: string } = {}) {
  const tenantId = options.tenantId ?? uuidv7();
  const userId = options.userId ?? uuidv7();
  const modules = [platformModule, communicationsModule];
  const session = testSession({ userId, tenantId, role: options.role ?? 'member', modules: [communicationsModule] });
  const runtime = createDomainRuntime(modules, null, services);
  return { tenantId, userId, caller: createCaller(testContext({ db, session, runtime, config })) };
}

export function inTenant<T>(
  db: Database,
  tenantId: string,
  fn: (ctx: DomainContext, trx: Transaction<UntypedDB>) => Promise<T>,
  services: KernelServices = {},
): Promise<T> {
  return withTenant(db, { tenantId }, (trx) => fn(createDomainContext({ trx, tenantId, actorId: null, correlationId: 'test', log: silent, services }), trx));
}

export interface MessageSpec {
  id?: string | null;
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  date: Date;
  inReplyTo?: string | null;
  references?: string[];
  body?: string;
  html?: string;
  attachment?: { filename: string; contentType: string; content: Buffer };
  extraHeaders?: Record<string, string>;
}

/** An RFC 5322 message as a mail client writes it (CRLF, MIME multipart when it has HTML or an attachment). */
export function rfc822(spec: MessageSpec): string {
  const lines = [
    `From: ${spec.from}`,
    `To: ${spec.to.join(', ')}`,
    ...(spec.cc?.length ? [`Cc: ${spec.cc.join(', ')}`] : []),
    `Subject: ${spec.subject}`,
    `Date: ${spec.date.toUTCString().replace('GMT', '+0000')}`,
    ...(spec.id ? [`Message-ID: <${spec.id}>`] : []),
    ...(spec.inReplyTo ? [`In-Reply-To: <${spec.inReplyTo}>`] : []),
    ...(spec.references?.length ? [`References: ${spec.references.map((ref) => `<${ref}>`).join(' ')}`] : []),
    ...Object.entries(spec.extraHeaders ?? {}).map(([key, value]) => `${key}: ${value}`),
    'MIME-Version: 1.0',
  ];
  const body = spec.body ?? 'Hello';
  if (!spec.html && !spec.attachment) return [...lines, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
  const boundary = `b${Math.random().toString(36).slice(2)}`;
  const parts = [`--${boundary}`, 'Content-Type: text/plain; charset=utf-8', '', body];
  if (spec.html) parts.push(`--${boundary}`, 'Content-Type: text/html; charset=utf-8', '', spec.html);
  if (spec.attachment) {
    parts.push(
      `--${boundary}`,
      `Content-Type: ${spec.attachment.contentType}; name="${spec.attachment.filename}"`,
      `Content-Disposition: attachment; filename="${spec.attachment.filename}"`,
      'Content-Transfer-Encoding: base64',
      '',
      spec.attachment.content.toString('base64').replace(/(.{76})/g, '$1\r\n'),
    );
  }
  parts.push(`--${boundary}--`, '');
  return [...lines, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', ...parts].join('\r\n');
}
