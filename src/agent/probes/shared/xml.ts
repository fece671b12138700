/**
 * A tolerant, bounded XML reader for device replies (WS-Discovery, ONVIF SOAP).
 *
 * Why not a general XML library: device XML is hostile and sloppy at once. We need a reader
 * that never expands DOCTYPE entities or fetches anything (billion laughs, XXE), never
 * recurses (deep nesting), caps input, element count and text, keeps going past bare `&`,
 * mismatched end tags and junk, and matches elements by local name because every vendor picks
 * its own prefixes (docs/protocols.md §1.3, §1.6). Only the five predefined entities and numeric
 * character references are decoded; any other `&name;` stays as literal text.
 */
import { TextDecoder } from 'node:util';

export interface XmlElement {
  /** Local name, prefix stripped (`ProbeMatch` for `d:ProbeMatch`). */
  readonly name: string;
  /** Namespace prefix as written, '' when none. */
  readonly prefix: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** Concatenated character data directly inside this element (CDATA included), capped. */
  text: string;
}

export interface XmlLimits {
  /** Input beyond this many characters is ignored (a UDP datagram is at most 64 KiB). */
  readonly maxChars: number;
  /** Elements nested deeper than this are skipped with their content. */
  readonly maxDepth: number;
  /** Parsing stops after this many elements. */
  readonly maxElements: number;
  /** Character data kept per element. */
  readonly maxTextChars: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = Object.freeze({
  maxChars: 256 * 1024,
  maxDepth: 32,
  maxElements: 4096,
  maxTextChars: 16 * 1024,
});

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes predefined and numeric entities; anything else (including DOCTYPE entities) stays literal. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,4});/g, (whole, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED[ref] ?? whole;
    const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
    const valid = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0x10ffff);
    return valid && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
  });
}

/**
 * Turns a datagram or body into text. UTF-8 unless a BOM or the XML declaration says
 * otherwise (some firmwares declare GB2312); unknown labels fall back to UTF-8 with U+FFFD
 * for bad sequences, so wrong encodings degrade instead of throwing.
 */
export function decodeXmlBytes(bytes: Uint8Array, maxChars = DEFAULT_XML_LIMITS.maxChars): string {
  const view = bytes.subarray(0, Math.min(bytes.length, maxChars * 4));
  if (view[0] === 0xff && view[1] === 0xfe) return new TextDecoder('utf-16le').decode(view.subarray(2));
  if (view[0] === 0xfe && view[1] === 0xff) return new TextDecoder('utf-16be').decode(view.subarray(2));
  const head = Buffer.from(view.subarray(0, 200)).toString('latin1');
  const label = /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']/.exec(head)?.[1];
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label ?? 'utf-8');
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(view);
}

function splitName(qname: string): { prefix: string; name: string } {
  const colon = qname.indexOf(':');
  return colon < 0
    ? { prefix: '', name: qname }
    : { prefix: qname.slice(0, colon), name: qname.slice(colon + 1) };
}

const ATTR = /([^\s=/>]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;

function parseAttributes(source: string): Record<string, string> {
  const attrs: Record<string, string> = Object.create(null);
  let count = 0;
  for (const m of source.matchAll(ATTR)) {
    if (++count > 64) break;
    attrs[m[1]!] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/**
 * Parses `input` into a synthetic root element named `#document` whose children are the
 * top-level elements. Never throws on bad XML and never recurses; returns what it could read.
 */
export function parseXml(input: string | Uint8Array, limits: Partial<XmlLimits> = {}): XmlElement {
  const lim = { ...DEFAULT_XML_LIMITS, ...limits };
  const raw = typeof input === 'string' ? input : decodeXmlBytes(input, lim.maxChars);
  const xml = raw.length > lim.maxChars ? raw.slice(0, lim.maxChars) : raw;
  const root: XmlElement = { name: '#document', prefix: '', attrs: {}, children: [], text: '' };
  // Open elements; `null` marks an element we skipped (too deep) so its end tag still balances.
  const stack: (XmlElement | null)[] = [root];
  const qnames: string[] = ['#document'];
  let elements = 0;
  let pos = 0;

  const addText = (text: string) => {
    const top = stack[stack.length - 1];
    if (!top || text.length === 0) return;
    const room = lim.maxTextChars - top.text.length;
    if (room > 0) top.text += text.length > room ? text.slice(0, room) : text;
  };

  while (pos < xml.length) {
    const lt = xml.indexOf('<', pos);
    if (lt < 0) {
      addText(decodeEntities(xml.slice(pos)));
      break;
    }
    if (lt > pos) addText(decodeEntities(xml.slice(pos, lt)));

    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      pos = end < 0 ? xml.length : end + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt + 9);
      addText(xml.slice(lt + 9, end < 0 ? xml.length : end));
      pos = end < 0 ? xml.length : end + 3;
      continue;
    }
    if (xml.startsWith('<?', lt)) {
      const end = xml.indexOf('?>', lt + 2);
      pos = end < 0 ? xml.length : end + 2;
      continue;
    }
    if (xml.startsWith('<!', lt)) {
      // DOCTYPE and friends: skipped whole, internal subset included. Declared entities are
      // never recorded, so `&lol9;` stays literal text and SYSTEM identifiers are never read.
      let depth = 0;
      let i = lt + 2;
      for (; i < xml.length; i++) {
        const c = xml[i];
        if (c === '[') depth++;
        else if (c === ']') depth--;
        else if (c === '>' && depth <= 0) break;
      }
      pos = i + 1;
      continue;
    }

    const gt = xml.indexOf('>', lt + 1);
    if (gt < 0) break; // truncated tag at the end of a datagram
    const body = xml.slice(lt + 1, gt);
    pos = gt + 1;

    if (body.startsWith('/')) {
      const qname = body.slice(1).trim();
      // Tolerate mismatches: close up to the nearest matching open element, else ignore.
      const at = qnames.lastIndexOf(qname);
      if (at > 0) {
        stack.length = at;
        qnames.length = at;
      }
      continue;
    }

    const selfClosing = body.endsWith('/');
    const inner = selfClosing ? body.slice(0, -1) : body;
    const nameEnd = inner.search(/[\s]/);
    const qname = nameEnd < 0 ? inner : inner.slice(0, nameEnd);
    if (!/^[A-Za-z_][\w.:-]*$/.test(qname)) {
      addText(decodeEntities(`<${body}>`));
      continue;
    }
    const parent = stack[stack.length - 1] ?? null;
    const tooDeep = parent === null || stack.length > lim.maxDepth;
    let el: XmlElement | null = null;
    if (!tooDeep) {
      if (++elements > lim.maxElements) break;
      const { prefix, name } = splitName(qname);
      el = {
        name,
        prefix,
        attrs: nameEnd < 0 ? {} : parseAttributes(inner.slice(nameEnd)),
        children: [],
        text: '',
      };
      parent.children.push(el);
    }
    if (!selfClosing) {
      stack.push(el);
      qnames.push(qname);
    }
  }
  return root;
}

/** Every descendant (depth first, document order) whose local name is `name`; iterative. */
export function findAll(from: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const todo: XmlElement[] = [...from.children].reverse();
  while (todo.length > 0) {
    const el = todo.pop()!;
    if (el.name === name) out.push(el);
    for (let i = el.children.length - 1; i >= 0; i--) todo.push(el.children[i]!);
  }
  return out;
}

/** The first descendant with local name `name`, or null. */
export function findFirst(from: XmlElement, name: string): XmlElement | null {
  return findAll(from, name)[0] ?? null;
}

/** Follows a path of local names through direct children: `child(el, 'Body', 'Fault')`. */
export function child(from: XmlElement | null, ...path: string[]): XmlElement | null {
  let el = from;
  for (const name of path) {
    if (!el) return null;
    el = el.children.find((c) => c.name === name) ?? null;
  }
  return el;
}

/** Trimmed text of a direct-child path, or null when absent. */
export function childText(from: XmlElement | null, ...path: string[]): string | null {
  const el = child(from, ...path);
  return el ? el.text.trim() : null;
}

/** Escapes text for an XML element or attribute we build (usernames, UUIDs). */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
