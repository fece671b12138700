/**
 * One run's credential ledger (probes/types.ts `CredentialLedger`): which credential each
 * device was already asked with and whether it worked, so two probes speaking the same
 * protocol never repeat a failed login. A lockout policy counts every wrong community or
 * password; a scanner that tried the same one twice would look like a brute-force attempt.
 */
import type { CredentialLedger } from '../probes/shared/types.js';

export function createLedger(): CredentialLedger {
  const state = new Map<string, 'pending' | 'worked' | 'failed'>();
  return {
    claim(host, credentialKey) {
      const key = `${host}\u0000${credentialKey}`;
      const seen = state.get(key);
      if (seen !== undefined) return seen;
      state.set(key, 'pending');
      return 'untried';
    },
    settle(host, credentialKey, worked) {
      state.set(`${host}\u0000${credentialKey}`, worked ? 'worked' : 'failed');
    },
  };
}
