/**
 * Guard for probe tests that put servers on private addresses: they must run inside a
 * network namespace of their own (`npm test` runs vitest under `unshare -n`), never in the
 * host's. Outside one they skip with the reason, except in CI, where skipping would hide a
 * broken setup.
 */
import { execFileSync } from 'node:child_process';
import { ownNamespace } from './own-netns.js';

export const isolated = process.env.CAMSWEEP_TEST_NETNS === '1' && ownNamespace();

if (!isolated) {
  const why = 'needs a private network namespace (run `npm test`, which uses `unshare -n`, as root)';
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`probe network test ${why}`);
  console.warn(`skipping probe network tests: ${why}`);
}

/**
 * Makes every address of `prefix` (e.g. `10.250.1`) local on lo, so test servers can bind
 * 10.250.1.x while the scope guard (which never targets 127/8) accepts them as targets.
 * Idempotent: test files running in the same namespace may share a prefix.
 */
export function localSubnet(prefix: string): void {
  if (!isolated) return;
  try {
    execFileSync('ip', ['route', 'replace', 'local', `${prefix}.0/24`, 'dev', 'lo'], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`could not add a local route for ${prefix}.0/24: ${(err as Error).message}`);
  }
}

/**
 * Routes `prefix`.0/24 through a veth pair to a gateway MAC nobody owns: every packet leaves
 * and is dropped at the far end without an answer, so connects to those addresses are never
 * answered (the "silently dropped" addresses of a real sweep). `link` names the pair.
 */
export function silentSubnet(prefix: string, link: string): void {
  if (!isolated) return;
  const ip = (args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  try {
    ip(['link', 'add', `${link}a`, 'type', 'veth', 'peer', 'name', `${link}b`]);
  } catch (err) {
    if (!String((err as { stderr?: Buffer }).stderr ?? '').includes('File exists')) throw err;
    return;
  }
  ip(['link', 'set', `${link}a`, 'up']);
  ip(['link', 'set', `${link}b`, 'up']);
  ip(['addr', 'add', '192.0.2.1/30', 'dev', `${link}a`]);
  ip(['neigh', 'replace', '192.0.2.2', 'lladdr', '02:00:5e:00:53:01', 'dev', `${link}a`, 'nud', 'permanent']);
  ip(['route', 'replace', `${prefix}.0/24`, 'via', '192.0.2.2', 'dev', `${link}a`]);
}

/** Adds one address to lo (needed where a socket joins multicast groups by interface address). */
export function loAddress(address: string): void {
  if (!isolated) return;
  try {
    execFileSync('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo'], { stdio: 'pipe' });
  } catch (err) {
    if (!String((err as { stderr?: Buffer }).stderr ?? '').includes('File exists')) throw err;
  }
}

/**
 * Whether the real peers a test runs are installed. Missing in CI is a broken setup (they are
 * in .ci/apt-packages) and fails; elsewhere the test skips with the install command.
 */
export function toolsPresent(commands: readonly string[], packages: string): boolean {
  const missing = commands.filter((cmd) => {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'pipe' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return true;
  if (isolated && (process.env.CI === 'true' || process.env.CI === '1')) {
    throw new Error(`${missing.join(', ')} missing in CI: .ci/apt-packages must list ${packages}`);
  }
  if (isolated)
    console.warn(`skipping: ${missing.join(', ')} not installed (apt-get install -y ${packages})`);
  return false;
}
