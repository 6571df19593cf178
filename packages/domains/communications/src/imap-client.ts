import { DomainError, type KernelServices } from '@ubos/platform';
import { ImapFlow } from 'imapflow';

/**
 * The IMAP adapter's connection: the host is vetted by the kernel's SSRF guard first
 * (`services.outbound`, OUTBOUND_ALLOW_HOSTS lets a self-hoster or a test reach 127.0.0.1) and
 * the client dials the vetted address, never the name again (TLS SNI and the certificate check
 * use the name).
 */
export interface ImapEndpoint {
  host: string;
  port: number;
  tls: boolean;
  username: string;
  password: string;
}

export async function vetHost(services: KernelServices, host: string): Promise<{ hostname: string; address: string }> {
  if (!services.outbound) throw new Error('The outbound host guard is not configured in this process');
  try {
    return await services.outbound.vetHost(host);
  } catch (error) {
    throw new DomainError('BAD_REQUEST', `UBOS will not connect to ${host}: ${error instanceof Error ? error.message : String(error)}`, [
      { path: ['host'], message: 'This server is not reachable from UBOS' },
    ]);
  }
}

export async function openImap(services: KernelServices, endpoint: ImapEndpoint): Promise<ImapFlow> {
  const vetted = await vetHost(services, endpoint.host);
  const isName = vetted.hostname !== vetted.address;
  const client = new ImapFlow({
    host: vetted.address,
    port: endpoint.port,
    secure: endpoint.tls,
    ...(isName ? { servername: vetted.hostname } : {}),
    auth: { user: endpoint.username, pass: endpoint.password },
    logger: false,
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    socketTimeout: 120_000,
    // Plain IMAP without TLS is what a test server on 127.0.0.1 speaks; a configured TLS port always verifies.
    doSTARTTLS: endpoint.tls ? undefined : false,
  });
  // An idle error after connect must not crash the process: the next call fails instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    const detail = error as { authenticationFailed?: boolean; message?: string; responseText?: string };
    if (detail.authenticationFailed)
      throw new DomainError('BAD_REQUEST', 'The IMAP server refused the user name or password', [
        { path: ['password'], message: 'The IMAP server refused the user name or password' },
      ]);
    throw new DomainError(
      'BAD_REQUEST',
      `The IMAP server at ${endpoint.host}:${endpoint.port} did not answer as expected (${detail.responseText ?? detail.message ?? 'no reason given'})`,
    );
  }
  return client;
}

export async function closeImap(client: ImapFlow): Promise<void> {
  try {
    await client.logout();
  } catch {
    client.close();
  }
}

/** Folder paths to sync by default: INBOX and the \Sent folder when the server marks one. */
export async function defaultFolders(client: ImapFlow): Promise<{ path: string; specialUse: string | null }[]> {
  const list = await client.list();
  const out: { path: string; specialUse: string | null }[] = [{ path: 'INBOX', specialUse: '\\Inbox' }];
  const sent = list.find((box) => box.specialUse === '\\Sent') ?? list.find((box) => /^sent( items| messages)?$/i.test(box.path));
  if (sent && sent.path !== 'INBOX') out.push({ path: sent.path, specialUse: '\\Sent' });
  return out;
}
