/**
 * A vitest reporter that writes the facts behind `npm test`'s closing line to the file named by
 * CAMSWEEP_TEST_TALLY (set by test/run.mjs). vitest's own JSON counts a file whose `beforeAll`
 * or import throws as "0 failed" (its tests become "skipped", or it has none), and leaves out
 * errors thrown outside any test; here every one of those is a failure with its message.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export interface Tally {
  passed: number;
  /** Failed tests, and set-up or unhandled errors that are no test's own failure. */
  failed: { file: string; name: string; message: string }[];
  /** Tests that did not run and were not stopped by an error. */
  skipped: { file: string; name: string; note: string | null }[];
}

interface ErrorLike {
  message?: string;
  name?: string;
}

const firstLine = (e: ErrorLike | undefined): string =>
  `${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e?.message ?? 'unknown error'}`.split('\n')[0] ??
  '';

type Broken = { name: string; message: string; stopped: number };

function brokenAncestor(test: TestCase, broken: Map<unknown, Broken>): Broken | undefined {
  for (let node: TestCase['parent'] | TestModule | undefined = test.parent; node; ) {
    const hit = broken.get(node);
    if (hit) return hit;
    node = node.type === 'suite' ? node.parent : undefined;
  }
  return undefined;
}

export default class TallyReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<ErrorLike>): void {
    const out = process.env.CAMSWEEP_TEST_TALLY;
    if (!out) return;
    const tally: Tally = { passed: 0, failed: [], skipped: [] };
    for (const mod of modules) {
      const file = relative(process.cwd(), mod.moduleId);
      // A module or suite with its own error (import, beforeAll, afterAll) failed as a whole:
      // the tests under it that never ran were stopped by that error, not skipped. The error
      // counts once by itself only when it stopped no test (a file with no tests, an afterAll).
      const broken = new Map<unknown, Broken>();
      const firstError = mod.errors()[0];
      if (firstError) broken.set(mod, { name: '(file set-up)', message: firstLine(firstError), stopped: 0 });
      for (const suite of mod.children.allSuites()) {
        const error = suite.errors()[0];
        if (error)
          broken.set(suite, { name: `${suite.fullName} (set-up)`, message: firstLine(error), stopped: 0 });
      }
      for (const test of mod.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') {
          tally.passed++;
          continue;
        }
        if (result.state === 'failed') {
          tally.failed.push({ file, name: test.fullName, message: firstLine(result.errors?.[0]) });
          continue;
        }
        const stoppedBy = brokenAncestor(test, broken);
        if (stoppedBy) {
          stoppedBy.stopped++;
          tally.failed.push({ file, name: test.fullName, message: `did not run: ${stoppedBy.message}` });
        } else {
          const note = result.state === 'skipped' ? (result.note ?? null) : null;
          tally.skipped.push({ file, name: test.fullName, note });
        }
      }
      for (const b of broken.values())
        if (b.stopped === 0) tally.failed.push({ file, name: b.name, message: b.message });
    }
    for (const error of unhandled)
      tally.failed.push({ file: '(outside any test)', name: 'unhandled error', message: firstLine(error) });
    writeFileSync(out, JSON.stringify(tally));
  }
}
