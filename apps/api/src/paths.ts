import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (apps/api/src/../../..). Relative DATA_DIR and WEB_DIST_DIR resolve against it. */
export const repoRoot = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));

export function resolveFromRoot(target: string): string {
  return path.isAbsolute(target) ? target : path.resolve(repoRoot, target);
}
