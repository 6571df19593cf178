/**
 * `pnpm start`: builds the web app when its build is missing or stale, then runs the host
 * (embedded Postgres unless DATABASE_URL is set). Arguments are passed on, e.g. `pnpm start --role api`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const info = statSync(target);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(target)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

function hasBuildScript(webDir: string): boolean {
  const manifest = path.join(webDir, 'package.json');
  if (!existsSync(manifest)) return false;
  const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: Record<string, unknown> };
  return typeof parsed.scripts?.build === 'string';
}

export interface WebBuildPlan {
  build: boolean;
  reason: string;
}

/** Whether `pnpm start` must build the web app in `webDir` (apps/web) first, and why. */
export function webBuildPlan(webDir: string): WebBuildPlan {
  if (!hasBuildScript(webDir)) return { build: false, reason: 'apps/web has no build script' };
  const builtIndex = path.join(webDir, 'dist/index.html');
  if (!existsSync(builtIndex)) return { build: true, reason: 'apps/web/dist is missing' };
  const built = statSync(builtIndex).mtimeMs;
  const sources = Math.max(
    newestMtime(path.join(webDir, 'src')),
    newestMtime(path.join(webDir, 'index.html')),
    newestMtime(path.join(webDir, 'vite.config.ts')),
  );
  return sources > built ? { build: true, reason: 'apps/web/src changed since the last build' } : { build: false, reason: 'apps/web/dist is up to date' };
}

function buildWeb(): void {
  // Under `pnpm start`, npm_execpath is pnpm itself; otherwise rely on PATH.
  const pnpmCli = process.env.npm_execpath;
  const [command, args] =
    pnpmCli && pnpmCli.endsWith('.cjs') ? [process.execPath, [pnpmCli, '--filter', '@ubos/web', 'build']] : ['pnpm', ['--filter', '@ubos/web', 'build']];
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`The web app build failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(result.status ?? 1);
  }
}

if (import.meta.main) {
  const plan = webBuildPlan(path.join(root, 'apps/web'));
  if (plan.build) {
    process.stdout.write(`Building the web app (${plan.reason})...\n`);
    buildWeb();
  }
  // Same process: signals reach the host's graceful shutdown directly.
  await import('../apps/api/src/main.ts');
}
