import { describe, expect, it } from 'vitest';
import {
  DigestSession,
  digestAuthorization,
  parseAuthenticate,
  pickDigestChallenge,
} from '../../../../src/agent/probes/shared/digest.js';
import { cpuMillis } from '../../../helpers/cpu-time.js';

// RFC 7616 §3.9.1 worked example.
const rfc = {
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};
const rfcHeaders = [
  `Digest realm="${rfc.realm}", qop="auth, auth-int", algorithm=SHA-256, nonce="${rfc.nonce}", opaque="${rfc.opaque}"`,
  `Digest realm="${rfc.realm}", qop="auth, auth-int", algorithm=MD5, nonce="${rfc.nonce}", opaque="${rfc.opaque}"`,
];

function responseOf(header: string): string | undefined {
  return /response="([^"]+)"/.exec(header)?.[1];
}

describe('RFC 7616 digest', () => {
  it('matches the RFC 7616 §3.9.1 MD5 and SHA-256 responses', () => {
    const base = {
      username: 'Mufasa',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nc: 1,
      cnonce: rfc.cnonce,
    };
    const sha = pickDigestChallenge(rfcHeaders)!;
    expect(sha.algorithm).toBe('SHA-256'); // preferred when both are offered
    expect(responseOf(digestAuthorization({ ...base, challenge: sha }))).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
    const md5 = pickDigestChallenge(rfcHeaders[1])!;
    const header = digestAuthorization({ ...base, challenge: md5 });
    expect(responseOf(header)).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(header).toContain('qop=auth, nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"');
    expect(header).toContain(`opaque="${rfc.opaque}"`);
  });

  it('reads the Dahua ONVIF and Hikvision challenges of docs/protocols.md §1.6', () => {
    const dahua = pickDigestChallenge(
      'Digest realm="Login to 2J01018PAA00813",qop="auth",nonce="b252aWYtZGlnZXN0OjQzMjYxNjc5MTQw",opaque="",stale="false"',
    )!;
    expect(dahua).toMatchObject({
      realm: 'Login to 2J01018PAA00813',
      qop: 'auth',
      opaque: '',
      stale: false,
      algorithm: 'MD5',
    });
    const hik = pickDigestChallenge(
      'Digest qop="auth", realm="DS-2CD2310FD-I", nonce="4e5551", stale="FALSE"',
    )!;
    expect(hik).toMatchObject({ realm: 'DS-2CD2310FD-I', nonce: '4e5551', stale: false });
  });

  it('splits several challenges in one header value and ignores Basic', () => {
    const list = parseAuthenticate('Basic realm="cam", Digest realm="x", nonce="n", qop="auth"');
    expect(list.map((c) => c.scheme)).toEqual(['basic', 'digest']);
    expect(pickDigestChallenge('Basic realm="cam"')).toBeNull();
    expect(pickDigestChallenge('Digest realm="x", nonce="n", algorithm=SHA-512-256')).toBeNull();
    expect(pickDigestChallenge('Digest realm="x"')).toBeNull(); // no nonce
  });

  it('answers an RFC 2069 challenge (no qop) without nc/cnonce', () => {
    const header = digestAuthorization({
      challenge: pickDigestChallenge('Digest realm="r", nonce="n"')!,
      username: 'u',
      password: 'p',
      method: 'POST',
      uri: '/onvif/device_service',
      nc: 1,
    });
    expect(header).not.toContain('nc=');
    expect(header).not.toContain('opaque');
  });

  it('escapes quotes in the username and handles escaped quotes in the challenge', () => {
    const c = pickDigestChallenge('Digest realm="a \\"b\\"", nonce="n", qop=auth')!;
    expect(c.realm).toBe('a "b"');
    const header = digestAuthorization({
      challenge: c,
      username: 'x"y',
      password: 'p',
      method: 'GET',
      uri: '/',
      nc: 1,
    });
    expect(header).toContain('username="x\\"y"');
  });

  it('never throws on garbage and bounds its work on huge headers', () => {
    for (const junk of [
      '',
      ',,,',
      '=',
      'Digest ===',
      'Digest realm="unterminated',
      '\u0000\u0001',
      'Digest ;;; nonce="x"',
    ]) {
      expect(() => parseAuthenticate(junk)).not.toThrow();
    }
    const cpu = cpuMillis(() => {
      parseAuthenticate(`Digest ${'a=b, '.repeat(2_000_000)}`);
    });
    expect(cpu).toBeLessThan(500);
  });
});

describe('DigestSession', () => {
  it('counts nc up on one nonce and restarts it on a new nonce', () => {
    const s = new DigestSession('admin', 'pw');
    expect(s.ready).toBe(false);
    expect(s.accept('Digest realm="r", nonce="n1", qop="auth"')).toBe(true);
    expect(s.authorization({ method: 'GET', uri: '/' })).toContain('nc=00000001');
    expect(s.authorization({ method: 'GET', uri: '/' })).toContain('nc=00000002');
    s.accept('Digest realm="r", nonce="n2", qop="auth"');
    expect(s.authorization({ method: 'GET', uri: '/' })).toContain('nc=00000001');
  });

  it('allows exactly one retry after stale=true, and none after a plain refusal', () => {
    const s = new DigestSession('admin', 'pw');
    s.accept('Digest realm="r", nonce="n1", qop="auth"');
    expect(s.retryAfterStale('Digest realm="r", nonce="n2", qop="auth"')).toBe(false);
    expect(s.retryAfterStale('Digest realm="r", nonce="n3", qop="auth", stale=TRUE')).toBe(true);
    expect(s.retryAfterStale('Digest realm="r", nonce="n4", qop="auth", stale=true')).toBe(false);
  });
});
