import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import forge from 'node-forge';

/**
 * The installation's sealing certificate (PAdES, §7): a P12 from config
 * (AGREEMENTS_SEAL_P12_PATH + AGREEMENTS_SEAL_P12_PASSPHRASE), else a self-signed RSA-2048
 * certificate generated with node-forge at first use and kept in DATA_DIR/agreements-seal.json
 * (0600). Two processes starting at once: the file is written aside and hard-linked into place,
 * which fails for the second, which then reads the first one's. Readers verifying a sealed PDF
 * see "issuer unknown" for the self-signed one; a firm that wants trust supplies its own P12.
 */

export interface SealCertificate {
  p12: Buffer;
  passphrase: string;
  commonName: string;
  source: 'config' | 'generated';
}

interface StoredCertificate {
  p12Base64: string;
  passphrase: string;
  commonName: string;
  createdAt: string;
}

export const CERTIFICATE_FILE = 'agreements-seal.json';

export function generateCertificate(commonName: string): StoredCertificate {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 10 * 365 * 86_400_000);
  const attrs = [
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'UBOS' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const passphrase = randomBytes(24).toString('base64url');
  const asn1 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], passphrase, { algorithm: '3des' });
  return { p12Base64: Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary').toString('base64'), passphrase, commonName, createdAt: now.toISOString() };
}

const cache = new Map<string, Promise<SealCertificate>>();

async function loadOrCreate(dataDir: string): Promise<SealCertificate> {
  const configured = process.env.AGREEMENTS_SEAL_P12_PATH;
  if (configured) {
    return {
      p12: await readFile(configured),
      passphrase: process.env.AGREEMENTS_SEAL_P12_PASSPHRASE ?? '',
      commonName: 'configured certificate',
      source: 'config',
    };
  }
  const file = path.join(dataDir, CERTIFICATE_FILE);
  const read = async (): Promise<SealCertificate> => {
    const stored = JSON.parse(await readFile(file, 'utf8')) as StoredCertificate;
    return { p12: Buffer.from(stored.p12Base64, 'base64'), passphrase: stored.passphrase, commonName: stored.commonName, source: 'generated' };
  };
  try {
    return await read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(aside, JSON.stringify(generateCertificate('UBOS document sealing')), { mode: 0o600 });
  try {
    await link(aside, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(aside, { force: true });
  }
  return read();
}

/** The sealing certificate of the installation whose data lives in `dataDir` (cached per process). */
export function sealCertificate(dataDir: string): Promise<SealCertificate> {
  let found = cache.get(dataDir);
  if (!found) {
    found = loadOrCreate(dataDir);
    found.catch(() => cache.delete(dataDir));
    cache.set(dataDir, found);
  }
  return found;
}
