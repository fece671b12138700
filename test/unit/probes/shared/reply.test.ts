import { describe, expect, it } from 'vitest';
import { interfaceFor } from '../../../../src/agent/probes/shared/udp.js';
import { normaliseMac } from '../../../../src/core/mac.js';

describe('normaliseMac', () => {
  it('accepts the forms devices send and writes lower-case colon form', () => {
    expect(normaliseMac('58-50-ed-1f-e3-85')).toBe('58:50:ed:1f:e3:85');
    expect(normaliseMac(' 58:50:ED:1F:E3:85 ')).toBe('58:50:ed:1f:e3:85');
    expect(normaliseMac('5850ed1fe385')).toBe('58:50:ed:1f:e3:85');
    expect(normaliseMac('5850.ed1f.e385')).toBe('58:50:ed:1f:e3:85');
  });

  it('rejects placeholders, mixed separators and junk', () => {
    for (const bad of [
      '00:00:00:00:00:00',
      'ff-ff-ff-ff-ff-ff',
      '58:50-ed:1f:e3:85',
      '58:50:ed:1f:e3',
      'zz:50:ed:1f:e3:85',
      '',
      'x'.repeat(1000),
    ]) {
      expect(normaliseMac(bad)).toBeNull();
    }
  });
});

describe('interfaceFor', () => {
  const lan = {
    name: 'eth0',
    address: '10.0.0.2',
    prefix: 24,
    subnet: { first: 0x0a000000, last: 0x0a0000ff },
  };
  it('names the interface whose subnet holds the address', () => {
    expect(interfaceFor('10.0.0.77', [lan])?.name).toBe('eth0');
    expect(interfaceFor('10.0.1.77', [lan])).toBeUndefined();
    expect(interfaceFor('not-an-ip', [lan])).toBeUndefined();
  });
});
