import { describe, expect, it } from 'vitest';
import { base64Lines, faviconHash, murmur3x86_32 } from '../../../src/knowledge/identify/derive/favicon.js';

const ascii = (s: string) => Buffer.from(s, 'latin1');

// Reference values: SMHasher's published MurmurHash3_x86_32 verification values where they
// exist (empty input with seeds 0/1, the pangram), the rest computed with the CPython `mmh3`
// 5.3 wheel and `base64.encodebytes`, which is what Shodan's favicon recipe runs.
describe('MurmurHash3 x86_32', () => {
  it.each([
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['a', 0, 1009084850],
    ['ab', 0, 2613040991],
    ['abc', 42, 1313807976],
    ['abcd', 0, 1139631978],
    ['abcde', 0, 3902511862],
    ['hello', 0, 613153351],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['camsweep favicon', 0, 2391177358],
  ])('hash(%j, seed %d)', (text, seed, expected) => {
    expect(murmur3x86_32(ascii(text), seed)).toBe(expected);
  });

  it('reads a sub-array view, not the whole underlying buffer', () => {
    const big = ascii('xxhelloxx');
    expect(murmur3x86_32(big.subarray(2, 7))).toBe(613153351);
  });
});

describe('Shodan-style favicon hash', () => {
  it('wraps base64 at 76 characters with a trailing newline, like base64.encodebytes', () => {
    const data = Buffer.from(Array.from({ length: 57 }, (_, i) => (i * 31 + 5) & 0xff));
    expect(base64Lines(data)).toBe(
      'BSRDYoGgv979HDtaeZi31vUUM1JxkK/O7QwrSmmIp8blBCNCYYCfvt38GzpZeJe21fQTMlFwj67N\n',
    );
    const longer = base64Lines(Buffer.alloc(200));
    expect(longer.split('\n').map((l) => l.length)).toEqual([76, 76, 76, 40, 0]);
    expect(base64Lines(Buffer.alloc(0))).toBe('');
  });

  it('matches the Python recipe, signed', () => {
    expect(faviconHash(Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff)))).toBe(1507977274);
    expect(faviconHash(Buffer.from(Array.from({ length: 57 }, (_, i) => (i * 31 + 5) & 0xff)))).toBe(
      1492695315,
    );
    expect(faviconHash(Buffer.from([0, 1, 2]))).toBe(304933308);
    expect(faviconHash(Buffer.alloc(0))).toBe(0);
    // Signedness: a value above 2^31 comes out negative, as Shodan prints it.
    expect(faviconHash(Buffer.from([0]))).toBe(-1253000196);
  });
});
