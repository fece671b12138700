/**
 * Hikvision SADP over UDP 37020 (docs/protocols.md §2): the read-only `inquiry` and a lenient
 * reader for the flat XML devices answer with. Pure: no I/O.
 *
 * Device XML is flat (`<ProbeMatch><Element>value</Element>…</ProbeMatch>`) and not always
 * well formed: the `flase` typo, un-escaped `&` in DeviceDescription, `\r\n` line ends. So
 * instead of an XML parser this is a tag scanner: every `<Name>text</Name>` pair at any
 * place is one field, unknown elements are kept, nothing is expanded or fetched.
 */
import { decodeEntities, decodeXmlBytes } from '../shared/xml.js';

export const SADP_PORT = 37020;
export const SADP_GROUP = '239.255.255.250';

/** The only request camsweep sends. `update`, `activate` and reset verbs never (§2.2). */
export function buildInquiry(uuid: string): string {
  if (!/^[0-9A-Fa-f-]{1,64}$/.test(uuid)) throw new Error('SADP Uuid must be hex and dashes');
  return `<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>${uuid}</Uuid><Types>inquiry</Types></Probe>`;
}

export interface SadpMessage {
  /** Root element: `ProbeMatch` (reply), `Hello` (boot announcement), `Probe` (a request). */
  readonly root: string;
  /** Elements in the order sent; first occurrence wins for repeated names. */
  readonly fields: ReadonlyMap<string, string>;
}

const MAX_FIELDS = 128;
const MAX_FIELD_CHARS = 1024;
/** Replies are 1–2.5 KB (§2.3); more than this is not SADP. */
const MAX_INPUT_CHARS = 65_536;

// Attribute runs are bounded and may not contain `<`, so a run of unclosed tags cannot make
// the scan quadratic.
const ROOT = /<\s*([A-Za-z][\w-]{0,63})(?:\s[^<>]{0,256})?>/g;
const FIELD = /<([A-Za-z][\w.-]{0,63})(?:\s[^<>]{0,256})?>([^<]*)<\/\1\s*>/g;

/** Reads a SADP datagram; null when it has no element at all. Never throws. */
export function parseSadp(input: string | Uint8Array): SadpMessage | null {
  const raw = typeof input === 'string' ? input : decodeXmlBytes(input, MAX_INPUT_CHARS);
  const text = raw.length > MAX_INPUT_CHARS ? raw.slice(0, MAX_INPUT_CHARS) : raw;
  let root: string | null = null;
  ROOT.lastIndex = 0;
  for (let m = ROOT.exec(text); m !== null; m = ROOT.exec(text)) {
    if (m[1] !== 'xml') {
      root = m[1]!;
      break;
    }
  }
  if (root === null) return null;
  const fields = new Map<string, string>();
  for (const m of text.matchAll(FIELD)) {
    if (fields.size >= MAX_FIELDS) break;
    const name = m[1]!;
    if (name === root || fields.has(name)) continue;
    const value = decodeEntities(m[2]!.trim());
    fields.set(name, value.length > MAX_FIELD_CHARS ? value.slice(0, MAX_FIELD_CHARS) : value);
  }
  return { root, fields };
}

/** True for a device's answer or boot announcement, false for requests (ours looped back). */
export function isDeviceMessage(msg: SadpMessage): boolean {
  const types = msg.fields.get('Types')?.toLowerCase() ?? '';
  return (msg.root === 'ProbeMatch' || msg.root === 'Hello') && types !== 'update' && types !== 'activate';
}

/** Fields that are per-exchange bookkeeping rather than facts about the device. */
export const EXCHANGE_FIELDS: ReadonlySet<string> = new Set(['Uuid', 'Types']);
