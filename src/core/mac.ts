/**
 * MAC addresses as every part of camsweep writes them: lower case, colon separated. Devices
 * report them in many spellings (SADP, DHIP, RPC2_Login, ONVIF scopes and endpoint UUIDs, the
 * neighbour table) and hosts are merged by MAC, so there is exactly one normaliser.
 */

/**
 * Normalises the spellings devices use — `58-50-ED-1F-E3-85`, `5850.ed1f.e385`,
 * `5850ed1fe385`, `58:50:ed:1f:e3:85` — to lower-case colon form. Returns null for anything
 * that is not exactly six octets, and for the all-zero and broadcast addresses, which name
 * no device.
 */
export function normaliseMac(text: string): string | null {
  const t = text.trim();
  if (t.length > 32) return null;
  let hex: string;
  if (/^[0-9a-f]{1,2}([:-])[0-9a-f]{1,2}(\1[0-9a-f]{1,2}){4}$/i.test(t)) {
    hex = t
      .split(/[:-]/)
      .map((o) => o.padStart(2, '0'))
      .join('');
  } else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(t) || /^[0-9a-f]{12}$/i.test(t)) {
    hex = t.replace(/\./g, '');
  } else return null;
  hex = hex.toLowerCase();
  if (hex === '000000000000' || hex === 'ffffffffffff') return null;
  return hex.match(/../g)!.join(':');
}

/** The U/L bit of the first octet: set on randomised (privacy) and virtual-machine MACs. */
export function isLocallyAdministered(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 0x02) !== 0;
}

/** The I/G bit: a group (multicast) address never belongs to one host. */
export function isGroupAddress(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 0x01) !== 0;
}

/**
 * The MAC inside a Hikvision ONVIF endpoint: a time-based (version 1) UUID whose node field
 * is the device MAC (docs/protocols.md §1.3, `…-b4a3820fd92d` ↔ `b4:a3:82:0f:d9:2d`). Random
 * (version 4) UUIDs, as Dahua sends, carry no MAC and give null.
 */
export function macFromUuid(endpoint: string): string | null {
  const m = /([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\s*$/i.exec(
    endpoint.trim(),
  );
  if (!m || m[3]![0] !== '1') return null;
  const mac = normaliseMac(m[5]!);
  return mac && !isGroupAddress(mac) ? mac : null;
}
