/**
 * Device identity: which facts say "this is the same physical device", shared by the agent
 * (grouping one scan's observations per host) and the collector (finding a device's row across
 * reports). Order of trust: MAC, then serial number, then IP address; a MAC or serial that
 * contradicts another never links by a weaker fact.
 *
 * Placeholder serials. Some firmware reports the same serial for every unit (all zeros, all F,
 * `N/A`, `123456789`); linking by one would fuse unrelated devices, which is worse than not
 * linking (the device then stays on its address). The agent and the collector used different
 * rules (agent: at least 6 characters and one list; collector: at least 4 and another). The
 * rule below is the stricter union of both: at least 6 characters, at most 64, not one repeated
 * character, and none of either list's placeholders. Serials compare case-insensitively
 * (protocols disagree on case for the same unit), so the usable form is trimmed upper case.
 */

import { macFromUuid, normaliseMac } from '../core/mac.js';
import type { Observation } from './report-schema.js';

const MIN_SERIAL = 6;
const MAX_SERIAL = 64;
const PLACEHOLDER_SERIAL = /^(0+|F+|N\/?A|NONE|NULL|UNKNOWN|DEFAULT|SERIAL|1234.*)$/;

/** The serial as an identity (trimmed, upper case), or null when it is missing or a placeholder. */
export function usableSerial(text: string | null | undefined): string | null {
  const s = text?.trim().toUpperCase() ?? '';
  if (s.length < MIN_SERIAL || s.length > MAX_SERIAL) return null;
  if (PLACEHOLDER_SERIAL.test(s) || /^(.)\1*$/.test(s)) return null;
  return s;
}

/**
 * Observation keys that carry identity, declared by the probes that emit them (lower case).
 * `mac`: the value states the MAC outright. `macInUuid`: a time-based UUID whose node field may
 * be the MAC (a hint only). `serial`: the value is the serial. `serialInHost`: a host name that is
 * a Hikvision full serial (`<serial>.local`). `serialInRealm`: a Digest realm `Login to <serial>`.
 */
export interface IdentityKeys {
  readonly mac: ReadonlySet<string>;
  readonly macInUuid: ReadonlySet<string>;
  readonly serial: ReadonlySet<string>;
  readonly serialInHost: ReadonlySet<string>;
  readonly serialInRealm: ReadonlySet<string>;
}

export type IdentityKeyDeclaration = { readonly [K in keyof IdentityKeys]?: readonly string[] };

/** Joins the declarations of several probes into one lookup. */
export function identityKeys(declarations: readonly (IdentityKeyDeclaration | undefined)[]): IdentityKeys {
  const pick = (k: keyof IdentityKeys) =>
    new Set(declarations.flatMap((d) => d?.[k] ?? []).map((key) => key.toLowerCase()));
  return {
    mac: pick('mac'),
    macInUuid: pick('macInUuid'),
    serial: pick('serial'),
    serialInHost: pick('serialInHost'),
    serialInRealm: pick('serialInRealm'),
  };
}

/** Strong MAC claim of one observation (a protocol stating the MAC), or null. */
export function macClaim(o: Observation, keys: IdentityKeys): string | null {
  if (!keys.mac.has(o.key.toLowerCase())) return null;
  return normaliseMac(o.value.replace(/^0x/i, ''));
}

/** Weak MAC hint: the node field of a time-based UUID (Hikvision ONVIF endpoints). */
export function macHint(o: Observation, keys: IdentityKeys): string | null {
  return keys.macInUuid.has(o.key.toLowerCase()) ? macFromUuid(o.value) : null;
}

// Hikvision full serial: model, 8-digit date, 4 letters, digits; it is also the mDNS SRV target.
// Dahua serials ride in Digest realms "Login to <serial>".
const HIK_SERIAL = /^[A-Z0-9][A-Z0-9/-]*\d{8}[A-Z]{4}\d{5,}[A-Z]*$/;
const REALM_SERIAL = /^Login to ([0-9A-Z]{10,32})$/i;

/** Serial claim of one observation, normalised upper case, or null. */
export function serialClaim(o: Observation, keys: IdentityKeys): string | null {
  const key = o.key.toLowerCase();
  if (keys.serial.has(key)) return usableSerial(o.value);
  if (keys.serialInHost.has(key)) {
    const name = o.value
      .trim()
      .replace(/\.$/, '')
      .replace(/\.local$/i, '')
      .toUpperCase();
    return HIK_SERIAL.test(name) ? usableSerial(name) : null;
  }
  if (keys.serialInRealm.has(key)) {
    const m = REALM_SERIAL.exec(o.value.trim());
    return m?.[1] ? usableSerial(m[1]) : null;
  }
  return null;
}

/** A stored device as the collector knows it, enough to match a reported one. */
export interface KnownDevice {
  readonly mac: string | null;
  readonly serial: string | null;
  readonly ip: string;
  readonly last_seen: string;
}

function compatible(row: KnownDevice, mac: string | null, serial: string | null): boolean {
  return (!mac || !row.mac || row.mac === mac) && (!serial || !row.serial || row.serial === serial);
}

/**
 * The stored device a reported one is: same MAC; else same serial without a contradicting MAC;
 * else the most recently seen device on the same address that contradicts neither.
 */
export function pickDevice<R extends KnownDevice>(
  rows: readonly R[],
  ip: string,
  mac: string | null,
  serial: string | null,
): R | undefined {
  return (
    (mac ? rows.find((r) => r.mac === mac) : undefined) ??
    (serial ? rows.find((r) => r.serial === serial && compatible(r, mac, serial)) : undefined) ??
    rows
      .filter((r) => r.ip === ip && compatible(r, mac, serial))
      .sort((a, b) => (a.last_seen < b.last_seen ? 1 : -1))[0]
  );
}
