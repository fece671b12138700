/**
 * Dahua DHIP discovery on UDP 37810 (docs/protocols.md §3.1): the `DHDiscover.search` request
 * and a tolerant reader for `client.notifyDevInfo` replies. Pure: no I/O.
 */

export const DHIP_PORT = 37810;
export const DHIP_GROUP = '239.255.255.251';

const HEADER_BYTES = 32;
const MAGIC = Buffer.from('DHIP', 'ascii');

/** The body exactly as §3.1 shows it (73 bytes with the newline); bare JSON gets no reply. */
export const SEARCH_BODY = '{ "method" : "DHDiscover.search", "params" : { "mac" : "", "uni" : 1 } }\n';

/**
 * Frames a DHIP body: u32 LE header length 0x20, the ASCII bytes `DHIP` (written as bytes:
 * packing 0x44484950 little-endian would give `PIHD`), session and request id 0, then the
 * body length twice as u64 LE.
 */
export function frame(body: string): Buffer {
  const payload = Buffer.from(body, 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(HEADER_BYTES, 0);
  MAGIC.copy(header, 4);
  header.writeBigUInt64LE(BigInt(payload.length), 16);
  header.writeBigUInt64LE(BigInt(payload.length), 24);
  return Buffer.concat([header, payload]);
}

export function buildSearch(): Buffer {
  return frame(SEARCH_BODY);
}

export interface DhipMessage {
  readonly method: string | null;
  /** Top-level `mac` as sent. */
  readonly mac: string | null;
  /** `params.deviceInfo`, or an empty object when absent. */
  readonly deviceInfo: Readonly<Record<string, unknown>>;
}

/** Replies are ~1 KB; anything beyond a datagram is cut before parsing. */
const MAX_BODY_BYTES = 65_536;

/**
 * Reads a DHIP datagram: checks the magic, then takes the JSON from the first `{` to the last
 * `}` (the header length has varied between firmwares; trailing `\n` and `\0` are ignored).
 * Null when it is not DHIP or not JSON. Never throws.
 */
export function parseDhip(data: Uint8Array): DhipMessage | null {
  const buf = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, MAX_BODY_BYTES));
  if (buf.length < 8 || !buf.subarray(4, 8).equals(MAGIC)) return null;
  const start = buf.indexOf(0x7b, 8); // {
  const end = buf.lastIndexOf(0x7d); // }
  if (start < 0 || end <= start) return null;
  let json: unknown;
  try {
    json = JSON.parse(buf.subarray(start, end + 1).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const top = json as Record<string, unknown>;
  const params = top.params;
  const info =
    typeof params === 'object' && params !== null
      ? (params as Record<string, unknown>).deviceInfo
      : undefined;
  return {
    method: typeof top.method === 'string' ? top.method : null,
    mac: typeof top.mac === 'string' ? top.mac : null,
    deviceInfo:
      typeof info === 'object' && info !== null && !Array.isArray(info)
        ? (info as Record<string, unknown>)
        : {},
  };
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_FIELDS = 128;
const MAX_RAW_CHARS = 512;

/**
 * Flattens deviceInfo to `[name, value]` pairs: scalars as text, one level of nested objects
 * as `Parent.Child` (`IPv4Address.IPAddress`), anything deeper or any array as capped JSON.
 * Nulls are skipped (`"DefaultGateway": null` says nothing). Field names that could not be
 * observation keys are dropped.
 */
export function flattenDeviceInfo(info: Readonly<Record<string, unknown>>): [string, string][] {
  const out: [string, string][] = [];
  const scalar = (v: unknown): string | null => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    const text = JSON.stringify(v) ?? '';
    return text.length > MAX_RAW_CHARS ? `${text.slice(0, MAX_RAW_CHARS - 1)}…` : text;
  };
  for (const [name, value] of Object.entries(info)) {
    if (out.length >= MAX_FIELDS) break;
    if (!FIELD_NAME.test(name)) continue;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
        if (out.length >= MAX_FIELDS) break;
        const text = FIELD_NAME.test(sub) ? scalar(subValue) : null;
        if (text !== null) out.push([`${name}.${sub}`, text]);
      }
      continue;
    }
    const text = scalar(value);
    if (text !== null) out.push([name, text]);
  }
  return out;
}
