/**
 * The collector's config file (`camsweep collector serve --config FILE`): today one section,
 * `auth:`, saying how people sign in besides local accounts (OIDC, LDAP) and which directory
 * groups give which role over which sites. Validated once, with `file:line key: message`
 * errors, then frozen. Secrets (client secret, bind password) are read from files named in the
 * config, never written in it, so the config can be world-readable and kept in version control.
 */
import { readFileSync } from 'node:fs';
import { CamsweepError } from '../../core/errors.js';
import { readCollectorConfigFile } from '../config/file.js';
import { ROLES, type Role } from '../store/roles.js';

export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  /** Null for a public client (PKCE alone). */
  readonly clientSecret: string | null;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** Claim holding the user's groups (Entra ID: `groups`, a list of group object ids). */
  readonly groupsClaim: string;
  /** Claim that becomes the dashboard user name. */
  readonly usernameClaim: string;
  /** Text of the sign-in button. */
  readonly label: string;
  /** PEM bundle to trust for the issuer besides the system CAs (a private CA). */
  readonly ca: string | null;
}

export interface LdapSettings {
  /** ldaps://host:636 or ldap://host:389 (then startTls, unless insecure). */
  readonly url: string;
  readonly startTls: boolean;
  /** Allows a plain ldap:// connection without StartTLS; logged as a warning at start. */
  readonly insecure: boolean;
  readonly ca: string | null;
  /** Service account used to find the user's DN; null binds anonymously for the search. */
  readonly bindDn: string | null;
  readonly bindPassword: string | null;
  readonly userBase: string;
  /** Search filter with `{username}` where the (escaped) user name goes, e.g. `(sAMAccountName={username})`. */
  readonly userFilter: string;
  /** Attribute of the user entry listing group DNs (AD: memberOf); null when groupSearch is used. */
  readonly groupAttribute: string | null;
  /** Search for groups that list the user (`{dn}` is the escaped user DN), e.g. `(member={dn})`. */
  readonly groupSearch: { readonly base: string; readonly filter: string } | null;
  readonly timeoutMs: number;
  readonly label: string;
}

export type MappingScope =
  | { readonly kind: 'all' }
  | { readonly kind: 'site' | 'group'; readonly names: readonly string[] };

export interface RoleMapping {
  /** A group DN (LDAP) or a value of the OIDC groups claim (Entra ID: the group's object id). */
  readonly group: string;
  readonly role: Role;
  readonly scope: MappingScope;
}

export interface AuthSettings {
  readonly oidc: OidcSettings | null;
  readonly ldap: LdapSettings | null;
  readonly mappings: readonly RoleMapping[];
}

export const NO_DIRECTORY: AuthSettings = Object.freeze({ oidc: null, ldap: null, mappings: [] });

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads one section with checks; every problem is collected with its line. */
class Reader {
  readonly problems: string[] = [];
  constructor(
    private readonly file: string,
    private readonly lineOfPath: (path: readonly (string | number)[]) => number | null,
  ) {}

  fail(path: readonly (string | number)[], message: string): void {
    const line = this.lineOfPath(path) ?? this.lineOfPath(path.slice(0, -1)) ?? 1;
    this.problems.push(`${this.file}:${line} ${path.join('.')}: ${message}`);
  }

  keys(obj: Obj, path: readonly string[], allowed: readonly string[]): void {
    for (const k of Object.keys(obj))
      if (!allowed.includes(k)) this.fail([...path, k], `unknown key (allowed: ${allowed.join(', ')})`);
  }

  text(obj: Obj, path: readonly string[], key: string, fallback?: string): string {
    const v = obj[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string' || v.trim() === '' || v.length > 2048) {
      this.fail([...path, key], v === undefined ? 'is required' : 'must be text (1 to 2048 characters)');
      return '';
    }
    return v.trim();
  }

  optionalText(obj: Obj, path: readonly string[], key: string): string | null {
    return obj[key] === undefined || obj[key] === null ? null : this.text(obj, path, key);
  }

  flag(obj: Obj, path: readonly string[], key: string): boolean {
    const v = obj[key];
    if (v === undefined) return false;
    if (typeof v !== 'boolean') this.fail([...path, key], 'must be true or false');
    return v === true;
  }

  url(obj: Obj, path: readonly string[], key: string, schemes: readonly string[]): string {
    const v = this.text(obj, path, key);
    if (!v) return v;
    const parsed = URL.canParse(v) ? new URL(v) : null;
    if (!parsed || !schemes.includes(parsed.protocol))
      this.fail([...path, key], `must be a URL starting ${schemes.map((s) => `${s}//`).join(' or ')}`);
    return v;
  }

  /** The first line of a secret file, trimmed; the path is in the config, the secret is not. */
  secretFile(obj: Obj, path: readonly string[], key: string): string | null {
    const file = this.optionalText(obj, path, key);
    if (file === null) return null;
    try {
      const secret = (readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '').trim();
      if (!secret) this.fail([...path, key], `${file} is empty`);
      return secret;
    } catch (err) {
      this.fail([...path, key], `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      return null;
    }
  }

  pem(obj: Obj, path: readonly string[], key: string): string | null {
    const file = this.optionalText(obj, path, key);
    if (file === null) return null;
    try {
      const text = readFileSync(file, 'utf8');
      if (!text.includes('-----BEGIN CERTIFICATE-----'))
        this.fail([...path, key], `${file} holds no PEM certificate`);
      return text;
    } catch (err) {
      this.fail([...path, key], `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      return null;
    }
  }

  strings(obj: Obj, path: readonly string[], key: string, fallback: readonly string[]): readonly string[] {
    const v = obj[key];
    if (v === undefined) return fallback;
    if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'string' || !s.trim())) {
      this.fail([...path, key], 'must be a non-empty list of text values');
      return fallback;
    }
    return v.map((s: string) => s.trim());
  }
}

function readOidc(r: Reader, o: Obj): OidcSettings {
  const at = ['auth', 'oidc'];
  r.keys(o, at, [
    'issuer',
    'clientId',
    'clientSecretFile',
    'redirectUri',
    'scopes',
    'groupsClaim',
    'usernameClaim',
    'label',
    'caFile',
  ]);
  const scopes = r.strings(o, at, 'scopes', ['openid', 'profile', 'email']);
  if (!scopes.includes('openid')) r.fail([...at, 'scopes'], 'must include openid');
  return {
    // Tokens and the client secret travel to the issuer: TLS only.
    issuer: r.url(o, at, 'issuer', ['https:']),
    clientId: r.text(o, at, 'clientId'),
    clientSecret: r.secretFile(o, at, 'clientSecretFile'),
    redirectUri: r.url(o, at, 'redirectUri', ['https:', 'http:']),
    scopes,
    groupsClaim: r.text(o, at, 'groupsClaim', 'groups'),
    usernameClaim: r.text(o, at, 'usernameClaim', 'preferred_username'),
    label: r.text(o, at, 'label', 'Single sign-on'),
    ca: r.pem(o, at, 'caFile'),
  };
}

function readLdap(r: Reader, o: Obj): LdapSettings {
  const at = ['auth', 'ldap'];
  r.keys(o, at, [
    'url',
    'startTls',
    'insecure',
    'caFile',
    'bindDn',
    'bindPasswordFile',
    'userBase',
    'userFilter',
    'groupAttribute',
    'groupSearch',
    'timeoutSeconds',
    'label',
  ]);
  const url = r.url(o, at, 'url', ['ldaps:', 'ldap:']);
  const startTls = r.flag(o, at, 'startTls');
  const insecure = r.flag(o, at, 'insecure');
  if (url.startsWith('ldaps:') && startTls)
    r.fail([...at, 'startTls'], 'StartTLS is for ldap:// URLs; ldaps:// is TLS already');
  if (url.startsWith('ldap:') && !startTls && !insecure)
    r.fail(
      [...at, 'url'],
      'an ldap:// URL sends passwords in clear: use ldaps://HOST:636, or set startTls: true (or insecure: true to accept the risk)',
    );
  const bindDn = r.optionalText(o, at, 'bindDn');
  const bindPassword = r.secretFile(o, at, 'bindPasswordFile');
  if ((bindDn === null) !== (bindPassword === null))
    r.fail([...at, 'bindDn'], 'bindDn and bindPasswordFile go together');
  const userFilter = r.text(o, at, 'userFilter', '(uid={username})');
  if (!userFilter.includes('{username}')) r.fail([...at, 'userFilter'], 'must contain {username}');
  let groupSearch: LdapSettings['groupSearch'] = null;
  if (o.groupSearch !== undefined) {
    const g = o.groupSearch;
    if (!isObj(g)) r.fail([...at, 'groupSearch'], 'must be a mapping with base and filter');
    else {
      r.keys(g, [...at, 'groupSearch'], ['base', 'filter']);
      const filter = r.text(g, [...at, 'groupSearch'], 'filter', '(member={dn})');
      if (!filter.includes('{dn}')) r.fail([...at, 'groupSearch', 'filter'], 'must contain {dn}');
      groupSearch = { base: r.text(g, [...at, 'groupSearch'], 'base'), filter };
    }
  }
  const timeout = o.timeoutSeconds ?? 10;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 120)
    r.fail([...at, 'timeoutSeconds'], 'must be a whole number of seconds from 1 to 120');
  return {
    url,
    startTls,
    insecure,
    ca: r.pem(o, at, 'caFile'),
    bindDn,
    bindPassword,
    userBase: r.text(o, at, 'userBase'),
    userFilter,
    groupAttribute: groupSearch
      ? r.optionalText(o, at, 'groupAttribute')
      : r.text(o, at, 'groupAttribute', 'memberOf'),
    groupSearch,
    timeoutMs: (typeof timeout === 'number' ? timeout : 10) * 1000,
    label: r.text(o, at, 'label', 'Directory account'),
  };
}

function readMapping(r: Reader, m: unknown, i: number): RoleMapping | null {
  const at = ['auth', 'mappings', String(i)];
  if (!isObj(m)) {
    r.fail(at, 'must be a mapping with group, role and one of sites, siteGroups, allSites');
    return null;
  }
  r.keys(m, at, ['group', 'role', 'sites', 'siteGroups', 'allSites']);
  const group = r.text(m, at, 'group');
  const role = m.role;
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role))
    r.fail([...at, 'role'], `must be one of ${ROLES.join(', ')}`);
  const given = ['sites', 'siteGroups', 'allSites'].filter((k) => m[k] !== undefined);
  if (given.length !== 1) {
    r.fail(at, 'give exactly one scope: sites: [NAME…], siteGroups: [NAME…] or allSites: true');
    return null;
  }
  let scope: MappingScope;
  if (given[0] === 'allSites') {
    if (m.allSites !== true) r.fail([...at, 'allSites'], 'must be true (or use sites / siteGroups)');
    scope = { kind: 'all' };
  } else {
    const key = given[0]!;
    const names = r.strings(m, at, key, []);
    if (names.some((n) => n.length > 128)) r.fail([...at, key], 'a name has at most 128 characters');
    scope = { kind: key === 'sites' ? 'site' : 'group', names };
  }
  return { group, role: role as Role, scope };
}

/** Parses the `auth:` section of a collector config document (already read as plain data). */
export function readAuthSection(
  raw: unknown,
  file: string,
  lineOfPath: (path: readonly (string | number)[]) => number | null,
): AuthSettings {
  const r = new Reader(file, lineOfPath);
  if (raw === undefined || raw === null) return NO_DIRECTORY;
  if (!isObj(raw)) {
    r.fail(['auth'], 'must be a mapping with oidc, ldap and mappings');
    throw configError(r.problems);
  }
  r.keys(raw, ['auth'], ['oidc', 'ldap', 'mappings']);
  const oidc = raw.oidc === undefined ? null : isObj(raw.oidc) ? readOidc(r, raw.oidc) : null;
  if (raw.oidc !== undefined && !isObj(raw.oidc)) r.fail(['auth', 'oidc'], 'must be a mapping');
  const ldap = raw.ldap === undefined ? null : isObj(raw.ldap) ? readLdap(r, raw.ldap) : null;
  if (raw.ldap !== undefined && !isObj(raw.ldap)) r.fail(['auth', 'ldap'], 'must be a mapping');
  const list = raw.mappings ?? [];
  const mappings: RoleMapping[] = [];
  if (!Array.isArray(list)) r.fail(['auth', 'mappings'], 'must be a list');
  else
    list.forEach((m, i) => {
      const mapping = readMapping(r, m, i);
      if (mapping) mappings.push(mapping);
    });
  if ((oidc || ldap) && mappings.length === 0)
    r.fail(['auth', 'mappings'], 'directory sign-in needs at least one group → role mapping');
  if (r.problems.length > 0) throw configError(r.problems);
  return deepFreeze({ oidc, ldap, mappings });
}

function configError(problems: readonly string[]): CamsweepError {
  return new CamsweepError('E_CONFIG', `collector config:\n  ${problems.join('\n  ')}`, {
    fix: 'correct the named keys; src/collector/README.md ("Directory sign-in") documents the auth section',
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export interface CollectorConfig {
  readonly auth: AuthSettings;
}

/** Reads the collector config file and validates its `auth:` section. */
export function loadCollectorConfig(file: string): CollectorConfig {
  const config = readCollectorConfigFile(file);
  return { auth: readAuthSection(config.sections.auth, file, config.lineOfPath) };
}
