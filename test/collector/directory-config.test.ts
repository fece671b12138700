/**
 * The collector config's auth section: what a mistyped or unsafe config is told (file:line key:
 * message), that secrets come only from files, and how directory groups become grants. Also
 * that `camsweep collector serve --config` refuses a bad file before it listens.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../agent/commands/collector.js';
import type { CommandIO } from '../../agent/commands/io.js';
import { loadCollectorConfig } from '../../src/collector/auth/config.js';
import { grantsFor } from '../../src/collector/auth/directory-users.js';
import { LdapSignIn } from '../../src/collector/auth/ldap.js';
import { CamsweepError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { freePort, startCollector, tempDir } from './harness.js';
import { loginError } from './peers/sign-in.js';

const dir = tempDir('csw-authcfg-');
afterAll(() => dir.remove());
const secret = join(dir.path, 'secret');
writeFileSync(secret, 's3cret-value\n');
chmodSync(secret, 0o600);

function load(text: string) {
  const file = join(dir.path, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  try {
    return { config: loadCollectorConfig(file), file, error: '' };
  } catch (err) {
    expect(err).toBeInstanceOf(CamsweepError);
    return { config: null, file, error: (err as Error).message.replaceAll(file, 'FILE') };
  }
}

const OIDC = `  oidc:
    issuer: https://login.microsoftonline.com/0000/v2.0
    clientId: 11111111-2222-3333-4444-555555555555
    clientSecretFile: ${secret}
    redirectUri: https://collector.example.org/login/oidc/callback
`;

describe('collector config: auth section', () => {
  it('reads a complete section with secrets from files and defaults filled in', () => {
    const { config, error } = load(`auth:
${OIDC}  ldap:
    url: ldaps://dc1.example.org:636
    bindDn: CN=svc-camsweep,OU=Service,DC=example,DC=org
    bindPasswordFile: ${secret}
    userBase: DC=example,DC=org
    userFilter: (sAMAccountName={username})
  mappings:
    - group: CN=CamSweep Auditors,OU=Groups,DC=example,DC=org
      role: auditor
      allSites: true
    - group: 9a8b7c6d-0000-4000-8000-000000000001
      role: operator
      sites: [school-east, school-west]
`);
    expect(error).toBe('');
    expect(config!.auth.oidc).toMatchObject({
      clientSecret: 's3cret-value',
      scopes: ['openid', 'profile', 'email'],
      groupsClaim: 'groups',
      usernameClaim: 'preferred_username',
    });
    expect(config!.auth.ldap).toMatchObject({
      bindPassword: 's3cret-value',
      groupAttribute: 'memberOf',
      startTls: false,
    });
    expect(config!.auth.mappings[1]).toEqual({
      group: '9a8b7c6d-0000-4000-8000-000000000001',
      role: 'operator',
      scope: { kind: 'site', names: ['school-east', 'school-west'] },
    });
    expect(Object.isFrozen(config!.auth.mappings[0])).toBe(true);
  });

  it('names file, line and key for each mistake, all at once', () => {
    const { error } = load(`auth:
  oidc:
    issuer: https://idp.example.org
    clientId: camsweep
    clientSecret: inline-secret
    redirectUri: https://collector.example.org/login/oidc/callback
  mappings:
    - group: admins
      role: superuser
      allSites: true
    - group: staff
      role: viewer
      sites: [a]
      allSites: true
`);
    expect(error).toContain('FILE:5 auth.oidc.clientSecret: unknown key');
    expect(error).toContain(
      'FILE:9 auth.mappings.0.role: must be one of viewer, auditor, operator, approver, admin',
    );
    expect(error).toContain('FILE:11 auth.mappings.1: give exactly one scope');
  });

  it('refuses plain LDAP unless insecure is set (then warns), and StartTLS on an ldaps URL', async () => {
    const ldap = (extra: string) => `auth:
  ldap:
    url: ${extra.includes('ldaps') ? 'ldaps://dc1.example.org' : 'ldap://dc1.example.org'}
    userBase: DC=example,DC=org
${extra
  .split('\n')
  .filter((l) => l && !l.includes('ldaps'))
  .map((l) => `    ${l}`)
  .join('\n')}
  mappings:
    - {group: g, role: viewer, allSites: true}
`;
    expect(load(ldap('')).error).toMatch(/FILE:3 auth\.ldap\.url: an ldap:\/\/ URL sends passwords in clear/);
    expect(load(ldap('startTls: true')).error).toBe('');
    expect(load(ldap('insecure: true')).error).toBe('');
    // insecure is allowed, and said out loud: the collector's log warns when the LDAP client is made.
    const lines: string[] = [];
    const sink = new PassThrough().on('data', (b: Buffer) => lines.push(b.toString()));
    new LdapSignIn(load(ldap('insecure: true')).config!.auth.ldap!, pino({ level: 'warn' }, sink));
    new LdapSignIn(load(ldap('startTls: true')).config!.auth.ldap!, pino({ level: 'warn' }, sink));
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: expect.stringContaining('clear text') });
    expect(load(ldap('ldaps\nstartTls: true')).error).toContain(
      'auth.ldap.startTls: StartTLS is for ldap:// URLs',
    );
    expect(load(ldap('startTls: true\nuserFilter: (uid=alice)')).error).toContain('must contain {username}');
  });

  it('refuses a secret file it cannot read, a directory without mappings, and unknown sections', () => {
    expect(
      load(
        `auth:\n${OIDC.replace(secret, join(dir.path, 'missing'))}  mappings: [{group: g, role: viewer, allSites: true}]\n`,
      ).error,
    ).toMatch(/auth\.oidc\.clientSecretFile: cannot read .*missing: ENOENT/);
    expect(load(`auth:\n${OIDC}`).error).toContain(
      'directory sign-in needs at least one group → role mapping',
    );
    expect(load('listen: 0.0.0.0:8443\n').error).toContain('FILE:1 listen: unknown section');
    expect(load('auth: [1, 2]\n').error).toContain('auth: must be a mapping');
  });

  it('maps groups to grants: DNs case- and space-insensitively, OIDC values exactly, without repeats', () => {
    const mappings = load(`auth:
  mappings:
    - {group: "CN=Ops, OU=Groups, DC=example, DC=org", role: operator, sites: [a, b]}
    - {group: "cn=ops,ou=groups,dc=example,dc=org", role: operator, sites: [a]}
    - {group: Ab-12, role: viewer, siteGroups: [schools]}
`).config!.auth.mappings;
    expect(grantsFor(mappings, ['cn=OPS,ou=groups,dc=EXAMPLE,dc=org'], 'ldap')).toEqual([
      { role: 'operator', kind: 'site', name: 'a' },
      { role: 'operator', kind: 'site', name: 'b' },
    ]);
    expect(grantsFor(mappings, ['ab-12'], 'oidc')).toEqual([]);
    expect(grantsFor(mappings, ['Ab-12'], 'oidc')).toEqual([
      { role: 'viewer', kind: 'group', name: 'schools' },
    ]);
  });

  it('makes `collector serve --config` stop on a bad file before opening a port', async () => {
    const { file } = load('auth:\n  ldap:\n    url: ldap://dc1.example.org\n');
    const io: CommandIO = {
      isTTY: false,
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      env: {},
      log: silentLogger,
      signal: new AbortController().signal,
    };
    await expect(
      run(
        ['serve', '--config', file, '--db', join(dir.path, 'never.db'), '--listen', '127.0.0.1:0'],
        io as never,
      ),
    ).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('auth.ldap.url') });
  });
});

describe('sign-in page with directory methods configured', () => {
  it('shows the configured methods with their labels escaped, and says when the IdP cannot be reached', async () => {
    const port = await freePort();
    const { config } = load(`auth:
  oidc:
    issuer: https://127.0.0.1:${port}
    clientId: camsweep
    redirectUri: http://127.0.0.1:8443/login/oidc/callback
    label: "<script>alert(1)</script>"
  ldap:
    url: ldaps://127.0.0.1:${port}
    userBase: dc=example,dc=org
    label: "<img src=x onerror=alert(2)>"
  mappings:
    - {group: g, role: viewer, allSites: true}
`);
    const c = await startCollector(join(dir.path, 'page.db'), { auth: config!.auth });
    try {
      const page = await c.app.inject({ method: 'GET', url: '/login' });
      expect(page.body).toContain('Sign in with &lt;script&gt;alert(1)&lt;/script&gt;</a>');
      expect(page.body).toContain('&lt;img src=x onerror=alert(2)&gt;');
      expect(page.body).not.toContain('<script>');
      expect(page.body).not.toContain('<img');
      expect(page.body).toMatch(/<input type="radio" name="method" value="ldap" checked>/);
      // Nothing listens on the issuer's port: the page says so instead of failing with a 500.
      const sso = await c.app.inject({ method: 'GET', url: '/login/oidc' });
      expect(sso.statusCode).toBe(503);
      expect(loginError(sso.body)).toBe(
        `Single sign-on is unavailable: the identity provider (127.0.0.1:${port}) cannot be reached.`,
      );
    } finally {
      await c.stop();
    }
  });
});
