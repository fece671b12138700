import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/agent/push/backoff.js';
import { diagnoseTransportError, interpretResponse, reportsUrl } from '../../../src/agent/push/send.js';

const where = 'collector.example.org:8443';

describe('collector answers become decisions with a fix', () => {
  it('2xx is delivery; a duplicate is delivery too', () => {
    expect(interpretResponse(201, '{"status":"stored"}', {}, where)).toEqual({ kind: 'stored' });
    expect(interpretResponse(200, '{"status":"duplicate"}', {}, where)).toEqual({ kind: 'duplicate' });
  });

  it('401 names the token and how to make one', () => {
    const r = interpretResponse(401, '{"error":"unknown agent token"}', {}, where);
    expect(r.kind).toBe('config');
    expect(r.kind !== 'stored' && r.kind !== 'duplicate' ? r.fix : '').toContain('token create');
  });

  it('a schema rejection carries the field', () => {
    const r = interpretResponse(
      400,
      '{"error":"report fails camsweep.report/v1 at /devices/0/ip: must match format","field":"/devices/0/ip"}',
      {},
      where,
    );
    expect(r).toMatchObject({ kind: 'rejected', field: '/devices/0/ip' });
    expect(r.kind === 'rejected' ? r.reason : '').toContain('/devices/0/ip');
  });

  it('overload and outages are retried, honouring Retry-After', () => {
    expect(interpretResponse(503, '<html>bad gateway</html>', { 'retry-after': '7' }, where)).toMatchObject({
      kind: 'retry',
      retryAfterMs: 7000,
    });
    expect(interpretResponse(429, '{}', {}, where).kind).toBe('retry');
  });

  it('a wrong URL is a config problem, not a rejected report', () => {
    expect(interpretResponse(404, 'not found', {}, where).kind).toBe('config');
  });

  it('transport errors say what failed', () => {
    const refused = diagnoseTransportError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      where,
    );
    expect(refused).toMatchObject({ kind: 'retry' });
    expect(refused.kind === 'retry' ? refused.reason : '').toContain('unreachable');
    const tls = diagnoseTransportError(
      Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      where,
    );
    expect(tls.kind).toBe('config');
    expect(tls.kind === 'config' ? tls.fix : '').toContain('push.ca');
  });

  it('builds the endpoint from a base URL with or without a trailing slash', () => {
    expect(reportsUrl('https://c.example.org:8443/')).toBe('https://c.example.org:8443/api/v1/reports');
    expect(reportsUrl('https://c.example.org/camsweep')).toBe(
      'https://c.example.org/camsweep/api/v1/reports',
    );
  });
});

describe('backoff', () => {
  it('grows exponentially under a cap, with full jitter', () => {
    expect(backoffDelay(0, 1000, 60_000, () => 0.999)).toBeLessThan(1000);
    expect(backoffDelay(3, 1000, 60_000, () => 0.999)).toBe(7992);
    expect(backoffDelay(30, 1000, 60_000, () => 0.999)).toBeLessThan(60_000);
    expect(backoffDelay(5, 1000, 60_000, () => 0)).toBe(0);
  });
});
