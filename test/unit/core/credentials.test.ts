import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CredentialStore, loadCredentials, parseCredentials } from '../../../src/agent/credentials.js';
import { CamsweepError } from '../../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'camsweep-cred-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SITE = `
entries:
  - targets: [10.20.0.0/16]
    http: { username: admin, password: "site-wide-secret" }
    snmp:
      communities: ["municipal-ro"]
      v3:
        - { username: camsweep, authProtocol: sha, authKey: "auth-secret-1", privProtocol: aes, privKey: "priv-secret-1" }
  - targets: [10.20.5.0/24]
    http: { username: admin, password: "building-5-secret" }
  - targets: ["10.20.5.17", 10.20.5.40-10.20.5.49]
    http: { username: viewer, password: "camera-17-secret" }
    onvif: { username: onvif-ro, password: "onvif-secret" }
`;

function expectError(fn: () => unknown, pattern: RegExp): CamsweepError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CamsweepError);
    expect((err as CamsweepError).message).toMatch(pattern);
    return err as CamsweepError;
  }
  throw new Error('expected an error');
}

describe('credential matching', () => {
  const store = parseCredentials(SITE, 'creds.yaml');

  it('picks the most specific entry per protocol', () => {
    expect(store.forHost('10.20.9.9').http?.password).toBe('site-wide-secret');
    expect(store.forHost('10.20.5.9').http?.password).toBe('building-5-secret');
    expect(store.forHost('10.20.5.17').http?.username).toBe('viewer');
    expect(store.forHost('10.20.5.45').http?.password).toBe('camera-17-secret');
    // The /32 entry sets no SNMP, so the site-wide SNMP still applies there.
    expect(store.forHost('10.20.5.17').snmp?.communities).toEqual(['municipal-ro']);
    expect(store.forHost('10.21.0.1')).toEqual({ http: null, onvif: null, snmp: null });
    expect(store.forHost('not an ip').http).toBeNull();
  });

  it('falls back from onvif to the http login unless onvif is set', () => {
    expect(store.forHost('10.20.5.9').onvif?.password).toBe('building-5-secret');
    expect(store.forHost('10.20.5.17').onvif?.username).toBe('onvif-ro');
    expect(store.forHost('10.20.1.1').snmp?.v3[0]).toMatchObject({
      username: 'camsweep',
      authKey: 'auth-secret-1',
    });
  });

  it('keeps the earlier entry on a tie', () => {
    const tie = parseCredentials(
      'entries:\n  - targets: [10.0.0.0/24]\n    http: {username: a, password: "first"}\n  - targets: [10.0.0.0/24]\n    http: {username: b, password: "second"}\n',
      'tie.yaml',
    );
    expect(tie.forHost('10.0.0.5').http?.password).toBe('first');
  });

  it('never reveals a secret through JSON, inspect or string conversion', () => {
    const secrets = [
      'site-wide-secret',
      'building-5-secret',
      'camera-17-secret',
      'onvif-secret',
      'municipal-ro',
      'auth-secret-1',
      'priv-secret-1',
    ];
    const views = [
      JSON.stringify(store),
      inspect(store, { depth: 10, showHidden: true }),
      String(store),
      JSON.stringify(store.forHost('10.20.5.17')),
      inspect(store.forHost('10.20.5.17'), { depth: 10 }),
      JSON.stringify(store.forHost('10.20.1.1')),
      inspect(store.forHost('10.20.1.1'), { depth: 10 }),
      `${store.forHost('10.20.1.1').http}`,
    ];
    for (const view of views) for (const s of secrets) expect(view).not.toContain(s);
    expect(JSON.stringify(store.forHost('10.20.5.17').http)).toContain('viewer');
  });

  it('is frozen: a probe cannot change another probe’s login', () => {
    const http = store.forHost('10.20.5.17').http!;
    expect(() => {
      (http as { password: string }).password = 'x';
    }).toThrow();
  });

  it('accepts the shipped example file as documented', () => {
    const path = new URL('../../../agent/credentials.example.yaml', import.meta.url);
    const example = parseCredentials(readFileSync(path, 'utf8'), 'credentials.example.yaml');
    expect(example.forHost('10.20.5.17').http?.username).toBe('viewer');
    expect(example.forHost('10.20.5.3').onvif?.username).toBe('onvif-reader');
    expect(example.forHost('10.20.9.1').snmp?.v3[0]).toMatchObject({
      authProtocol: 'sha',
      privProtocol: 'aes',
    });
  });

  it('treats an empty file as no credentials', () => {
    expect(parseCredentials('', 'empty.yaml').size).toBe(0);
    expect(CredentialStore.empty().forHost('10.0.0.1').http).toBeNull();
  });
});

describe('credentials file permissions', () => {
  it('refuses a file group or others can read, and says chmod 600', () => {
    const path = join(dir, 'open.yaml');
    writeFileSync(path, SITE);
    chmodSync(path, 0o644);
    const err = expectError(() => loadCredentials(path), /accessible by group or others \(mode 0644\)/);
    expect(err.fix).toBe(`chmod 600 ${path}`);
    chmodSync(path, 0o640);
    expectError(() => loadCredentials(path), /mode 0640/);
    chmodSync(path, 0o602);
    expectError(() => loadCredentials(path), /mode 0602/);
  });

  it('loads a 0600 file', () => {
    const path = join(dir, 'ok.yaml');
    writeFileSync(path, SITE, { mode: 0o600 });
    chmodSync(path, 0o600);
    expect(loadCredentials(path).size).toBe(3);
    chmodSync(path, 0o400);
    expect(loadCredentials(path).size).toBe(3);
  });

  it('names a missing file and a directory', () => {
    expectError(() => loadCredentials(join(dir, 'missing.yaml')), /cannot read credentials file/);
    expectError(() => loadCredentials(dir), /not a regular file/);
  });
});

describe('hostile or mistaken credentials YAML', () => {
  const bad = (text: string, pattern: RegExp) => expectError(() => parseCredentials(text, 'c.yaml'), pattern);

  it('refuses aliases, so an alias bomb never expands', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'entries: [*d]',
    ].join('\n');
    bad(bomb, /unknown key/);
    bad('x: &l {username: a, password: "p"}\nentries:\n  - targets: [10.0.0.1]\n    http: *l\n', /aliases/);
  });

  it('refuses tags, unknown keys, __proto__ and duplicate keys with file:line', () => {
    bad(
      'entries:\n  - targets: [10.0.0.1]\n    http: !!js/function "x"\n',
      /c\.yaml:3 entries\[0\]\.http: must be a mapping|tag/,
    );
    bad(
      'entries:\n  - targets: [10.0.0.1]\n    htp: {username: a, password: "b"}\n',
      /c\.yaml:3 entries\[0\]\.htp: unknown key/,
    );
    bad(
      'entries:\n  - targets: [10.0.0.1]\n    __proto__: {polluted: true}\n    http: {username: a, password: "b"}\n',
      /__proto__: unknown key/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    bad(
      'entries:\n  - targets: [10.0.0.1]\n    http: {username: a, password: "b", password: "c"}\n',
      /YAML syntax error/,
    );
  });

  it('asks for quotes instead of changing a numeric or boolean password', () => {
    bad(
      'entries:\n  - targets: [10.0.0.1]\n    http: {username: admin, password: 0123}\n',
      /password: must be text; put the value in quotes/,
    );
    bad(
      'entries:\n  - targets: [10.0.0.1]\n    http: {username: admin, password: true}\n',
      /c\.yaml:3 .*put the value in quotes/,
    );
    // YAML 1.2 core schema: `yes` is text, so it stays the password it looks like.
    const yes = parseCredentials(
      'entries:\n  - targets: [10.0.0.1]\n    http: {username: admin, password: yes}\n',
      'c.yaml',
    );
    expect(yes.forHost('10.0.0.1').http?.password).toBe('yes');
  });

  it('rejects bad targets and missing pieces', () => {
    bad('entries:\n  - targets: [10.0.0.0/33]\n    http: {username: a, password: "b"}\n', /prefix length/);
    bad('entries:\n  - targets: [example.com]\n    http: {username: a, password: "b"}\n', /not an IPv4/);
    bad('entries:\n  - http: {username: a, password: "b"}\n', /needs targets/);
    bad('entries:\n  - targets: [10.0.0.1]\n', /sets no credentials/);
    bad('entries:\n  - targets: [10.0.0.1]\n    http: {username: a}\n', /password: is required/);
    bad('entries:\n  - targets: []\n    http: {username: a, password: "b"}\n', /at least one target/);
    bad('entries: 5\n', /must be a list/);
    bad('- 1\n- 2\n', /must be a mapping/);
    bad(
      'entries:\n  - targets: [10.0.0.1]\n    snmp: {v3: [{username: u, authProtocol: sha, authKey: "short"}]}\n',
      /at least 8 characters/,
    );
    bad(
      'entries:\n  - targets: [10.0.0.1]\n    snmp: {v3: [{username: u, authProtocol: rot13, authKey: "longenough"}]}\n',
      /must be one of/,
    );
  });

  it('never echoes a secret in a syntax error', () => {
    const err = bad(
      'entries:\n  - targets: [10.0.0.1]\n    http: {username: a, password: "hunter2-secret\n',
      /YAML syntax error/,
    );
    expect(err.message).not.toContain('hunter2');
  });

  it('survives random and truncated input without crashing or hanging', () => {
    const started = Date.now();
    for (let cut = 0; cut < SITE.length; cut += 7) {
      try {
        parseCredentials(SITE.slice(0, cut), 'cut.yaml');
      } catch (err) {
        expect(err).toBeInstanceOf(CamsweepError);
      }
    }
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const alphabet = 'entries:-[]{}&*!|>"\' \n\t10./24,username:password:';
    for (let i = 0; i < 300; i++) {
      let text = '';
      for (let j = 0; j < 200; j++) text += alphabet[rnd() % alphabet.length];
      try {
        parseCredentials(text, 'fuzz.yaml');
      } catch (err) {
        expect(err).toBeInstanceOf(CamsweepError);
      }
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
