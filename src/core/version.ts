import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Package root: two levels above this file in both src/ (tsx/vitest) and dist/src/ (built).
 * `camsweep-agent` is the agent-only package (.ci/package.mjs): same layout, no collector.
 */
const PACKAGE_NAMES = new Set(['camsweep', 'camsweep-agent']);

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name !== undefined && PACKAGE_NAMES.has(pkg.name)) return dir;
    } catch {
      // keep climbing
    }
    dir = dirname(dir);
  }
  throw new Error('camsweep package root not found');
}

export const PACKAGE_ROOT = findRoot();
export const VERSION: string = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
/** Where signatures/ lives (shipped beside dist/ in the npm package). */
export const SIGNATURES_DIR = join(PACKAGE_ROOT, 'signatures');
