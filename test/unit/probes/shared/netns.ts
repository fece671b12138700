/**
 * Runs a probe lab test only inside a network namespace of its own.
 *
 * - Inside `npm test` (test/run.mjs sets CAMSWEEP_TEST_NETNS=1 and runs vitest under
 *   `unshare -n`) the tests run directly, after checking that no interface but `lo` exists.
 * - Started any other way as root, the file re-runs itself under a fresh `unshare -n` and
 *   the outer test asserts the inner run passed.
 * - Not root and not CI: skipped with the reason printed. In CI a missing namespace fails.
 *
 * Devices and the scanner share `lo`: the test adds a private /24 to `lo` (a random one, so
 * parallel test files never share addresses); sims bind their own address in it.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cidrRange, parseIpv4 } from '../../../../src/core/ipv4.js';
import type { LocalInterface } from '../../../../src/core/scope.js';
import { ownNamespace } from '../../../helpers/own-netns.js';

const inCI = process.env.CI === 'true' || process.env.CI === '1';

export interface LabNet {
  /** `10.<a>.<b>` — append `.<host>`. */
  readonly prefix: string;
  /** The scanner's interface (`lo` with `<prefix>.1/24`). */
  readonly iface: LocalInterface;
  /** Adds `<prefix>.<host>/32` to lo and returns the address (for a sim). */
  addHost(host: number): string;
}

function setUpNet(): LabNet {
  const a = 100 + Math.floor(Math.random() * 150);
  const b = Math.floor(Math.random() * 250);
  const prefix = `10.${a}.${b}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  // run.mjs already did this; harmless to repeat, needed after a self re-run.
  ip('link', 'set', 'lo', 'up');
  ip('link', 'set', 'lo', 'multicast', 'on');
  try {
    ip('route', 'add', '224.0.0.0/4', 'dev', 'lo');
  } catch {
    // exists
  }
  ip('addr', 'add', `${prefix}.1/24`, 'dev', 'lo');
  return {
    prefix,
    iface: {
      name: 'lo',
      address: `${prefix}.1`,
      prefix: 24,
      subnet: cidrRange(parseIpv4(`${prefix}.0`)!, 24),
    },
    addHost(host) {
      ip('addr', 'add', `${prefix}.${host}/32`, 'dev', 'lo');
      return `${prefix}.${host}`;
    },
  };
}

/**
 * `describe` for a lab test file. `fileUrl` is the test file's `import.meta.url`; `body`
 * receives a getter for the lab network (valid inside its tests and hooks).
 */
export function labDescribe(title: string, fileUrl: string, body: (net: () => LabNet) => void): void {
  if (process.env.CAMSWEEP_TEST_NETNS === '1') {
    // Other test files in the same namespace may add veths; what matters is that it is not the host's.
    if (!ownNamespace())
      throw new Error('CAMSWEEP_TEST_NETNS=1 but this is the host network namespace: refusing to run');
    let net: LabNet | null = null;
    describe(title, () => {
      beforeAll(() => {
        net = setUpNet();
      });
      afterAll(() => {
        if (net)
          execFileSync('ip', ['addr', 'flush', 'dev', 'lo', 'to', `${net.prefix}.0/24`], { stdio: 'ignore' });
      });
      body(() => {
        if (!net) throw new Error('lab network not set up');
        return net;
      });
    });
    return;
  }
  const root = process.getuid?.() === 0;
  const canUnshare = root && spawnSync('unshare', ['-n', 'true']).status === 0;
  if (!canUnshare) {
    const reason = root ? '`unshare -n` failed' : 'needs root for a private network namespace';
    if (inCI) {
      describe(title, () =>
        it('has a network namespace to run in', () => expect.fail(`${reason} (CI is set)`)),
      );
    } else {
      console.log(`skipping "${title}": ${reason}`);
      describe.skip(title, () => it('lab', () => undefined));
    }
    return;
  }
  describe(title, () => {
    it('passes inside a fresh network namespace', () => {
      const file = fileURLToPath(fileUrl);
      const setup = 'ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo';
      const r = spawnSync(
        'unshare',
        ['-n', 'sh', '-c', `${setup} && exec "$@"`, 'sh', 'node_modules/.bin/vitest', 'run', file],
        { env: { ...process.env, CAMSWEEP_TEST_NETNS: '1' }, encoding: 'utf8', timeout: 120_000 },
      );
      if (r.status !== 0) console.log(r.stdout, r.stderr);
      expect(r.status).toBe(0);
    }, 130_000);
  });
}
