/**
 * The part of the attack suite (`npm run attack`) that fits in CI time: every scenario except
 * the 50 kill -9 cycles and the Chromium injection run (those have their own tests in
 * test/collector/outage.test.ts and browser.test.ts, and run in full under `npm run attack`).
 * Runs inside npm test's network namespace; the full-disk scenario needs root for `unshare -m`.
 */
import { describe, expect, it } from 'vitest';
import type { Context } from './lib.js';
import { workDir } from './lib.js';
import { SCENARIOS } from './scenarios/index.js';

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const isRoot = process.getuid?.() === 0;
const skip = isRoot ? null : 'needs root (mount and network namespaces)';
if (skip && inCI) throw new Error(`attack suite cannot run in CI: ${skip}`);
if (skip) process.stderr.write(`skipping the attack suite: ${skip}\n`);

const IN_CI = new Set(['1', '2', '3', '4', '5', '6', '7', '8']);

describe.skipIf(skip !== null)('attack suite (CI part)', () => {
  const work = workDir('camsweep-attack-ci-');
  const ctx: Context = { root: process.cwd(), quick: true, work: work.path };
  for (const s of SCENARIOS.filter((x) => IN_CI.has(x.item) || x.name.includes('exemption'))) {
    it(`item ${s.item}: ${s.name} holds`, async () => {
      const outcome = await s.run(ctx);
      process.stderr.write(
        `attack ${s.name}: ${outcome.tries} tries, ${outcome.held ? 'held' : 'BROKE'}: ${outcome.detail}\n`,
      );
      expect(outcome.detail && outcome.held, outcome.detail).toBe(true);
    }, 240_000);
  }
});
