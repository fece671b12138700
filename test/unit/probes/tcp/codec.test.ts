import { describe, expect, it } from 'vitest';
import {
  bannerText,
  decodeText,
  MAX_BANNER_BYTES,
  telnetText,
} from '../../../../src/agent/probes/tcp/codec.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('tcp banner codec', () => {
  it('keeps the SSH identification line and drops pre-banner lines and the line end', () => {
    expect(bannerText('ssh', bytes('SSH-2.0-dropbear_2019.78\r\n'))).toBe('SSH-2.0-dropbear_2019.78');
    expect(bannerText('ssh', bytes('Welcome\r\nSSH-2.0-OpenSSH_8.4\r\n'))).toBe('SSH-2.0-OpenSSH_8.4');
  });

  it('renders telnet negotiation readably and keeps the prompt text', () => {
    const raw = bytes([0xff, 0xfd, 0x18, 0xff, 0xfb, 0x01], '(none) login: ');
    expect(bannerText('telnet', raw)).toBe('[DO 24][WILL 1](none) login: ');
  });

  it('survives truncated and malformed telnet commands without looping', () => {
    expect(telnetText(bytes([0xff]))).toBe('');
    expect(telnetText(bytes([0xff, 0xfd]))).toBe('');
    expect(telnetText(bytes([0xff, 0xfa, 0x18, 0x01]))).toBe('[SB 24]');
    expect(telnetText(bytes('a', [0xff, 0xff], 'b'))).toBe('a\u00ffb');
    expect(telnetText(bytes([0xff, 0xf1, 0x41]))).toBe('[241]A');
  });

  it('decodes UTF-8 when valid and Latin-1 otherwise, so no byte is lost or replaced', () => {
    expect(decodeText(Buffer.from('220 摄像机 FTP', 'utf8'))).toBe('220 摄像机 FTP');
    expect(decodeText(Buffer.from([0x32, 0x32, 0x30, 0x20, 0xc3, 0x28]))).toBe('220 \u00c3(');
  });

  it('caps oversized greetings and returns null for empty ones', () => {
    const text = bannerText('ftp', Buffer.alloc(1 << 20, 0x41));
    expect(text?.length).toBe(MAX_BANNER_BYTES);
    expect(bannerText('ftp', Buffer.from('\r\n\0'))).toBeNull();
    expect(bannerText('telnet', Buffer.alloc(0))).toBeNull();
  });
});
