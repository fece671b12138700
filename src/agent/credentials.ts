/**
 * The credentials file (config key `credentials.file`): logins the scanner may use for
 * read-only device-information calls, keyed by address. Commented example:
 * agent/credentials.example.yaml.
 *
 * ```yaml
 * entries:
 *   - targets: [10.20.0.0/16]              # IPs, CIDRs, ranges (10.0.0.1-10.0.0.50 or 10.0.0.1-50)
 *     http:  { username: admin, password: "…" }        # Hikvision ISAPI / Dahua CGI (Digest)
 *     onvif: { username: onvif-ro, password: "…" }     # ONVIF GetDeviceInformation; falls back to http
 *     snmp:
 *       communities: ["municipal-ro"]
 *       v3:
 *         - { username: camsweep, authProtocol: sha, authKey: "…", privProtocol: aes, privKey: "…" }
 *   - targets: [10.20.5.17]                # a more specific entry wins for the protocols it sets
 *     http: { username: admin, password: "…" }
 * ```
 *
 * Matching: for each protocol separately, among the entries whose targets contain the address
 * and that set that protocol, the one with the smallest matching target wins (a /32 beats a
 * /24 beats a /16); on a tie, the earlier entry. So a site-wide SNMP community and a per-camera
 * web login combine naturally.
 *
 * Safety: the file must not be readable or writable by group or others (`chmod 600`), the same
 * rule ssh applies to private keys; it is parsed with no aliases, no custom tags and a size
 * cap; secrets never appear in `JSON.stringify`, `util.inspect`, logs or errors.
 */
import { readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';
import { isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { CamsweepError } from '../core/errors.js';
import { parseIpv4 } from '../core/ipv4.js';
import { parseTarget } from '../core/scope.js';
import { parseYamlWithLines } from '../core/yaml.js';

/** Credentials for one host, from the credentials file (never logged, never reported). */
export interface HostCredentials {
  readonly username: string;
  readonly password: string;
}

/** A credentials file is a few KB; anything near this is a mistake or an attack. */
const MAX_FILE_BYTES = 1 << 20;
const MAX_ENTRIES = 10_000;

const SNMP_AUTH = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
const SNMP_PRIV = ['des', 'aes', 'aes256b', 'aes256r'] as const;

export interface SnmpV3Credential {
  readonly username: string;
  /** `none` means noAuthNoPriv. */
  readonly authProtocol: (typeof SNMP_AUTH)[number] | 'none';
  readonly authKey: string | null;
  /** `none` means authNoPriv. */
  readonly privProtocol: (typeof SNMP_PRIV)[number] | 'none';
  readonly privKey: string | null;
}

export interface SnmpSecrets {
  readonly communities: readonly string[];
  readonly v3: readonly SnmpV3Credential[];
}

/** What the store knows for one address; each protocol resolved separately. */
export interface HostSecrets {
  readonly http: HostCredentials | null;
  readonly onvif: HostCredentials | null;
  readonly snmp: SnmpSecrets | null;
}

type Protocol = 'http' | 'onvif' | 'snmp';

interface Entry {
  readonly ranges: ReadonlyArray<{ readonly first: number; readonly last: number }>;
  readonly http: HostCredentials | null;
  readonly onvif: HostCredentials | null;
  readonly snmp: SnmpSecrets | null;
}

const REDACTED = '[redacted]';

/** Hides every string in a secret-bearing object from JSON and inspect, keeping its shape. */
function sealed<T extends object>(value: T, show: (v: T) => unknown): T {
  Object.defineProperty(value, 'toJSON', { value: () => show(value), enumerable: false });
  Object.defineProperty(value, inspect.custom, { value: () => show(value), enumerable: false });
  return Object.freeze(value);
}

function login(username: string, password: string): HostCredentials {
  return sealed({ username, password }, (v) => ({ username: v.username, password: REDACTED }));
}

function snmpSecrets(communities: string[], v3: SnmpV3Credential[]): SnmpSecrets {
  const users = v3.map((u) =>
    sealed({ ...u }, (v) => ({
      username: v.username,
      authProtocol: v.authProtocol,
      authKey: v.authKey === null ? null : REDACTED,
      privProtocol: v.privProtocol,
      privKey: v.privKey === null ? null : REDACTED,
    })),
  );
  return sealed({ communities: Object.freeze(communities), v3: Object.freeze(users) }, (v) => ({
    communities: v.communities.map(() => REDACTED),
    v3: v.v3,
  }));
}

export class CredentialStore {
  private readonly entries: readonly Entry[];

  /** `file` is kept only to name it in messages. */
  constructor(
    entries: readonly Entry[],
    readonly file: string | null,
  ) {
    this.entries = Object.freeze([...entries]);
    Object.freeze(this);
  }

  static empty(): CredentialStore {
    return new CredentialStore([], null);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The most specific login/secret set for each protocol that covers `ip`. */
  forHost(ip: string): HostSecrets {
    const n = parseIpv4(ip);
    if (n === null) return { http: null, onvif: null, snmp: null };
    const http = this.best(n, 'http') as HostCredentials | null;
    return {
      http,
      // ONVIF users are often the web admin too; an explicit onvif section overrides.
      onvif: (this.best(n, 'onvif') as HostCredentials | null) ?? http,
      snmp: this.best(n, 'snmp') as SnmpSecrets | null,
    };
  }

  toJSON(): { file: string | null; entries: number } {
    return { file: this.file, entries: this.entries.length };
  }

  [inspect.custom](): string {
    return `CredentialStore { file: ${JSON.stringify(this.file)}, entries: ${this.entries.length} }`;
  }

  private best(n: number, protocol: Protocol): Entry[Protocol] {
    let bestSize = Number.POSITIVE_INFINITY;
    let found: Entry[Protocol] = null;
    for (const entry of this.entries) {
      const value = entry[protocol];
      if (value === null) continue;
      for (const r of entry.ranges) {
        const size = r.last - r.first + 1;
        // Strictly smaller: on a tie the earlier entry keeps the match.
        if (n >= r.first && n <= r.last && size < bestSize) {
          bestSize = size;
          found = value;
        }
      }
    }
    return found;
  }
}

/**
 * Reads and checks a credentials file. Refuses a file group or others can read or write,
 * naming the `chmod 600` that fixes it.
 */
export function loadCredentials(path: string): CredentialStore {
  let mode: number;
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a regular file');
    mode = st.mode;
    size = st.size;
  } catch (err) {
    throw new CamsweepError(
      'E_CONFIG_READ',
      `cannot read credentials file ${path}: ${(err as Error).message}`,
      {
        fix: 'check credentials.file in the config names an existing file',
      },
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new CamsweepError(
      'E_CONFIG',
      `credentials file ${path} is accessible by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); it holds passwords`,
      { fix: `chmod 600 ${path}` },
    );
  }
  if (size > MAX_FILE_BYTES) {
    throw new CamsweepError('E_CONFIG', `credentials file ${path} is larger than ${MAX_FILE_BYTES} bytes`, {
      fix: 'a credentials file lists logins per subnet and is a few KB; check the path',
    });
  }
  return parseCredentials(readFileSync(path, 'utf8'), path);
}

/** Parses credentials YAML; errors name `file:line key` and never include a secret. */
export function parseCredentials(text: string, file: string): CredentialStore {
  if (text.length > MAX_FILE_BYTES) throw fail(file, [{ line: 1, path: '', message: 'file too large' }]);
  const yaml = parseYamlWithLines(text, { schema: 'core' });
  const problems: Problem[] = [];
  const lineOf = (node: unknown): number => yaml.lineOf(node) ?? 1;
  for (const e of yaml.errors) {
    // The YAML library's message may quote the offending line, which can be a password.
    problems.push({ line: e.line, path: '', message: `YAML syntax error (${e.code})` });
  }
  if (problems.length > 0) throw fail(file, problems);
  const reader = new Reader(lineOf, problems);
  const entries = reader.file(yaml.root);
  if (problems.length > 0) throw fail(file, problems);
  return new CredentialStore(entries, file);
}

interface Problem {
  readonly line: number;
  readonly path: string;
  readonly message: string;
}

function fail(file: string, problems: readonly Problem[]): CamsweepError {
  const text = problems
    .slice(0, 20)
    .map((p) => `${file}:${p.line}${p.path ? ` ${p.path}` : ''}: ${p.message}`)
    .join('\n  ');
  return new CamsweepError('E_CONFIG', `invalid credentials file:\n  ${text}`, {
    fix: 'correct the named lines; agent/credentials.example.yaml documents the format',
  });
}

const PROTOTYPE_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** Edit distance, capped: enough to tell a typo of a key name from anything else. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

function nameIsSafeToShow(key: string, allowed: readonly string[]): boolean {
  return (
    PROTOTYPE_NAMES.has(key) || allowed.some((k) => editDistance(key.toLowerCase(), k.toLowerCase()) <= 2)
  );
}

/** Walks the YAML node tree (not a converted object, so aliases and tags are seen and refused). */
class Reader {
  constructor(
    private readonly lineOf: (node: unknown) => number,
    private readonly problems: Problem[],
  ) {}

  file(root: Node | null): Entry[] {
    if (root === null) return [];
    const top = this.map(root, '', ['entries']);
    if (!top) return [];
    const list = top.get('entries');
    if (list === undefined || this.isNull(list)) return [];
    if (!isSeq(list)) {
      this.problem(list, 'entries', 'must be a list of entries');
      return [];
    }
    if (list.items.length > MAX_ENTRIES) {
      this.problem(list, 'entries', `more than ${MAX_ENTRIES} entries`);
      return [];
    }
    const out: Entry[] = [];
    list.items.forEach((item, i) => {
      const entry = this.entry(item as Node, `entries[${i}]`);
      if (entry) out.push(entry);
    });
    return out;
  }

  private entry(node: Node, path: string): Entry | null {
    const m = this.map(node, path, ['targets', 'http', 'onvif', 'snmp']);
    if (!m) return null;
    const targets = m.get('targets');
    if (targets === undefined) return this.problem(node, path, 'needs targets (IPs, CIDRs or ranges)');
    const texts = this.strings(targets, `${path}.targets`);
    const ranges: Array<{ first: number; last: number }> = [];
    for (const t of texts ?? []) {
      try {
        ranges.push(parseTarget(t));
      } catch (err) {
        this.problem(targets, `${path}.targets`, (err as Error).message);
      }
    }
    if (texts && texts.length === 0)
      this.problem(targets, `${path}.targets`, 'must list at least one target');
    const http = m.has('http') ? this.login(m.get('http')!, `${path}.http`) : null;
    const onvif = m.has('onvif') ? this.login(m.get('onvif')!, `${path}.onvif`) : null;
    const snmp = m.has('snmp') ? this.snmp(m.get('snmp')!, `${path}.snmp`) : null;
    if (!m.has('http') && !m.has('onvif') && !m.has('snmp'))
      this.problem(node, path, 'sets no credentials (http, onvif or snmp)');
    return { ranges, http, onvif, snmp };
  }

  private login(node: Node, path: string): HostCredentials | null {
    const m = this.map(node, path, ['username', 'password']);
    if (!m) return null;
    const username = this.text(m.get('username'), `${path}.username`, node);
    const password = this.text(m.get('password'), `${path}.password`, node);
    return username !== null && password !== null ? login(username, password) : null;
  }

  private snmp(node: Node, path: string): SnmpSecrets | null {
    const m = this.map(node, path, ['communities', 'v3']);
    if (!m) return null;
    const communities = m.has('communities')
      ? this.strings(m.get('communities')!, `${path}.communities`)
      : [];
    const v3: SnmpV3Credential[] = [];
    const users = m.get('v3');
    if (users !== undefined && !this.isNull(users)) {
      if (!isSeq(users)) this.problem(users, `${path}.v3`, 'must be a list of users');
      else
        users.items.forEach((item, i) => {
          const user = this.v3(item as Node, `${path}.v3[${i}]`);
          if (user) v3.push(user);
        });
    }
    return communities === null ? null : snmpSecrets(communities, v3);
  }

  private v3(node: Node, path: string): SnmpV3Credential | null {
    const m = this.map(node, path, ['username', 'authProtocol', 'authKey', 'privProtocol', 'privKey']);
    if (!m) return null;
    const username = this.text(m.get('username'), `${path}.username`, node);
    // Protocols default to sha/aes when their key is given and to none when it is not.
    const auth = m.has('authProtocol')
      ? this.choice(m.get('authProtocol')!, `${path}.authProtocol`, ['none', ...SNMP_AUTH])
      : m.has('authKey')
        ? 'sha'
        : 'none';
    const priv = m.has('privProtocol')
      ? this.choice(m.get('privProtocol')!, `${path}.privProtocol`, ['none', ...SNMP_PRIV])
      : m.has('privKey')
        ? 'aes'
        : 'none';
    if (auth === 'none' && priv !== null && priv !== 'none')
      this.problem(
        node,
        `${path}.privProtocol`,
        'privacy needs authentication (set authProtocol and authKey)',
      );
    const authKey =
      auth !== null && auth !== 'none' ? this.text(m.get('authKey'), `${path}.authKey`, node) : null;
    const privKey =
      priv !== null && priv !== 'none' ? this.text(m.get('privKey'), `${path}.privKey`, node) : null;
    if (username === null || auth === null || priv === null) return null;
    if ((auth !== 'none' && authKey === null) || (priv !== 'none' && privKey === null)) return null;
    for (const [key, value] of [
      ['authKey', authKey],
      ['privKey', privKey],
    ] as const) {
      // RFC 3414 §11.2: passphrases shorter than 8 characters are refused by agents.
      if (value !== null && value.length < 8)
        this.problem(node, `${path}.${key}`, 'must be at least 8 characters (RFC 3414)');
    }
    return {
      username,
      authProtocol: auth as SnmpV3Credential['authProtocol'],
      authKey,
      privProtocol: priv as SnmpV3Credential['privProtocol'],
      privKey,
    };
  }

  /** A mapping with only `allowed` keys, as a Map of key → value node. */
  private map(node: Node, path: string, allowed: readonly string[]): Map<string, Node> | null {
    if (isAlias(node))
      return this.problem(node, path, 'aliases (*name) are not allowed in the credentials file');
    if (!isMap(node)) return this.problem(node, path, 'must be a mapping');
    if (node.tag !== undefined && node.tag !== 'tag:yaml.org,2002:map')
      return this.problem(node, path, 'tags are not allowed');
    const out = new Map<string, Node>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) && typeof pair.key.value === 'string' ? pair.key.value : null;
      if (key === null || !allowed.includes(key)) {
        // `password "s3cret"` without its colon parses as a key named after the secret, so a
        // key is named only when it is a near-miss of an allowed one (a typo) or a prototype
        // name; otherwise the line number finds it.
        const shown = key !== null && nameIsSafeToShow(key, allowed) ? key : '(key not shown)';
        const where = path ? `${path}.${shown}` : shown;
        this.problem(pair.key, where, `unknown key; expected one of ${allowed.join(', ')}`);
        continue;
      }
      out.set(key, (pair.value ?? null) as Node);
    }
    return out;
  }

  private text(node: Node | undefined, path: string, parent: Node): string | null {
    if (node === undefined || this.isNull(node)) return this.problem(parent, path, 'is required');
    if (isAlias(node))
      return this.problem(node, path, 'aliases (*name) are not allowed in the credentials file');
    if (!isScalar(node) || (node.tag !== undefined && node.tag !== 'tag:yaml.org,2002:str'))
      return this.problem(node, path, 'must be plain text without a tag');
    // A bare 0123 or true would silently become a different password: ask for quotes.
    if (typeof node.value !== 'string')
      return this.problem(node, path, 'must be text; put the value in quotes');
    if (node.value === '') return this.problem(node, path, 'must not be empty');
    if (node.value.length > 1024) return this.problem(node, path, 'is longer than 1024 characters');
    return node.value;
  }

  private strings(node: Node, path: string): string[] | null {
    if (!isSeq(node)) return this.problem(node, path, 'must be a list');
    const out: string[] = [];
    for (const item of node.items) {
      const s = this.text(item as Node, path, node);
      if (s !== null) out.push(s);
    }
    return out;
  }

  private choice(node: Node, path: string, values: readonly string[]): string | null {
    if (isScalar(node) && typeof node.value === 'string' && values.includes(node.value.toLowerCase()))
      return node.value.toLowerCase();
    return this.problem(node, path, `must be one of ${values.join(', ')}`);
  }

  private isNull(node: Node | null): boolean {
    return node === null || (isScalar(node) && node.value === null);
  }

  private problem(node: unknown, path: string, message: string): null {
    this.problems.push({ line: this.lineOf(node), path, message });
    return null;
  }
}
