import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const config = path.join(repoRoot, '.dependency-cruiser.cjs');
const cli = path.join(repoRoot, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

interface CruiseOutcome {
  /** Exit code of the `err` reporter `pnpm check:boundaries` uses: non-zero on any error-level violation. */
  exitCode: number;
  /** What that reporter prints. */
  report: string;
  violations: Violation[];
  modulesCruised: number;
}

async function depcruise(cwd: string, args: readonly string[]): Promise<{ exitCode: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [cli, '--config', config, ...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
    return { exitCode: 0, stdout };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: unknown };
    if (typeof failed.code !== 'number' || typeof failed.stdout !== 'string') throw error;
    return { exitCode: failed.code, stdout: failed.stdout };
  }
}

/** Runs dependency-cruiser with the repository's real config, as `pnpm check:boundaries` does. */
async function cruise(cwd: string, targets: readonly string[]): Promise<CruiseOutcome> {
  const human = await depcruise(cwd, [...targets]);
  const json = await depcruise(cwd, ['--output-type', 'json', ...targets]);
  const result = JSON.parse(json.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  return {
    exitCode: human.exitCode,
    report: human.stdout,
    violations: result.summary.violations,
    modulesCruised: result.summary.totalCruised,
  };
}

function describeViolations(violations: readonly Violation[]): string[] {
  return violations.map((violation) => `${violation.rule.name}: ${violation.from} -> ${violation.to}`).sort();
}

// dependency-cruiser runs as a child process over the whole tree (370+ modules): on a busy 2-core
// machine that takes longer than the default 30 s, so the budget is generous.
describe('module boundaries (dependency-cruiser)', { timeout: 180_000 }, () => {
  it('fails when a domain imports another domain’s internals, naming the rule', async () => {
    const outcome = await cruise(path.join(here, 'fixtures/cross-domain'), ['packages']);
    expect(outcome.exitCode).not.toBe(0);
    // Only the service import is a violation; the contracts import next to it is allowed.
    expect(describeViolations(outcome.violations)).toEqual([
      'no-cross-domain-internals: packages/domains/beta/src/router.ts -> packages/domains/alpha/src/service.ts',
    ]);
    expect(outcome.violations[0]?.rule.severity).toBe('error');
    expect(outcome.report).toContain('no-cross-domain-internals');
    expect(outcome.report).toContain('packages/domains/beta/src/router.ts');
  });

  it('fails on the layer rules: kernel -> domain, domain -> app, web -> server internals or router values', async () => {
    const outcome = await cruise(path.join(here, 'fixtures/layers'), ['apps', 'packages']);
    expect(outcome.exitCode).not.toBe(0);
    expect(describeViolations(outcome.violations)).toEqual([
      'no-domain-imports-apps: packages/domains/gamma/src/router.ts -> apps/api/src/router.ts',
      'platform-imports-no-domain-or-app: packages/platform/src/index.ts -> packages/domains/gamma/src/contracts.ts',
      'web-imports-only-router-type-and-contracts: apps/web/src/bad.ts -> apps/api/src/server.ts',
      'web-imports-router-as-type-only: apps/web/src/bad.ts -> apps/api/src/router.ts',
    ]);
  });

  it('passes on the real tree, resolving workspace packages to their sources', async () => {
    const outcome = await cruise(repoRoot, ['apps', 'packages']);
    expect(describeViolations(outcome.violations)).toEqual([]);
    expect(outcome.exitCode).toBe(0);
    // Guard against a config that silently cruises nothing (e.g. unresolved workspace imports).
    expect(outcome.modulesCruised).toBeGreaterThan(50);
  });
});
