import { describe, expect, it } from 'vitest';
import { cap, forCsv, forHtml, forTerminal } from '../../../src/core/text.js';

describe('device string handling', () => {
  it('makes terminal escapes and bidi overrides visible instead of active', () => {
    const banner = 'App-webs/\x1b[2J\x1b]0;pwned\x07\r\u202eevil';
    const safe = forTerminal(banner);
    expect(safe).not.toMatch(/[\x00-\x1f\x7f\u202e]/);
    expect(safe).toBe('App-webs/\\x1b[2J\\x1b]0;pwned\\x07\\x0d\\u202eevil');
  });

  it('escapes HTML so a banner cannot open a tag or break an attribute', () => {
    expect(forHtml('<script>alert("x")</script>&\'')).toBe(
      '&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;&#39;',
    );
  });

  it('quotes CSV fields and neutralises formula injection', () => {
    expect(forCsv('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(forCsv('a,b')).toBe('"a,b"');
    expect(forCsv('-1+2')).toBe("'-1+2");
    expect(forCsv('DS-2CD2385G1-I')).toBe('DS-2CD2385G1-I');
  });

  it('caps long values and marks the cut', () => {
    const v = cap('x'.repeat(10_000), 100);
    expect(v).toHaveLength(100);
    expect(v.endsWith('…')).toBe(true);
    expect(cap('short', 100)).toBe('short');
  });
});
