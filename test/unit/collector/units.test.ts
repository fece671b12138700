import { describe, expect, it } from 'vitest';
import { likePattern } from '../../../src/collector/db/sql.js';
import { RateLimiter } from '../../../src/collector/routes/rate-limit.js';
import {
  checkPassword,
  hashPassword,
  newAgentToken,
  parseAgentToken,
} from '../../../src/collector/store/secrets.js';
import { pickDevice } from '../../../src/contract/identity.js';

const row = (id: number, ip: string, mac: string | null, serial: string | null, lastSeen = '2025-01-01') => ({
  id,
  ip,
  mac,
  serial,
  verdict: 'covered',
  evidence: '[]',
  last_seen: lastSeen,
  first_seen: lastSeen,
});

describe('device identity (MAC, then serial, then IP)', () => {
  it('prefers the MAC match over an IP match', () => {
    const rows = [
      row(1, '10.0.0.5', 'aa:aa:aa:aa:aa:01', null),
      row(2, '10.0.0.9', 'aa:aa:aa:aa:aa:02', null),
    ];
    expect(pickDevice(rows, '10.0.0.5', 'aa:aa:aa:aa:aa:02', null)?.id).toBe(2);
  });
  it('never matches a serial or IP against a contradicting MAC', () => {
    const rows = [row(1, '10.0.0.5', 'aa:aa:aa:aa:aa:01', 'SN1234')];
    expect(pickDevice(rows, '10.0.0.5', 'bb:bb:bb:bb:bb:bb', 'SN1234')).toBeUndefined();
    expect(pickDevice(rows, '10.0.0.5', 'bb:bb:bb:bb:bb:bb', null)).toBeUndefined();
  });
  it('falls back to the serial, then the most recent device on the IP', () => {
    const rows = [
      row(1, '10.0.0.5', null, 'SN1234'),
      row(2, '10.0.0.7', null, null, '2025-01-01'),
      row(3, '10.0.0.7', null, null, '2025-02-01'),
    ];
    expect(pickDevice(rows, '10.0.0.99', 'cc:cc:cc:cc:cc:cc', 'SN1234')?.id).toBe(1);
    expect(pickDevice(rows, '10.0.0.7', null, null)?.id).toBe(3);
  });
});

describe('agent tokens and passwords', () => {
  it('round-trips a token and refuses anything else', () => {
    const t = newAgentToken();
    expect(parseAgentToken(t.text)).toEqual({ id: t.id, secret: t.secret });
    expect(parseAgentToken(`${t.text}x`)).toBeNull();
    expect(parseAgentToken(`Bearer ${t.text}`)).toBeNull();
    expect(newAgentToken().text).not.toBe(t.text);
  });
  it('checks passwords with scrypt and rejects a missing user', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await checkPassword('correct horse battery staple', hash)).toBe(true);
    expect(await checkPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await checkPassword('anything', undefined)).toBe(false);
  });
});

describe('rate limiter', () => {
  it('allows the burst, then asks to wait until a token refills', () => {
    const limiter = new RateLimiter(60, 2);
    expect([limiter.take('a', 0), limiter.take('a', 0)]).toEqual([0, 0]);
    expect(limiter.take('a', 0)).toBe(1000);
    expect(limiter.take('b', 0)).toBe(0);
    expect(limiter.take('a', 1000)).toBe(0);
  });
});

describe('search patterns', () => {
  it('escapes LIKE wildcards so a search for 100% matches literally', () => {
    expect(likePattern('100%_x\\')).toBe('%100\\%\\_x\\\\%');
  });
});
