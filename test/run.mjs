#!/usr/bin/env node
// `npm test`: build, check the signature and rule data, then run the vitest suite inside a
// fresh network namespace so no test can reach the host's interfaces (only its own loopback,
// and namespaces the lab builds). Extra arguments go to vitest (`npm test -- test/unit`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closingReport, readAllowList } from './helpers/closing-line.mjs';

const extra = process.argv.slice(2);
const inCI = process.env.CI === 'true' || process.env.CI === '1';

function step(title, cmd, args, options = {}) {
  process.stderr.write(`\n== ${title}: ${[cmd, ...args].join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function fail(why) {
  process.stderr.write(`\nnpm test: ${why}\n`);
  process.exit(1);
}

if (step('build', 'npm', ['run', '--silent', 'build']) !== 0) fail('the TypeScript build failed');
if (step('lint and format', 'node_modules/.bin/biome', ['check', '.']) !== 0)
  fail('biome found lint or format problems (`npm run format` fixes the formatting)');
if (step('signatures and rules', 'node', ['dist/agent/cli.js', 'verify']) !== 0)
  fail('camsweep verify found problems');

const canUnshare = spawnSync('unshare', ['-n', 'true']).status === 0;
// The tally reporter records what the closing line counts: failed tests, set-up and unhandled
// errors (vitest's own JSON counts neither), and every skip with its reason.
const resultsDir = mkdtempSync(join(tmpdir(), 'camsweep-test-'));
const tallyFile = join(resultsDir, 'tally.json');
const vitest = [
  'node_modules/.bin/vitest',
  'run',
  '--reporter=default',
  '--reporter=./test/helpers/tally-reporter.ts',
  ...extra,
];
process.env.CAMSWEEP_TEST_TALLY = tallyFile;
let status;
if (canUnshare) {
  // lo up for loopback peers; a multicast route on lo so multicast tests stay inside.
  const setup = 'ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo';
  status = step(
    'tests (isolated network namespace)',
    'unshare',
    ['-n', 'sh', '-c', `${setup} && exec "$@"`, 'sh', ...vitest],
    {
      env: { ...process.env, CAMSWEEP_TEST_NETNS: '1' },
    },
  );
} else if (inCI) {
  fail(
    'CI must run the suite in a fresh network namespace, but `unshare -n` failed (need root or CAP_SYS_ADMIN)',
  );
} else {
  process.stderr.write(
    '\nnpm test: `unshare -n` is not available (not root); running in this namespace. ' +
      'Lab and multicast tests will skip; run as root for the full suite.\n',
  );
  status = step('tests', vitest[0], vitest.slice(1));
}
if (existsSync(tallyFile)) {
  const report = closingReport(
    JSON.parse(readFileSync(tallyFile, 'utf8')),
    readAllowList('test/allowed-skips.txt'),
    {
      inCI,
    },
  );
  process.stdout.write(`\n${report.text}`);
  if (!report.ok) status = 1;
} else {
  process.stdout.write('\nnpm test: vitest wrote no results (it crashed before the end of the run)\n');
  status = 1;
}
rmSync(resultsDir, { recursive: true, force: true });
process.exit(status);
