import { describe, expect, it } from 'vitest';
import {
  buildRequest,
  challengeRealm,
  MAX_HEAD_BYTES,
  parseReply,
} from '../../../../src/agent/probes/rtsp/codec.js';

const reply = (text: string) => parseReply(Buffer.from(text, 'latin1'));

describe('rtsp codec', () => {
  it('builds read-only requests with CSeq and, for DESCRIBE, an SDP Accept', () => {
    expect(buildRequest('OPTIONS', 'rtsp://10.0.0.1:554/', 1).toString()).toBe(
      'OPTIONS rtsp://10.0.0.1:554/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: camsweep\r\n\r\n',
    );
    expect(buildRequest('DESCRIBE', 'rtsp://10.0.0.1:554/', 2).toString()).toContain(
      'Accept: application/sdp\r\n\r\n',
    );
  });

  it('parses a Hikvision DESCRIBE challenge, keeping the double-space Date habit', () => {
    const r = reply(
      'RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm="IP Camera(C2875)", nonce="ab", stale="FALSE"\r\nDate:  Thu, May 14 2020 16:45:35 GMT\r\n\r\n',
    );
    expect(r?.status).toBe(401);
    expect(r?.headers).toContainEqual(['date', ' Thu, May 14 2020 16:45:35 GMT']);
    const challenge = r?.headers.find(([n]) => n === 'www-authenticate')?.[1] ?? '';
    expect(challengeRealm(challenge)).toBe('IP Camera(C2875)');
  });

  it('accepts bare LF, lower-case protocol, folded lines and repeated challenges', () => {
    const r = reply(
      'rtsp/1.0 401 Unauthorized\nServer: Rtsp Server/3.0\nWWW-Authenticate: Digest realm="Login to 4M0747EPAA1D284"\nWWW-Authenticate: Basic realm=MediaServer3.0\nPublic: OPTIONS,\n DESCRIBE\n\n',
    );
    expect(r?.headers.filter(([n]) => n === 'www-authenticate').map(([, v]) => challengeRealm(v))).toEqual([
      'Login to 4M0747EPAA1D284',
      'MediaServer3.0',
    ]);
    expect(r?.headers).toContainEqual(['public', 'OPTIONS, DESCRIBE']);
  });

  it('rejects what is not RTSP and survives hostile heads', () => {
    expect(reply('HTTP/1.1 200 OK\r\n\r\n')).toBeNull();
    expect(reply('')).toBeNull();
    expect(parseReply(Buffer.from([0xa0, 0x00, 0xff, 0x0a, 0x0a]))).toBeNull();
    expect(reply('RTSP/1.0 4x1 Bad\r\n\r\n')).toBeNull();
    // truncated: the status line and whole header lines count, the cut line does not
    const cut = reply('RTSP/1.0 200 OK\r\nServer: Dahua Rtsp Server\r\nPubl');
    expect(cut?.headers).toEqual([['server', 'Dahua Rtsp Server']]);
    // oversized: one endless header, thousands of headers, binary names
    const huge = reply(`RTSP/1.0 200 OK\r\nServer: ${'A'.repeat(1 << 20)}\r\n\r\n`);
    expect(huge?.status).toBe(200);
    expect(huge?.headers[0]?.[1].length).toBeLessThanOrEqual(1024);
    expect(huge?.headers[0]?.[1].length).toBeLessThan(MAX_HEAD_BYTES);
    const many = reply(`RTSP/1.0 200 OK\r\n${'X-A: b\r\n'.repeat(10_000)}\r\n`);
    expect(many?.headers.length).toBeLessThanOrEqual(64);
    const odd = reply(
      'RTSP/1.0 200 OK\r\n\u0000\u0001: x\r\nno colon here\r\n: empty\r\nServer: \u00c3\u00a9\r\n\r\n',
    );
    expect(odd?.headers).toEqual([['server', 'é']]);
  });

  it('reads quoted and bare realms and gives null when there is none', () => {
    expect(challengeRealm('Basic realm="hikvision"')).toBe('hikvision');
    expect(challengeRealm('Digest nonce="x"')).toBeNull();
    expect(challengeRealm('Digest realm=""')).toBeNull();
  });
});
