import { describe, expect, it } from 'vitest';
import { CamsweepError } from '../../../src/core/errors.js';
import { cidrRange, parseIpv4 } from '../../../src/core/ipv4.js';
import { type LocalInterface, parseTarget, resolveScope } from '../../../src/core/scope.js';

const iface = (name: string, address: string, prefix: number): LocalInterface => ({
  name,
  address,
  prefix,
  subnet: cidrRange(parseIpv4(address)!, prefix),
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof CamsweepError ? e.code : `not a CamsweepError: ${String(e)}`;
  }
  return 'no error';
}

describe('parseTarget', () => {
  it('accepts addresses, CIDRs, full and short ranges', () => {
    expect(parseTarget('10.0.0.5')).toEqual({ first: parseIpv4('10.0.0.5'), last: parseIpv4('10.0.0.5') });
    expect(parseTarget('10.0.0.0/30')).toEqual({ first: parseIpv4('10.0.0.0'), last: parseIpv4('10.0.0.3') });
    expect(parseTarget('10.0.0.9/24').first).toBe(parseIpv4('10.0.0.0'));
    expect(parseTarget('192.168.1.10-192.168.1.12').last).toBe(parseIpv4('192.168.1.12'));
    expect(parseTarget('192.168.1.10-20').last).toBe(parseIpv4('192.168.1.20'));
  });

  it.each(['10.0.0', '10.0.0.256', '10.0.0.0/33', '10.0.0.9-10.0.0.1', 'host.example', '10.0.0.1-300', ''])(
    'rejects %j with a target error',
    (t) => {
      expect(codeOf(() => parseTarget(t))).toBe('E_TARGET');
    },
  );
});

describe('resolveScope', () => {
  it('defaults to connected private subnets, without network, broadcast or our own address', () => {
    const scope = resolveScope({
      targets: [],
      interfaces: [iface('eth0', '10.9.8.1', 29), iface('wan0', '203.0.113.5', 24)],
    });
    expect(scope.targets).toEqual(['10.9.8.0/29']);
    expect(scope.hosts).toEqual(['10.9.8.2', '10.9.8.3', '10.9.8.4', '10.9.8.5', '10.9.8.6']);
    expect(scope.interfaces.map((i) => i.name)).toEqual(['eth0']);
  });

  it('refuses to run when only public interfaces exist, naming them', () => {
    let message = '';
    try {
      resolveScope({ targets: [], interfaces: [iface('eth0', '198.51.100.2', 24)] });
    } catch (e) {
      message = (e as Error).message;
      expect((e as CamsweepError).code).toBe('E_SCOPE_EMPTY');
      expect((e as CamsweepError).exitCode).toBe(2);
    }
    expect(message).toMatch(/no up interface has an RFC 1918 private address/);
    expect(message).toContain('eth0 198.51.100.2/24');
  });

  it('refuses public targets unless allowed, and accepts them with allowPublic', () => {
    expect(codeOf(() => resolveScope({ targets: ['10.0.0.1', '8.8.8.8'], interfaces: [] }))).toBe(
      'E_SCOPE_PUBLIC',
    );
    expect(resolveScope({ targets: ['198.51.100.7'], allowPublic: true, interfaces: [] }).hosts).toEqual([
      '198.51.100.7',
    ]);
  });

  it('never targets loopback, multicast or broadcast even when asked', () => {
    const scope = resolveScope({
      targets: ['127.0.0.1', '239.255.255.250', '255.255.255.255', '10.1.1.1'],
      allowPublic: true,
      interfaces: [],
    });
    expect(scope.hosts).toEqual(['10.1.1.1']);
  });

  it('applies excludes and reports an empty result', () => {
    const scope = resolveScope({
      targets: ['10.0.0.1-4'],
      exclude: ['10.0.0.2', '10.0.0.3'],
      interfaces: [],
    });
    expect(scope.hosts).toEqual(['10.0.0.1', '10.0.0.4']);
    expect(scope.has('10.0.0.2')).toBe(false);
    expect(
      codeOf(() => resolveScope({ targets: ['10.0.0.1'], exclude: ['10.0.0.0/24'], interfaces: [] })),
    ).toBe('E_SCOPE_EMPTY');
  });

  it('caps the number of hosts', () => {
    expect(codeOf(() => resolveScope({ targets: ['10.0.0.0/16'], maxHosts: 1000, interfaces: [] }))).toBe(
      'E_SCOPE_TOO_LARGE',
    );
    expect(resolveScope({ targets: ['10.0.0.0/22'], maxHosts: 1022, interfaces: [] }).hosts).toHaveLength(
      1022,
    );
  });

  it('sends multicast only on interfaces that hold in-scope hosts', () => {
    const scope = resolveScope({
      targets: ['192.168.7.0/24'],
      interfaces: [iface('eth0', '10.0.0.1', 24), iface('eth1', '192.168.7.1', 24)],
    });
    expect(scope.interfaces.map((i) => i.name)).toEqual(['eth1']);
  });
});
