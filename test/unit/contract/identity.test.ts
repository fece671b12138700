import { describe, expect, it } from 'vitest';
import { probes } from '../../../src/agent/probes/registry.js';
import { usableSerial } from '../../../src/contract/identity.js';
import { keyMatchesPatterns } from '../../../src/contract/observation-keys.js';

describe('device identity: one placeholder-serial rule for agent and collector', () => {
  it('refuses placeholders from both former lists and anything shorter than 6 characters', () => {
    for (const placeholder of [
      '000000',
      'FFFFFFFF',
      'N/A',
      'none',
      'Unknown',
      'default',
      'SERIAL',
      '123456789',
    ])
      expect(usableSerial(placeholder), placeholder).toBeNull();
    expect(usableSerial('1234ABCD'), 'collector list: 1234…').toBeNull();
    expect(usableSerial('AAAAAAA'), 'one repeated character').toBeNull();
    expect(usableSerial('AB12C'), 'five characters').toBeNull();
    expect(usableSerial(null)).toBeNull();
  });

  it('keeps a real serial, trimmed and upper case so protocols that disagree on case still link', () => {
    expect(usableSerial(' 6c01e93pag69a7d ')).toBe('6C01E93PAG69A7D');
    expect(usableSerial('DS-2CD2385G1-I20190715AAWRD12345678')).toBe('DS-2CD2385G1-I20190715AAWRD12345678');
  });

  it('every identity key a probe declares is one it emits', () => {
    for (const probe of probes) {
      const declared = Object.values(probe.identityKeys ?? {}).flat();
      for (const key of declared)
        expect(keyMatchesPatterns(key, probe.emits), `${probe.id}: ${key}`).toBe(true);
    }
  });
});
