import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webBuildPlan } from '../../../scripts/start.ts';

/** `pnpm start` builds the web app only when it has to. */

let web: string;

async function touch(file: string, secondsAgo: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, 'x');
  const when = new Date(Date.now() - secondsAgo * 1000);
  await utimes(file, when, when);
}

beforeEach(async () => {
  web = await mkdtemp(path.join(tmpdir(), 'ubos-start-'));
});

afterEach(async () => {
  await rm(web, { recursive: true, force: true });
});

describe('webBuildPlan', () => {
  it('skips a web app without a build script', async () => {
    await writeFile(path.join(web, 'package.json'), JSON.stringify({ scripts: { dev: 'vite' } }));
    expect(webBuildPlan(web).build).toBe(false);
  });

  it('builds when dist is missing', async () => {
    await writeFile(path.join(web, 'package.json'), JSON.stringify({ scripts: { build: 'vite build' } }));
    await touch(path.join(web, 'src/main.tsx'), 100);
    expect(webBuildPlan(web)).toEqual({ build: true, reason: 'apps/web/dist is missing' });
  });

  it('builds when a source file (even deep) is newer than dist, and not otherwise', async () => {
    await writeFile(path.join(web, 'package.json'), JSON.stringify({ scripts: { build: 'vite build' } }));
    await touch(path.join(web, 'src/features/clients/List.tsx'), 100);
    await touch(path.join(web, 'dist/index.html'), 50);
    expect(webBuildPlan(web).build).toBe(false);
    await touch(path.join(web, 'src/features/clients/List.tsx'), 10);
    expect(webBuildPlan(web)).toEqual({ build: true, reason: 'apps/web/src changed since the last build' });
  });
});
