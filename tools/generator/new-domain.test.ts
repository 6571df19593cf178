import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { checkName, GeneratorError, generateDomain, registerDomain, renderDomain } from '../../scripts/new-domain.ts';

/**
 * `pnpm new:domain` (scripts/new-domain.ts). The generated package is written into a scratch
 * copy of the repository's shape in the OS temp directory (never into packages/domains, where a
 * concurrent vitest, pnpm or depcruise run would pick it up) and type-checked there with the
 * repository's tsc and tsconfig.base.json (its dependencies are those of a built domain), and
 * checked with the repository's Biome configuration.
 */

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
const biome = path.join(repoRoot, 'node_modules/.bin/biome');
const name = 'gentestxyz';

const scratch: string[] = [];
function scratchRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ubos-new-domain-'));
  scratch.push(root);
  return root;
}
afterEach(() => {
  for (const root of scratch.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A domain package of the repository whose node_modules holds every dependency the generated package declares. */
function donorNodeModules(manifest: { dependencies: Record<string, string>; devDependencies: Record<string, string> }): string {
  const wanted = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)];
  for (const donor of ['crm', 'files', 'projects']) {
    const modules = path.join(repoRoot, 'packages/domains', donor, 'node_modules');
    if (wanted.every((dependency) => existsSync(path.join(modules, dependency)))) return modules;
  }
  throw new Error(`No domain package has all of ${wanted.join(', ')} installed: run pnpm install`);
}

describe('pnpm new:domain', () => {
  it('refuses invalid names and existing directories with a clear message', () => {
    expect(checkName('Invoicing')).toMatch(/Invalid domain name "Invoicing": use lowercase letters and digits/);
    expect(checkName('my-domain')).toMatch(/Invalid domain name/);
    expect(checkName('2fa')).toMatch(/Invalid domain name/);
    expect(checkName('x')).toMatch(/2 to 30 characters/);
    expect(checkName('platform')).toMatch(/reserved/);
    expect(checkName('core')).toMatch(/reserved/);
    expect(checkName('order')).toMatch(/reserved word in Postgres/);
    expect(checkName('crm')).toBe('packages/domains/crm already exists: choose another name, or delete the directory first');
    expect(checkName('client')).toMatch(/reserved/);
    expect(checkName(name)).toBeNull();
    expect(() => generateDomain({ name: 'crm' })).toThrow(GeneratorError);
    expect(() => generateDomain({ name: 'Bad Name', root: scratchRoot() })).toThrow(GeneratorError);
  });

  it('creates every room of a domain package, named after the domain', () => {
    const files = renderDomain(name);
    expect([...files.keys()].sort()).toEqual([
      'README.md',
      'migrations/index.ts',
      'package.json',
      'src/actions.ts',
      'src/contracts.ts',
      'src/db.ts',
      'src/handlers.ts',
      'src/index.ts',
      'src/module.ts',
      'src/repository.ts',
      'src/router.ts',
      'src/service.ts',
      'test/cross-tenant.cases.ts',
      `test/${name}.test.ts`,
      'tsconfig.json',
    ]);
    for (const [file, contents] of files) {
      expect(contents, file).not.toMatch(/__name__|__Name__/);
    }
    const manifest = JSON.parse(files.get('package.json') ?? '{}');
    expect(manifest).toMatchObject({
      name: `@ubos/${name}`,
      exports: { '.': './src/index.ts', './contracts': './src/contracts.ts' },
      scripts: { typecheck: 'tsc -p tsconfig.json' },
    });
    expect(files.get('migrations/index.ts')).toContain(`SELECT platform.enable_tenant_rls('${name}.settings');`);
    expect(files.get('src/module.ts')).toContain(`'${name}.settings.manage': grants.managers`);
  });

  it('generates a package that type-checks untouched', { timeout: 180_000 }, async () => {
    const root = scratchRoot();
    symlinkSync(path.join(repoRoot, 'tsconfig.base.json'), path.join(root, 'tsconfig.base.json'));
    const target = generateDomain({ name, root });
    expect(target).toBe(path.join(root, 'packages/domains', name));
    symlinkSync(donorNodeModules(JSON.parse(readFileSync(path.join(target, 'package.json'), 'utf8'))), path.join(target, 'node_modules'), 'dir');
    const outcome = await run(process.execPath, [tsc, '-p', path.join(target, 'tsconfig.json')], { cwd: target }).then(
      () => ({ code: 0, output: '' }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, output: error.stdout ?? String(error) }),
    );
    expect(outcome.output).toBe('');
    expect(outcome.code).toBe(0);
    // A second run refuses the now existing directory and leaves it as it is.
    expect(() => generateDomain({ name, root })).toThrow(/already exists/);
  });

  it('generates code that pnpm lint accepts, whatever the length of the name', async () => {
    const root = scratchRoot();
    for (const short of ['ab', name, 'communications', 'abcdefghijklmnopqrstuvwxyzabcd']) generateDomain({ name: short, root });
    const outcome = await run(biome, ['check', `--config-path=${path.join(repoRoot, 'biome.jsonc')}`, '--colors=off', '.'], { cwd: root }).then(
      () => ({ code: 0, output: '' }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code ?? -1,
        output: `${error.stdout ?? ''}${error.stderr ?? String(error)}`,
      }),
    );
    expect(outcome.output).toBe('');
    expect(outcome.code).toBe(0);
  });

  it('registers the package with the host, once', () => {
    const root = scratchRoot();
    mkdirSync(path.join(root, 'apps/api/src'), { recursive: true });
    copyFileSync(path.join(repoRoot, 'apps/api/package.json'), path.join(root, 'apps/api/package.json'));
    copyFileSync(path.join(repoRoot, 'apps/api/src/modules.ts'), path.join(root, 'apps/api/src/modules.ts'));
    const first = registerDomain(name, root);
    expect(first.manual).toEqual([]);
    expect(first.done).toHaveLength(2);
    const dependencies = Object.keys(JSON.parse(readFileSync(path.join(root, 'apps/api/package.json'), 'utf8')).dependencies);
    const ubos = dependencies.filter((key) => key.startsWith('@ubos/'));
    expect(ubos).toContain(`@ubos/${name}`);
    expect(ubos).toEqual([...ubos].sort());
    const modules = readFileSync(path.join(root, 'apps/api/src/modules.ts'), 'utf8');
    const imports = modules.split('\n').filter((line) => /^import \{ \w+Module \} from '@ubos\//.test(line));
    expect(imports).toContain(`import { ${name}Module } from '@ubos/${name}';`);
    expect(imports).toEqual([...imports].sort());
    expect(modules).toMatch(new RegExp(`\\n  ${name}Module,\\n\\] as const satisfies`));
    const second = registerDomain(name, root);
    expect(second.manual).toEqual([]);
    expect(readFileSync(path.join(root, 'apps/api/src/modules.ts'), 'utf8')).toBe(modules);

    // A module list of another shape is left alone: the step is printed instead.
    writeFileSync(path.join(root, 'apps/api/src/modules.ts'), 'export const modules = [];\n');
    expect(registerDomain('othername', root).manual).toEqual([expect.stringContaining("import { othernameModule } from '@ubos/othername'")]);
    expect(readFileSync(path.join(root, 'apps/api/src/modules.ts'), 'utf8')).toBe('export const modules = [];\n');
  });
});
