/**
 * What a probe emits (an `ObservationInput`) becomes an `Observation` here and nowhere else:
 * the active runner and the daemon's passive listeners both call it, so a fact heard in an
 * announcement and the same fact seen by a scan are capped and shaped alike.
 */
import { isKnownKey, keyMatchesPatterns } from '../../../contract/observation-keys.js';
import type { Observation } from '../../../contract/types.js';
import { cap, MAX_BODY_CHARS } from '../../../core/text.js';
import type { ObservationInput, Probe } from './types.js';

/** True when `probe` declared `key` and the key is in the observation-key registry. */
export function declares(probe: Pick<Probe, 'emits'>, key: string): boolean {
  return keyMatchesPatterns(key, probe.emits) && isKnownKey(key);
}

/** The observation of one emitted fact, credited to `probeId`, values capped. */
export function toObservation(probeId: string, input: ObservationInput, at: Date = new Date()): Observation {
  return {
    host: input.host,
    key: input.key,
    value: cap(String(input.value), input.key === 'http.body' ? MAX_BODY_CHARS : undefined),
    probe: probeId,
    at: at.toISOString(),
    ...(input.port !== undefined ? { port: input.port } : {}),
    ...(input.path !== undefined ? { path: cap(input.path, 1024) } : {}),
    ...(input.iface !== undefined ? { iface: input.iface } : {}),
  };
}
