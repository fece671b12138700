/**
 * Loads and checks the device fixtures in test/fixtures/devices/<vendor>-<model>/
 * (format: test/lab/README.md). A broken fixture stops the lab before any namespace exists,
 * with the file and the field to fix.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';

export type LabSubnet = 'lan' | 'remote' | 'isolated';

/**
 * The lab subnets (README "Topology"); the scanner sits on `lan`. `isolated` is a VLAN
 * segment nothing routes to: only a switch's tables know what is on it.
 */
export const SUBNETS: Readonly<Record<LabSubnet, { prefix: string; gateway: number }>> = {
  lan: { prefix: '10.77.0', gateway: 254 },
  remote: { prefix: '10.78.0', gateway: 1 },
  isolated: { prefix: '10.79.0', gateway: 1 },
};
export const SCANNER_HOST = 2;
const FIRST_DEVICE_HOST = 3;
const LAST_DEVICE_HOST = 250;

export interface ExpectedOutcome {
  readonly identity: {
    readonly manufacturer: string | null;
    readonly brand?: string | null;
    readonly deviceType: string | null;
    readonly model?: string | null;
  };
  readonly verdict: 'covered' | 'suspect' | 'not-covered' | 'unknown';
  readonly rules: readonly string[];
  /** `explicit`: outside the default scope; only a scan naming its subnet reports it. */
  readonly scope?: 'default' | 'explicit';
  /**
   * `full`: only `--discovery full` can see it (it answers on no phase-1 port and is off-link);
   * a two-phase scan must not report it, and must say in its blind spots why.
   */
  readonly discovery?: 'full';
}

export interface DeviceFixture {
  readonly name: string;
  readonly dir: string;
  readonly mac: string;
  readonly subnet: LabSubnet;
  readonly host: number;
  readonly ip: string;
  readonly services: Readonly<Record<string, Record<string, unknown>>>;
  readonly expected: ExpectedOutcome | null;
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const SERVICE_RE = /^[a-z0-9][a-z0-9-]{0,30}$/;
const VERDICTS = new Set(['covered', 'suspect', 'not-covered', 'unknown']);

export function fixturesRoot(repoRoot: string): string {
  return join(repoRoot, 'test', 'fixtures', 'devices');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkExpected(file: string, raw: unknown): ExpectedOutcome {
  const bad = (why: string) => new Error(`${file}: ${why}`);
  if (!isRecord(raw) || !isRecord(raw.identity)) throw bad('needs an "identity" object');
  if (typeof raw.verdict !== 'string' || !VERDICTS.has(raw.verdict)) {
    throw bad(`"verdict" must be one of ${[...VERDICTS].join(', ')}`);
  }
  if (!Array.isArray(raw.rules) || !raw.rules.every((r) => typeof r === 'string')) {
    throw bad('"rules" must be a list of rule ids (empty when no rule applies)');
  }
  if (raw.scope !== undefined && raw.scope !== 'default' && raw.scope !== 'explicit') {
    throw bad('"scope" must be "default" or "explicit"');
  }
  if (raw.discovery !== undefined && raw.discovery !== 'full')
    throw bad('"discovery" must be "full" when set');
  return raw as unknown as ExpectedOutcome;
}

/** Reads one fixture folder; throws with `path: problem` when it is malformed. */
export function loadFixture(dir: string): DeviceFixture {
  const file = join(dir, 'device.yaml');
  const bad = (why: string) => new Error(`${file}: ${why}`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw bad(`cannot read: ${(err as Error).message}`);
  }
  if (!isRecord(raw)) throw bad('must be a YAML mapping');
  const name = raw.name === undefined ? basename(dir) : raw.name;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9.-]*$/.test(name))
    throw bad('"name" must be lower-case a-z, 0-9, - or .');
  const mac = typeof raw.mac === 'string' ? raw.mac.toLowerCase() : '';
  if (!MAC_RE.test(mac)) throw bad('"mac" must look like 58:50:ed:1f:e3:85');
  // A multicast MAC (low bit of the first octet) cannot be set on an interface.
  if ((Number.parseInt(mac.slice(0, 2), 16) & 1) === 1) throw bad('"mac" must be a unicast address');
  const subnet = raw.subnet ?? 'lan';
  if (subnet !== 'lan' && subnet !== 'remote' && subnet !== 'isolated')
    throw bad('"subnet" must be "lan", "remote" or "isolated"');
  const host = raw.host;
  if (
    typeof host !== 'number' ||
    !Number.isInteger(host) ||
    host < FIRST_DEVICE_HOST ||
    host > LAST_DEVICE_HOST
  ) {
    throw bad(`"host" must be a whole number ${FIRST_DEVICE_HOST}..${LAST_DEVICE_HOST} (last octet)`);
  }
  if (subnet === 'remote' && host === SUBNETS.remote.gateway)
    throw bad('"host" 1 is the router on the remote subnet');
  if (!isRecord(raw.services)) throw bad('"services" must map simulator names to their settings');
  const services: Record<string, Record<string, unknown>> = {};
  for (const [key, section] of Object.entries(raw.services)) {
    if (!SERVICE_RE.test(key)) throw bad(`service "${key}" is not a simulator name (a-z, 0-9, -)`);
    if (section !== null && !isRecord(section)) throw bad(`services.${key} must be a mapping or empty`);
    services[key] = section ?? {};
  }
  const expectedFile = join(dir, 'expected.json');
  let expected: ExpectedOutcome | null = null;
  if (existsSync(expectedFile)) {
    try {
      expected = checkExpected(expectedFile, JSON.parse(readFileSync(expectedFile, 'utf8')));
    } catch (err) {
      if (err instanceof SyntaxError) throw new Error(`${expectedFile}: not JSON: ${err.message}`);
      throw err;
    }
  }
  return Object.freeze({
    name,
    dir,
    mac,
    subnet,
    host,
    ip: `${SUBNETS[subnet].prefix}.${host}`,
    services,
    expected,
  });
}

/** Every fixture (or the named ones), checked for clashing addresses and MACs. */
export function loadFixtures(root: string, only?: readonly string[]): DeviceFixture[] {
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'device.yaml')))
    .map((d) => d.name)
    .sort();
  if (only && only.length > 0) {
    const unknown = only.filter((n) => !dirs.includes(n));
    if (unknown.length > 0)
      throw new Error(`no fixture named ${unknown.join(', ')} in ${root} (have: ${dirs.join(', ')})`);
  }
  const fixtures = dirs
    .filter((d) => !only || only.length === 0 || only.includes(d))
    .map((d) => loadFixture(join(root, d)));
  const seen = new Map<string, string>();
  for (const f of fixtures) {
    for (const key of [f.ip, f.mac]) {
      const other = seen.get(key);
      if (other) throw new Error(`fixtures ${other} and ${f.name} both use ${key}`);
      seen.set(key, f.name);
    }
  }
  return fixtures;
}
