import type { BlobStore, Scanner } from '../blobs/blob-store.ts';
import type { AccessTokenSource, ConnectionHealthStore } from '../integrations/ports.ts';

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
}

export interface ConnectionServices {
  readonly accessTokens: AccessTokenSource;
  readonly health: ConnectionHealthStore;
}

export function requireService<Name extends keyof KernelServices>(services: KernelServices, name: Name): NonNullable<KernelServices[Name]> {
  const service = services[name];
  if (!service) throw new Error(`The ${String(name)} service is not configured in this process`);
  return service as NonNullable<KernelServices[Name]>;
}
