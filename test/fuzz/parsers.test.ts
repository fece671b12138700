/**
 * Fuzzes the parsers of untrusted files and bodies: the report parser the collector runs on
 * every upload (bounds pre-scan, JSON.parse, schema check), the credentials file and the
 * config file. At least 100,000 mutated inputs each from real examples (see fuzz.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/agent/config/config.js';
import { parseCredentials } from '../../src/agent/credentials.js';
import { REPORT_JSON_BOUNDS } from '../../src/contract/report-bounds.js';
import { checkReport } from '../../src/contract/report-schema.js';
import { CamsweepError } from '../../src/core/errors.js';
import { scanJsonBounds } from '../../src/core/json-bounds.js';
import { labReport } from '../collector/fixtures.js';
import { type FuzzTarget, fuzz, fuzzCount, fuzzSeed } from './fuzz.js';

const seed = fuzzSeed();
const count = fuzzCount();
process.stderr.write(
  `parser fuzz: seed ${seed} (CAMSWEEP_FUZZ_SEED=${seed} repeats it), ${count} inputs per parser\n`,
);

const refusal = (err: unknown) => err instanceof CamsweepError;

/** The example file without its comments: the YAML a person actually writes. */
function yamlSeed(path: string): Buffer {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !/^\s*#/.test(l));
  return Buffer.from(`${lines.join('\n')}\n`);
}

// The yaml library costs milliseconds per document (far more than the codecs' microseconds),
// so the two local-file parsers get a hundredth of the count unless CAMSWEEP_FUZZ_COUNT is set;
// they read a file once at start, and each file is capped in size, so 8 KiB inputs and a
// 5 s per-input limit still catch a hang.
const yamlCount = process.env.CAMSWEEP_FUZZ_COUNT ? count : Math.ceil(count / 100);

const TARGETS: FuzzTarget[] = [
  {
    name: 'report',
    seeds: [
      Buffer.from(JSON.stringify(labReport())),
      Buffer.from(JSON.stringify(labReport({ site: 'x' }), null, 1)),
    ],
    run: (b) => {
      const shape = scanJsonBounds(b, REPORT_JSON_BOUNDS);
      if (!shape.ok) return shape.reason;
      let parsed: unknown;
      try {
        parsed = JSON.parse(b.toString('utf8'));
      } catch {
        return 'not JSON';
      }
      return checkReport(parsed).length;
    },
  },
  {
    name: 'credentials',
    seeds: [yamlSeed('agent/credentials.example.yaml')],
    run: (b) => parseCredentials(b.toString('utf8'), 'fuzz.yaml'),
    allowed: refusal,
    slowMs: 5000,
    maxInput: 8192,
  },
  {
    name: 'config',
    seeds: [yamlSeed('agent/camsweep.example.yaml')],
    run: (b) => {
      parseConfig(b.toString('utf8'), 'fuzz.yaml');
      return null;
    },
    allowed: refusal,
    slowMs: 5000,
    maxInput: 8192,
  },
];

describe('untrusted-file parsers under fuzzing', () => {
  for (const target of TARGETS) {
    const n = target.slowMs ? yamlCount : count;
    it(`${target.name}: ${n} mutated inputs, only documented refusals`, () => {
      const started = Date.now();
      const result = fuzz(target, n, seed);
      process.stderr.write(
        `fuzz ${target.name}: ${result.inputs} inputs in ${Date.now() - started} ms, slowest ${result.slowestMs.toFixed(1)} ms of CPU\n`,
      );
      expect(result.failures, `saved as regression fixtures; seed ${seed}`).toEqual([]);
    }, 600_000);
  }
});
