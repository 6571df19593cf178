/**
 * `pnpm new:domain <name>`: creates packages/domains/<name>, a complete domain package with every
 * room (docs/ARCHITECTURE.md §2) and a working example — the tenant's settings of the domain: a
 * table under forced RLS, two procedures, an event, a workflow action, tests and cross-tenant
 * cases. It passes typecheck, the boundary check and its own tests without edits.
 *
 * The files come from scripts/domain-template/ (`*.tpl`; `__name__` is the domain name,
 * `__Name__` the same capitalised). Then the package is registered with the host
 * (apps/api/package.json and apps/api/src/modules.ts) unless `--no-register` is given; whatever
 * cannot be done safely is printed as a manual step. Then it runs `pnpm install` (unless `--no-install`).
 *
 * Also imported by tools/generator/new-domain.test.ts (renderDomain, generateDomain).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const templateDir = path.join(repoRoot, 'scripts', 'domain-template');

/** The module name is also the Postgres schema, the router key and the permission/event prefix. */
const namePattern = /^[a-z][a-z0-9]*$/;
const maxNameLength = 30;

/** Names a domain cannot take: the kernel's, the queue's, the workflow engine's core actions, Postgres's. */
const takenNames = new Set(['platform', 'pgboss', 'core', 'public', 'api', 'web', 'client', 'app', 'apps', 'packages', 'domains', 'test']);

/** Postgres reserved keywords: the migration runner writes the schema name unquoted. */
const sqlReserved = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column ' +
    'concurrently constraint create cross default deferrable desc distinct do else end except false fetch for foreign freeze ' +
    'from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit ' +
    'localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references ' +
    'returning right select similar some symmetric table tablesample then to trailing true union unique user using variadic ' +
    'verbose when where window with'
  ).split(' '),
);

export class GeneratorError extends Error {
  override name = 'GeneratorError';
}

export interface GenerateOptions {
  name: string;
  /** The repository (or a stand-in with packages/domains), default this repository. */
  root?: string;
}

/** Why `name` cannot be a new domain under `root`, or null when it can. */
export function checkName(name: string, root: string = repoRoot): string | null {
  if (!namePattern.test(name)) {
    return `Invalid domain name "${name}": use lowercase letters and digits, starting with a letter (it is the Postgres schema, the router key and the prefix of permissions and events), e.g. "invoicing"`;
  }
  if (name.length < 2 || name.length > maxNameLength) return `Invalid domain name "${name}": use 2 to ${maxNameLength} characters`;
  if (takenNames.has(name)) return `The name "${name}" is reserved (kernel, queue, workflow core actions or a workspace folder)`;
  if (sqlReserved.has(name)) return `The name "${name}" is a reserved word in Postgres and cannot be a schema name`;
  const target = path.join(root, 'packages', 'domains', name);
  if (existsSync(target)) return `${path.relative(root, target) || target} already exists: choose another name, or delete the directory first`;
  const clash = workspacePackageDirs(root).find((dir) => packageName(dir) === `@ubos/${name}`);
  if (clash) return `The package @ubos/${name} already exists at ${path.relative(root, clash)}`;
  return null;
}

function workspacePackageDirs(root: string): string[] {
  const dirs: string[] = [];
  for (const parent of ['apps', 'packages', 'packages/domains']) {
    const full = path.join(root, parent);
    if (!existsSync(full)) continue;
    for (const entry of readdirSync(full, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(path.join(full, entry.name, 'package.json'))) dirs.push(path.join(full, entry.name));
    }
  }
  return dirs;
}

function packageName(dir: string): string | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'name' in parsed && typeof parsed.name === 'string' ? parsed.name : null;
  } catch {
    return null;
  }
}

function templateFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...templateFiles(path.join(dir, entry.name), relative));
    else if (entry.name.endsWith('.tpl')) files.push(relative);
  }
  return files;
}

/** The generated package as relative path → contents, written nowhere. */
export function renderDomain(name: string): Map<string, string> {
  if (!namePattern.test(name)) throw new GeneratorError(`Invalid domain name "${name}"`);
  const capitalised = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  const fill = (text: string) => text.replaceAll('__name__', name).replaceAll('__Name__', capitalised);
  const files = new Map<string, string>();
  for (const relative of templateFiles(templateDir)) {
    files.set(fill(relative.slice(0, -'.tpl'.length)), fill(readFileSync(path.join(templateDir, relative), 'utf8')));
  }
  return files;
}

/** Writes packages/domains/<name> under `root`; refuses an invalid name or an existing directory. Returns the directory. */
export function generateDomain(options: GenerateOptions): string {
  const root = options.root ?? repoRoot;
  const problem = checkName(options.name, root);
  if (problem) throw new GeneratorError(problem);
  const files = renderDomain(options.name);
  const target = path.join(root, 'packages', 'domains', options.name);
  mkdirSync(path.dirname(target), { recursive: true });
  mkdirSync(target);
  try {
    for (const [relative, contents] of files) {
      const file = path.join(target, relative);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, contents, { flag: 'wx' });
    }
  } catch (error) {
    rmSync(target, { recursive: true, force: true });
    throw error;
  }
  return target;
}

export interface Registration {
  done: string[];
  manual: string[];
}

/**
 * Registers @ubos/<name> with the host: a `workspace:*` dependency in apps/api/package.json and
 * the module in apps/api/src/modules.ts (import + the module list). Each edit happens only when
 * its anchor is found exactly; otherwise it is returned as a manual step. Already registered: no-op.
 */
export function registerDomain(name: string, root: string = repoRoot): Registration {
  const result: Registration = { done: [], manual: [] };
  const pkg = `@ubos/${name}`;
  const moduleName = `${name}Module`;

  const manifestPath = path.join(root, 'apps', 'api', 'package.json');
  const manualDependency = `add "${pkg}": "workspace:*" to the dependencies of apps/api/package.json`;
  if (!existsSync(manifestPath)) {
    result.manual.push(manualDependency);
  } else {
    const text = readFileSync(manifestPath, 'utf8');
    const manifest: { dependencies?: Record<string, string> } = JSON.parse(text);
    const dependencies = manifest.dependencies;
    if (!dependencies || JSON.stringify(manifest, null, 2) + '\n' !== text) {
      result.manual.push(manualDependency);
    } else if (pkg in dependencies) {
      result.done.push(`apps/api/package.json already depends on ${pkg}`);
    } else {
      // Insert among the @ubos/* entries in alphabetical order, keeping every other key where it is.
      const entries = Object.entries(dependencies);
      const ubos = entries.map(([key], index) => ({ key, index })).filter(({ key }) => key.startsWith('@ubos/'));
      const after = ubos.filter(({ key }) => key < pkg).at(-1);
      const at = after ? after.index + 1 : (ubos[0]?.index ?? entries.length);
      entries.splice(at, 0, [pkg, 'workspace:*']);
      manifest.dependencies = Object.fromEntries(entries);
      writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
      result.done.push(`added ${pkg} to apps/api/package.json`);
    }
  }

  const modulesPath = path.join(root, 'apps', 'api', 'src', 'modules.ts');
  const manualModule = `import { ${moduleName} } from '${pkg}' in apps/api/src/modules.ts and add ${moduleName} to its modules list`;
  if (!existsSync(modulesPath)) {
    result.manual.push(manualModule);
  } else {
    const text = readFileSync(modulesPath, 'utf8');
    const lines = text.split('\n');
    if (lines.some((line) => line.includes(`from '${pkg}'`))) {
      result.done.push(`apps/api/src/modules.ts already imports ${pkg}`);
    } else {
      const importPattern = /^import \{ \w+Module \} from '(@ubos\/[a-z0-9]+)';$/;
      const lastImport = lines.findLastIndex((line) => importPattern.test(line));
      // Among the module imports in alphabetical order of package (after the last one when none sorts later).
      const before = lines.findIndex((line) => (importPattern.exec(line)?.[1] ?? '') > pkg);
      const listEnd = lines.findIndex((line) => /^\] as const satisfies readonly DomainModule\[\];$/.test(line));
      const listEndCount = lines.filter((line) => /^\] as const satisfies readonly DomainModule\[\];$/.test(line)).length;
      if (lastImport < 0 || listEnd < lastImport || listEndCount !== 1 || !/^ {2}\w+Module,$/.test(lines[listEnd - 1] ?? '')) {
        result.manual.push(manualModule);
      } else {
        lines.splice(listEnd, 0, `  ${moduleName},`);
        lines.splice(before >= 0 ? before : lastImport + 1, 0, `import { ${moduleName} } from '${pkg}';`);
        writeFileSync(modulesPath, lines.join('\n'));
        result.done.push(`registered ${moduleName} in apps/api/src/modules.ts (last in the module list)`);
      }
    }
  }
  return result;
}

function usage(): string {
  return [
    'Usage: pnpm new:domain <name> [--no-register] [--no-install]',
    '  <name>         lowercase letters and digits, e.g. invoicing',
    '  --no-register  do not edit apps/api (package.json dependency, src/modules.ts)',
    '  --no-install   do not run pnpm install afterwards',
  ].join('\n');
}

const options = ['--no-register', '--no-install'];

/** `pnpm install` from the repository root, preferring the local store; true when it succeeded. */
function install(): boolean {
  // Under `pnpm new:domain`, npm_execpath is pnpm's own entry point: use the same pnpm.
  const pnpm = process.env.npm_execpath;
  const [command, args] = pnpm?.endsWith('.js') || pnpm?.endsWith('.cjs') ? [process.execPath, [pnpm]] : [pnpm ?? 'pnpm', []];
  console.log('\nRunning pnpm install --prefer-offline ...');
  const result = spawnSync(command, [...args, 'install', '--prefer-offline'], { cwd: repoRoot, stdio: 'inherit' });
  return result.status === 0;
}

function main(argv: readonly string[]): number {
  const flags = argv.filter((arg) => arg.startsWith('-'));
  const names = argv.filter((arg) => !arg.startsWith('-'));
  if (flags.includes('--help') || flags.includes('-h')) {
    console.log(usage());
    return 0;
  }
  const unknown = flags.filter((flag) => !options.includes(flag));
  if (unknown.length > 0 || names.length !== 1) {
    console.error(unknown.length > 0 ? `Unknown option ${unknown.join(', ')}\n${usage()}` : usage());
    return 2;
  }
  const name = names[0] ?? '';
  let target: string;
  try {
    target = generateDomain({ name });
  } catch (error) {
    if (!(error instanceof GeneratorError)) throw error;
    console.error(error.message);
    return 1;
  }
  console.log(`Created ${path.relative(repoRoot, target)}/ (@ubos/${name})`);
  const registration = flags.includes('--no-register')
    ? { done: [], manual: [`add "@ubos/${name}": "workspace:*" to apps/api/package.json`, `register ${name}Module in apps/api/src/modules.ts`] }
    : registerDomain(name);
  for (const line of registration.done) console.log(`  ${line}`);
  const installed = !flags.includes('--no-install') && install();
  const steps = [...registration.manual, ...(installed ? [] : ['pnpm install (links the new package; until then apps/api cannot import it)'])];
  steps.push(`pnpm vitest run packages/domains/${name}`);
  console.log('\nRemaining steps:');
  for (const [index, step] of steps.entries()) console.log(`  ${index + 1}. ${step}`);
  console.log(`\nThen replace the settings example in packages/domains/${name} as the domain grows (see its README).`);
  return 0;
}

// Run as a script (not when a test imports it). import.meta.main needs Node 24.2; this works on 22 too.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
