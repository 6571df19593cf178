import type { BlobStore, Scanner } from '../blobs/blob-store.ts';
import type { AccessTokenSource, ConnectionHealthStore } from '../integrations/ports.ts';
import type { ConnectionSecretStore } from '../integrations/secrets.ts';

/**
 * The kernel's ports a domain service may use besides its transaction: built once by the host
 * from config (apps/api/src/app.ts) and carried by the DomainRuntime into every tenant
 * procedure's DomainContext (`ctx.services`) and every module job (`JobContext.services`).
 * A port the deployment has not configured is absent; `requireService` turns that into a clear error.
 */
export interface KernelServices {
  /** Where file bytes live (local disk by default, S3-compatible by config). */
  readonly blobs?: BlobStore;
  /** Virus scanner run on every upload before it is ready; absent = files go straight to ready. */
  readonly scanner?: Scanner;
  /** The connections registry's ports for provider adapters (§7): valid access tokens and the breaker/health on the row. */
  readonly connections?: ConnectionServices;
  /** Vets a tenant-configured host before a non-HTTP client (IMAP, SMTP, CalDAV) dials it: the host builds it from OUTBOUND_ALLOW_HOSTS (§7 SSRF guard). */
  readonly outbound?: OutboundHostGuard;
  /** Sends an on-demand module job (pg-boss) from a procedure or a job; absent in tests without a queue. */
  readonly jobs?: JobQueue;
}

export interface OutboundHostGuard {
  /** The one address to dial for `host`, or throws when it is not public unicast (nor allowed). */
  vetHost(host: string): Promise<{ hostname: string; address: string; family: 4 | 6 }>;
}

export interface JobQueue {
  /** Queues job `name` (a module's JobDefinition) with `data`; one queued job per `singletonKey` at a time. */
  send(name: string, data: Record<string, unknown>, options?: { singletonKey?: string; startAfterSeconds?: number }): Promise<string | null>;
}

export interface ConnectionServices {
  readonly accessTokens: AccessTokenSource;
  readonly health: ConnectionHealthStore;
  /** Password-style credentials (IMAP/SMTP, CalDAV) on the registry row, vault-encrypted. */
  readonly secrets?: ConnectionSecretStore;
}

export function requireService<Name extends keyof KernelServices>(services: KernelServices, name: Name): NonNullable<KernelServices[Name]> {
  const service = services[name];
  if (!service) throw new Error(`The ${String(name)} service is not configured in this process`);
  return service as NonNullable<KernelServices[Name]>;
}
