import { describe, expect, it } from 'vitest';
import {
  bodyText,
  dahuaLoginChallenge,
  headerKeyName,
  htmlTitle,
  iconLink,
  looksLikeHtml,
  quirkName,
  realmsOf,
  redecodeLatin1,
  refineQuirk,
  sameOriginRedirect,
} from '../../../../src/agent/probes/http/codec.js';
import { hintsOf } from '../../../../src/agent/probes/http/hints.js';
import { distinguishedName } from '../../../../src/agent/probes/http/tls-cert.js';
import type { HttpResponse } from '../../../../src/agent/probes/http/wire.js';
import { normaliseMac } from '../../../../src/core/mac.js';
import { cpuMillis } from '../../../helpers/cpu-time.js';

const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

describe('header values', () => {
  it('re-decodes UTF-8 sent as latin1, keeps real latin1 and plain ASCII', () => {
    expect(redecodeLatin1(latin1('Login to 摄像机'))).toBe('Login to 摄像机');
    expect(redecodeLatin1('caf\u00e9')).toBe('caf\u00e9'); // lone 0xE9 is not UTF-8
    expect(redecodeLatin1('App-webs/')).toBe('App-webs/');
    expect(redecodeLatin1('already ☃')).toBe('already ☃');
  });

  it('turns only token header names into key suffixes', () => {
    expect(headerKeyName('X-Frame-Options')).toBe('x-frame-options');
    expect(headerKeyName('bad name')).toBeNull();
    expect(headerKeyName('a.b')).toBe('a.b');
    expect(headerKeyName('x'.repeat(65))).toBeNull();
    expect(headerKeyName('')).toBeNull();
    expect(headerKeyName('\u001b[31m')).toBeNull();
  });
});

describe('WWW-Authenticate realms', () => {
  it('reads Hikvision, Dahua and multi-challenge headers', () => {
    expect(
      realmsOf(['Digest qop="auth", realm="IP Camera(C2183)", nonce="4e5468694e7a3d3d", stale="FALSE"']),
    ).toEqual(['IP Camera(C2183)']);
    expect(
      realmsOf([
        'Digest realm="Login to 4C045ADPAG60CD", qop="auth", nonce="1", opaque="x"',
        'Basic realm="hikvision"',
      ]),
    ).toEqual(['Login to 4C045ADPAG60CD', 'hikvision']);
    expect(realmsOf(['Digest realm="a", nonce="1", Basic realm="b"'])).toEqual(['a', 'b']);
    expect(realmsOf(['Basic realm=unquoted'])).toEqual(['unquoted']);
    expect(realmsOf(['Digest realm="same"', 'Digest realm="same"'])).toEqual(['same']);
  });

  it('survives garbage without throwing or hanging', () => {
    expect(realmsOf(['', ',,,', '=', 'realm="no scheme"', 'Digest realm="unterminated'])).toEqual(
      expect.any(Array),
    );
    const cpu = cpuMillis(() => {
      realmsOf([
        `Digest ${'a=b, '.repeat(50_000)}`,
        '"'.repeat(100_000),
        `Digest realm="${'\\'.repeat(100_000)}"`,
      ]);
    });
    expect(cpu).toBeLessThan(2000);
  });
});

describe('HTML title', () => {
  it('collapses whitespace, decodes entities, ignores commented titles', () => {
    expect(htmlTitle('<html><head><TITLE lang=en>\n  Web &amp; Client &#x263A; &#9731;\n</title>')).toBe(
      'Web & Client ☺ ☃',
    );
    expect(htmlTitle('<!-- <title>old</title> --><title>new</title>')).toBe('new');
    expect(htmlTitle('<title></title>')).toBeNull();
    expect(htmlTitle('<title>unterminated')).toBeNull();
    expect(htmlTitle('no title here')).toBeNull();
    expect(htmlTitle('<title>&#0; &#xD800; &bogus;</title>')).toBe('&#0; &#xD800; &bogus;');
    expect(htmlTitle('<titlex>no</titlex><title>yes</title>')).toBe('yes');
    expect(htmlTitle('<İ><title>after non-ASCII İ</title>')).toBe('after non-ASCII İ');
  });

  it('stays fast on pathological markup', () => {
    const cpu = cpuMillis(() => {
      htmlTitle('<title'.repeat(20_000));
      htmlTitle(`<!--${'<title>'.repeat(20_000)}`);
      htmlTitle(`<title>${'&#1'.repeat(30_000)}</title>`);
      htmlTitle('<!--'.repeat(20_000));
      htmlTitle(`${'<!---->'.repeat(9000)}<title>late</title>`);
      sameOriginRedirect(undefined, '<meta http-equiv=refresh '.repeat(3000));
      sameOriginRedirect(undefined, 'location = '.repeat(3000));
      iconLink('<link rel=icon '.repeat(5000));
      iconLink(`<link ${'rel= '.repeat(10_000)}>`);
    });
    expect(cpu).toBeLessThan(300);
  });

  it('recognises HTML by type or by content', () => {
    expect(looksLikeHtml('text/html; charset=utf-8', '')).toBe(true);
    expect(looksLikeHtml(undefined, '  <!DOCTYPE html><html>')).toBe(true);
    expect(looksLikeHtml('application/xml', '<?xml version="1.0"?><DeviceInfo/>')).toBe(false);
  });
});

describe('same-origin redirects and icons', () => {
  it('follows Location, meta refresh and location.href scripts to paths on the same host', () => {
    expect(sameOriginRedirect('/doc/index.html', '')).toBe('/doc/index.html');
    expect(
      sameOriginRedirect(undefined, '<meta http-equiv="refresh" content="0; url=/doc/page/login.asp">'),
    ).toBe('/doc/page/login.asp');
    expect(
      sameOriginRedirect(
        undefined,
        '<script>window.location.href = "doc/page/login.asp?_" + (new Date()).getTime();</script>',
      ),
    ).toBe('/doc/page/login.asp');
    expect(sameOriginRedirect('/doc/index.html?lang=en', '')).toBe('/doc/index.html?lang=en');
  });

  it('never leaves the origin', () => {
    for (const target of [
      'http://evil.example/',
      '//evil.example/x',
      'https://10.0.0.9/',
      'javascript:alert(1)',
      'data:text/html,x',
    ]) {
      expect(sameOriginRedirect(target, '')).toBeNull();
    }
    expect(sameOriginRedirect(undefined, `<script>location.href="${'/'.repeat(300)}"</script>`)).toBeNull();
  });

  it('finds the page favicon link', () => {
    expect(iconLink('<link rel="shortcut icon" href="/favicon.ico?v=2">')).toBe('/favicon.ico?v=2');
    expect(iconLink('<link href="img/fav.png" rel=icon>')).toBe('/img/fav.png');
    expect(
      iconLink('<link rel="stylesheet" href="/a.css"><link rel="icon" href="https://cdn.example/x.ico">'),
    ).toBeNull();
    expect(iconLink('')).toBeNull();
  });
});

describe('Dahua login challenge (RPC2_Login stage 1, docs/protocols.md §5.3)', () => {
  const capture =
    '{"error":{"code":268632079,"message":"Component error: login challenge!"},"params":{"authorization":"a1b2","encryption":"Default","mac":"3CEF8C6101C0","random":"3734299","realm":"Login to 4C045ADPAG60CD"},"result":false,"session":123}';

  it('reads realm and MAC', () => {
    expect(dahuaLoginChallenge(capture)).toEqual({
      realm: 'Login to 4C045ADPAG60CD',
      mac: '3c:ef:8c:61:01:c0',
      locked: false,
    });
  });

  it('recognises a locked account', () => {
    expect(
      dahuaLoginChallenge('{"error":{"code":268632081,"message":"User locked!"},"result":false}')?.locked,
    ).toBe(true);
  });

  it('rejects non-JSON, wrong shapes and hostile values', () => {
    for (const text of ['', 'null', '[]', '"x"', '{', '{"params":5}', '{"result":true}', '<html>']) {
      expect(dahuaLoginChallenge(text)).toBeNull();
    }
    expect(dahuaLoginChallenge('{"params":{"realm":7,"mac":"zz"},"error":{"code":"268632081"}}')).toEqual({
      realm: null,
      mac: null,
      locked: false,
    });
    expect(dahuaLoginChallenge('{"__proto__":{"polluted":1},"params":{"realm":"r"}}')?.realm).toBe('r');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('normalises MAC spellings and refuses junk', () => {
    expect(normaliseMac('3c-ef-8c-61-01-c0')).toBe('3c:ef:8c:61:01:c0');
    expect(normaliseMac('3CEF.8C61.01C0')).toBe('3c:ef:8c:61:01:c0');
    expect(normaliseMac('000000000000')).toBeNull();
    expect(normaliseMac('3CEF8C6101C')).toBeNull();
  });
});

describe('lenient quirk names', () => {
  it('names the quirks from llhttp codes or from undici 7 messages', () => {
    expect(quirkName('HPE_LF_EXPECTED')).toBe('bare-lf');
    expect(
      quirkName(
        undefined,
        'Response does not match the HTTP/1.1 protocol (Missing expected CR after response line)',
      ),
    ).toBe('bare-lf');
    expect(
      quirkName(undefined, 'Response does not match the HTTP/1.1 protocol (Invalid header value char)'),
    ).toBe('invalid-header-character');
    expect(
      quirkName(
        'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
        'Response body length does not match content-length header',
      ),
    ).toBe('content-length-mismatch');
    expect(quirkName('HPE_UNEXPECTED_CONTENT_LENGTH')).toBe('content-length-with-transfer-encoding');
    expect(quirkName(undefined, 'something new')).toBe('parser-error');
    expect(quirkName(undefined)).toBe('parser-error');
  });

  it('prefers CL+TE when the lenient read shows both framing headers', () => {
    expect(refineQuirk('content-length-mismatch', ['server', 'content-length', 'transfer-encoding'])).toBe(
      'content-length-with-transfer-encoding',
    );
    expect(refineQuirk('bare-lf', ['content-length'])).toBe('bare-lf');
  });
});

describe('body text', () => {
  it('decodes UTF-8 and falls back to latin1 byte-for-byte', () => {
    expect(bodyText(Buffer.from('摄像机', 'utf8'))).toBe('摄像机');
    expect(bodyText(Buffer.from([0x63, 0xe9, 0xff]))).toBe('c\u00e9\u00ff');
  });
});

describe('vendor hints', () => {
  const response = (headers: Array<[string, string]>, body = ''): HttpResponse => ({
    status: 200,
    headers,
    body: Buffer.from(body),
    truncated: false,
    lenient: null,
  });

  it('sees Hikvision and Dahua tells, and nothing in a generic server', () => {
    expect(hintsOf(response([['server', 'App-webs/']]))).toEqual(['hikvision']);
    expect(hintsOf(response([['server', 'DNVRS-Webs']]))).toEqual(['hikvision']);
    expect(
      hintsOf(response([['www-authenticate', 'Digest realm="Login to 4C045ADPAG60CD", nonce="1"']])),
    ).toEqual(['dahua']);
    expect(hintsOf(response([], '<script src="/RPC2_Login"></script>'))).toEqual(['dahua']);
    expect(hintsOf(response([['server', 'GoAhead-Webs']]))).toEqual([]);
    expect(hintsOf(response([['server', 'nginx']], '<title>Router</title>'))).toEqual([]);
    expect(hintsOf(response([['www-authenticate', 'Basic realm="Login to the router"']]))).toEqual([]);
  });
});

describe('certificate names', () => {
  it('writes RFC 4514 order and escapes specials', () => {
    expect(
      distinguishedName({
        C: 'CN',
        ST: 'ZheJiang',
        L: 'HangZhou',
        O: 'HIKVISION',
        OU: 'DVRNVR',
        CN: 'www.hikvision.com',
      }),
    ).toBe('CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN');
    expect(distinguishedName({ O: 'A, Inc.', CN: '#1 cam ' })).toBe('CN=\\#1 cam\\ ,O=A\\, Inc.');
    expect(distinguishedName({ OU: ['a', 'b'] })).toBe('OU=b,OU=a');
    expect(distinguishedName(undefined)).toBe('');
  });
});
