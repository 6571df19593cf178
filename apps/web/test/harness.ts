import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';

const run = promisify(execFile);

export const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const webDir = path.join(repoRoot, 'apps/web');
export const artifactsDir = path.join(repoRoot, 'test-artifacts/web');

/** Where this test file's build of the SPA went (startHost serves it). */
let builtDir: string | null = null;

/**
 * Builds the SPA with the workspace's vite into a directory of this test file's own: walk-throughs run
 * in parallel, and one rebuilding the shared apps/web/dist emptied it under another's host (a page
 * load then got a bare 404).
 */
export async function buildWeb(): Promise<string> {
  const vite = path.join(webDir, 'node_modules/vite/bin/vite.js');
  const outDir = mkdtempSync(path.join(tmpdir(), 'ubos-web-dist-'));
  await run(process.execPath, [vite, 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], { cwd: webDir, maxBuffer: 10 * 1024 * 1024 });
  builtDir = outDir;
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
  return outDir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Host {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts the real host (`node apps/api/src/main.ts`) and waits until it answers /health. */
export async function startHost(env: Record<string, string>, logName = 'host.log'): Promise<Host> {
  const port = await freePort();
  let log = '';
  const child = spawn(process.execPath, ['apps/api/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: '0',
      LOG_LEVEL: process.env.UBOS_TEST_HOST_LOG_LEVEL ?? 'info',
      WEB_DIST_DIR: builtDir ?? 'apps/web/dist',
      RATE_LIMIT_MAX: '100000',
      RATE_LIMIT_UNITS_PER_IP: '10000000',
      RATE_LIMIT_UNITS_PER_USER: '10000000',
      RATE_LIMIT_UNITS_PER_TENANT: '10000000',
      LOGIN_RATE_LIMIT_PER_IP: '1000',
      LOGIN_RATE_LIMIT_PER_ACCOUNT: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  mkdirSync(artifactsDir, { recursive: true });
  const file = createWriteStream(path.join(artifactsDir, logName));
  const record = (chunk: Buffer) => {
    file.write(chunk);
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  child.once('exit', () => file.end());
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`host exited with ${child.exitCode}:\n${log}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 60_000) {
      child.kill('SIGKILL');
      throw new Error(`host did not become healthy in 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    process: child,
    output: () => log,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Removes the previous run's screenshots so the directory shows this run only. */
export function clearScreenshots(): void {
  mkdirSync(artifactsDir, { recursive: true });
  for (const name of readdirSync(artifactsDir)) if (name.endsWith('.png')) rmSync(path.join(artifactsDir, name));
}

let shot = 0;
/** Saves test-artifacts/web/NN-name.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  shot += 1;
  const file = path.join(artifactsDir, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
