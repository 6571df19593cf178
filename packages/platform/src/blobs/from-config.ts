import { ConfigError, type Config } from '../config.ts';
import type { KernelServices } from '../domain/services.ts';
import { ClamAvScanner } from './clamav.ts';
import { LocalBlobStore } from './local-store.ts';
import { S3BlobStore } from './s3-store.ts';

export interface BlobServices {
  /** `{ blobs, scanner }` for createDomainRuntime (scanner absent when ClamAV is not configured). */
  services: KernelServices;
  /** Releases the S3 client's sockets (shutdown); a no-op for the local store. */
  close(): Promise<void>;
}

/**
 * The blob store and scanner this deployment configures (§7): BLOB_STORE=local (default, under
 * `dataDir`/blobs, URLs at `PUBLIC_URL`/blobs or same-origin paths) or s3 (S3_* settings);
 * ClamAV when CLAMAV_SOCKET or CLAMAV_HOST is set, otherwise no scanner (files go straight to ready).
 */
export async function createBlobServices(config: Config, options: { dataDir: string }): Promise<BlobServices> {
  const scanner = config.CLAMAV_SOCKET
    ? new ClamAvScanner({ socket: config.CLAMAV_SOCKET, timeoutMs: config.CLAMAV_TIMEOUT_MS })
    : config.CLAMAV_HOST
      ? new ClamAvScanner({ host: config.CLAMAV_HOST, port: config.CLAMAV_PORT, timeoutMs: config.CLAMAV_TIMEOUT_MS })
      : undefined;
  if (config.BLOB_STORE === 's3') {
    const problems: string[] = [];
    if (!config.S3_BUCKET) problems.push('S3_BUCKET (missing): required when BLOB_STORE=s3');
    if (Boolean(config.S3_ACCESS_KEY_ID) !== Boolean(config.S3_SECRET_ACCESS_KEY)) {
      problems.push('S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY: set both or neither (neither = the AWS default credential chain)');
    }
    if (problems.length > 0 || !config.S3_BUCKET) throw new ConfigError(problems);
    const store = new S3BlobStore({
      bucket: config.S3_BUCKET,
      region: config.S3_REGION,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
      ...(config.S3_PUBLIC_ENDPOINT ? { publicEndpoint: config.S3_PUBLIC_ENDPOINT } : {}),
      ...(config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
        ? { credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY } }
        : {}),
    });
    return {
      services: { blobs: store, ...(scanner ? { scanner } : {}) },
      async close() {
        store.destroy();
      },
    };
  }
  const store = await LocalBlobStore.open({
    dataDir: options.dataDir,
    ...(config.BLOB_SIGNING_KEY ? { signingKey: config.BLOB_SIGNING_KEY } : {}),
    ...(config.PUBLIC_URL ? { baseUrl: config.PUBLIC_URL } : {}),
  });
  return { services: { blobs: store, ...(scanner ? { scanner } : {}) }, async close() {} };
}

/**
 * The origins browsers upload to and download from when they are not the app's own (S3): the web
 * app's Content-Security-Policy must allow them (connect-src for uploads, img-src and frame-src for
 * previews). Empty for the local store, which is served by the host itself.
 */
export function blobOrigins(config: Config): string[] {
  if (config.BLOB_STORE !== 's3' || !config.S3_BUCKET) return [];
  const endpoint = config.S3_PUBLIC_ENDPOINT ?? config.S3_ENDPOINT;
  if (!endpoint) return [`https://${config.S3_BUCKET}.s3.${config.S3_REGION}.amazonaws.com`];
  const url = new URL(endpoint);
  return [config.S3_FORCE_PATH_STYLE ? url.origin : `${url.protocol}//${config.S3_BUCKET}.${url.host}`];
}
