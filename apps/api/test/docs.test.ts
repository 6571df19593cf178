import { existsSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '@ubos/platform';
import { repoRoot } from '../src/paths.ts';

/** The README and CI are part of the product: keep them in step with the code. */

const read = (file: string): Promise<string> => readFile(path.join(repoRoot, file), 'utf8');

describe('README and CI', () => {
  it('documents every configuration variable in the README table', async () => {
    const readme = await read('README.md');
    const missing = Object.keys(configSchema.shape).filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(missing, 'add these variables to the README configuration table').toEqual([]);
  });

  it('has the root scripts other tooling depends on', async () => {
    const manifest = JSON.parse(await read('package.json')) as { scripts: Record<string, string> };
    for (const name of ['dev', 'start', 'test', 'typecheck', 'db:migrate', 'check:boundaries', 'bench', 'ubos']) {
      expect(manifest.scripts[name], `root script "${name}"`).toBeTruthy();
    }
    expect(manifest.scripts.start).toBe('node scripts/start.ts');
  });

  it('.ci/run is executable and runs the README’s commands in order, ending with pnpm test', async () => {
    const script = await read('.ci/run');
    const info = await stat(path.join(repoRoot, '.ci/run'));
    expect(info.mode & 0o111).not.toBe(0);
    expect(script).toMatch(/^#!\/usr\/bin\/env bash\nset -euo pipefail/);
    const steps = ['pnpm install --frozen-lockfile', 'pnpm typecheck', 'pnpm check:boundaries', 'pnpm test'];
    const positions = steps.map((step) => script.indexOf(`\n${step}`));
    expect(
      positions.every((position) => position > 0),
      `steps found at ${positions.join(', ')}`,
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const readme = await read('README.md');
    expect(readme).toContain('```sh\npnpm test\n```');
  });

  it('README and docs/ENGINEERING.md link inside the repository only, to files that exist', async () => {
    const problems: string[] = [];
    let relative = 0;
    for (const file of ['README.md', 'docs/ENGINEERING.md']) {
      const text = await read(file);
      for (const [, link = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(link)) continue;
        relative += 1;
        const target = path.resolve(repoRoot, path.dirname(file), link.split('#')[0] ?? '');
        if (!target.startsWith(`${repoRoot}${path.sep}`)) problems.push(`${file}: ${link} points outside the repository`);
        else if (!existsSync(target)) problems.push(`${file}: ${link} does not exist`);
      }
      // A clone has no ../shared: the design document lives in docs/.
      if (text.includes('../shared/')) problems.push(`${file} mentions ../shared/`);
    }
    expect(problems).toEqual([]);
    expect(relative, 'the docs link each other (README -> docs/ENGINEERING.md at least)').toBeGreaterThan(0);
  });

  it('states one Node version, the one `engines` asks for', async () => {
    const manifest = JSON.parse(await read('package.json')) as { engines: { node: string } };
    const minimum = /^>=(\d+)\.(\d+)\.0$/.exec(manifest.engines.node);
    expect(minimum, 'engines.node is ">=major.minor.0"').not.toBeNull();
    const [, major, minor] = minimum ?? [];
    const readme = await read('README.md');
    const statements = [...readme.matchAll(/Node (\d+(?:\.\d+)?) or later/g)].map((match) => match[1]);
    expect(statements).toEqual([`${major}.${minor}`]);
    expect(readme).not.toMatch(/Node < ?\d+/);
  });

  it("lists every domain package in the README's module table, and no module that does not exist", async () => {
    const readme = await read('README.md');
    const table = readme.slice(readme.indexOf('### What is in it today'), readme.indexOf('## Run it'));
    const named = [...table.matchAll(/^\| ([a-z, ]+) \|/gm)].flatMap((match) => (match[1] ?? '').split(', ')).filter((name) => name !== 'module');
    const domains = readdirSync(path.join(repoRoot, 'packages/domains'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(path.join(repoRoot, 'packages/domains', entry.name, 'package.json')))
      .map((entry) => entry.name);
    expect([...named].sort()).toEqual([...domains].sort());
  });
});
