import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllowList, SsrfGuard } from '@ubos/integrations';
import { configSchema, createConnectionServices, createLogger, LocalBlobStore, type Database, type KernelServices } from '@ubos/platform';

/** Kernel services as the host builds them, for the client-email tests and their child worker (no vitest import here). */

export const silent = createLogger({ level: 'silent' });
/** One fixed vault key, so a child worker process decrypts what this process stored. */
export const TEST_VAULT_KEY = 'a1'.repeat(32);
export const config = {
  ...configSchema.parse({ NODE_ENV: 'test', LOG_LEVEL: 'silent', METRICS_PORT: '0' }),
  VAULT_KEY: TEST_VAULT_KEY,
  OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
};

export interface EmailServices {
  services: KernelServices;
  dataDir: string;
  close(): Promise<void>;
}

/** The host's services for these tests: the registry's ports, 127.0.0.1 allowed through the guard's allow-list, a local blob store. */
export async function emailServices(db: Database, options: { allowLoopback?: boolean } = {}): Promise<EmailServices> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ubos-comms-'));
  const blobs = await LocalBlobStore.open({ dataDir });
  const services: KernelServices = {
    blobs,
    connections: createConnectionServices({ db, config, log: silent }),
    outbound: new SsrfGuard({ allow: parseAllowList(options.allowLoopback === false ? '' : config.OUTBOUND_ALLOW_HOSTS) }),
  };
  return { services, dataDir, close: () => rm(dataDir, { recursive: true, force: true }) };
}
