import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { blobOrigins, createBlobServices } from '../src/blobs/from-config.ts';
import { LocalBlobStore } from '../src/blobs/local-store.ts';
import { S3BlobStore } from '../src/blobs/s3-store.ts';

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ubos-blob-config-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('blob storage from config', () => {
  it('defaults to the local store under DATA_DIR/blobs, with URLs under PUBLIC_URL when set', async () => {
    const { services } = await createBlobServices(loadConfig({ PUBLIC_URL: 'https://ubos.example.com/' }), { dataDir });
    expect(services.blobs).toBeInstanceOf(LocalBlobStore);
    expect(services.scanner).toBeUndefined();
    const url = await services.blobs?.presignGet({
      key: 't/files/blob/b1',
      expiresInSeconds: 60,
      filename: 'a.pdf',
      contentType: 'application/pdf',
      disposition: 'inline',
    });
    expect(url).toMatch(/^https:\/\/ubos\.example\.com\/blobs\/t\/files\/blob\/b1\?expires=\d+&disposition=inline&type=application%2Fpdf&name=a\.pdf&sig=/);
    expect(blobOrigins(loadConfig({}))).toEqual([]);
  });

  it('builds the S3 store from the S3_* settings, and refuses s3 without a bucket or with half the credentials', async () => {
    const config = loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'files', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true', CLAMAV_HOST: 'clamav' });
    const built = await createBlobServices(config, { dataDir });
    expect(built.services.blobs).toBeInstanceOf(S3BlobStore);
    expect(built.services.scanner?.name).toBe('clamav');
    await built.close();
    await expect(createBlobServices(loadConfig({ BLOB_STORE: 's3' }), { dataDir })).rejects.toThrow(ConfigError);
    await expect(createBlobServices(loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'files', S3_ACCESS_KEY_ID: 'k' }), { dataDir })).rejects.toThrow(
      /set both or neither/,
    );
    expect(() => loadConfig({ BLOB_STORE: 'ftp' })).toThrow(ConfigError);
    expect(() => loadConfig({ BLOB_SIGNING_KEY: 'short' })).toThrow(/BLOB_SIGNING_KEY/);
  });

  it('names the origin browsers reach the bucket at', () => {
    expect(blobOrigins(loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'files', S3_REGION: 'eu-west-1' }))).toEqual(['https://files.s3.eu-west-1.amazonaws.com']);
    expect(blobOrigins(loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'files', S3_ENDPOINT: 'https://r2.example.com/x' }))).toEqual([
      'https://files.r2.example.com',
    ]);
    expect(
      blobOrigins(
        loadConfig({
          BLOB_STORE: 's3',
          S3_BUCKET: 'files',
          S3_ENDPOINT: 'http://minio:9000',
          S3_PUBLIC_ENDPOINT: 'http://localhost:9000',
          S3_FORCE_PATH_STYLE: 'true',
        }),
      ),
    ).toEqual(['http://localhost:9000']);
  });
});
