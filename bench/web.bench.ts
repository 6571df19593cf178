/**
 * Web bundle budget: builds apps/web and prints, with zlib gzip, the JavaScript the first route
 * loads (index.html's entry + its static imports + the route's lazy chunk and its imports) for
 * the signed-out first route (/login) and the signed-in first route (/ = Home), then every chunk.
 * Budget: first-route JS ≤ 250 kB gzip. Run: node bench/web.bench.ts [--no-build]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 250;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.join(root, 'apps/web');
const dist = path.join(webDir, 'dist');

if (!process.argv.includes('--no-build')) {
  execFileSync(process.execPath, [path.join(webDir, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: webDir, stdio: 'inherit' });
}

const gz = (file: string) => gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
const raw = (file: string) => statSync(path.join(dist, file)).size;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

/** Static imports of a built chunk (not dynamic `import()`), as dist-relative paths. */
function staticImports(file: string): string[] {
  const code = readFileSync(path.join(dist, file), 'utf8');
  const out = new Set<string>();
  for (const match of code.matchAll(/(?:\bfrom\s*|\bimport\s*)["'](\.\/[^"']+\.js)["']/g)) {
    out.add(path.posix.join(path.posix.dirname(file), match[1] as string));
  }
  return [...out];
}

function closure(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...entries];
  while (stack.length > 0) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    stack.push(...staticImports(file));
  }
  return seen;
}

const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const htmlScripts = [...html.matchAll(/<script[^>]+src="\/([^"]+\.js)"/g), ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+\.js)"/g)].map(
  (m) => m[1] as string,
);
const htmlCss = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="\/([^"]+\.css)"/g)].map((m) => m[1] as string);
const assets = readdirSync(path.join(dist, 'assets')).map((f) => `assets/${f}`);
const chunkFor = (name: string) => assets.find((f) => new RegExp(`^assets/${name}-[\\w-]+\\.js$`).test(f));

const shell = closure(htmlScripts);
const shellGz = [...shell].reduce((n, f) => n + gz(f), 0);
console.log(`index.html loads ${shell.size} JS file(s): ${kb(shellGz)} gzip; CSS ${htmlCss.map((c) => `${c} ${kb(gz(c))} gzip`).join(', ')}`);

let over = false;
for (const [route, chunk] of [
  ['/login (signed out)', 'Login'],
  ['/ (signed in, Home)', 'Home'],
  ['/clients', 'ClientList'],
  ['/projects/:id (board)', 'ProjectBoard'],
] as const) {
  const file = chunkFor(chunk);
  if (!file) {
    console.log(`${route}: chunk ${chunk} not found`);
    continue;
  }
  const files = closure([...htmlScripts, file]);
  const total = [...files].reduce((n, f) => n + gz(f), 0);
  const ok = total <= BUDGET_KB * 1024;
  if (!ok && (chunk === 'Login' || chunk === 'Home')) over = true;
  console.log(`first route ${route.padEnd(24)} JS ${kb(total).padStart(9)} gzip in ${files.size} files  ${ok ? 'within' : 'OVER'} the ${BUDGET_KB} kB budget`);
}

console.log('\nEvery chunk (raw / gzip):');
const rows = assets
  .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
  .map((f) => ({ f, raw: raw(f), gz: gz(f) }))
  .sort((a, b) => b.gz - a.gz);
for (const r of rows) console.log(`  ${r.f.padEnd(44)} ${kb(r.raw).padStart(10)} ${kb(r.gz).padStart(10)}${shell.has(r.f) ? '  (loaded by index.html)' : ''}`);
console.log(`  ${'total'.padEnd(44)} ${kb(rows.reduce((n, r) => n + r.raw, 0)).padStart(10)} ${kb(rows.reduce((n, r) => n + r.gz, 0)).padStart(10)}`);
process.exitCode = over ? 1 : 0;
