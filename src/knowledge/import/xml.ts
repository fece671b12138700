/**
 * A small, strict XML reader for other tools' output files (nmap `-oX`). The file is input we
 * did not write, so the reader refuses what could hurt rather than guessing:
 *   - no DTD processing: a DOCTYPE with an internal subset (where entities are declared) is
 *     rejected, and only the five predefined entities and character references are decoded
 *     (no "billion laughs", no external entities, nothing fetched);
 *   - caps on input size, nesting depth, element count and attributes per element;
 *   - a truncated or mis-nested document is an error naming the offset, never a partial tree.
 * One forward pass with indexOf, so hostile input costs linear time.
 */

export interface XmlElement {
  readonly name: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  /** Character data directly inside this element, entities decoded, in document order. */
  text: string;
}

export interface XmlLimits {
  readonly maxChars: number;
  readonly maxDepth: number;
  readonly maxElements: number;
  readonly maxAttributes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  // An nmap -sV run over a /16 with scripts stays below this; larger runs can be split.
  maxChars: 256 * 1024 * 1024,
  maxDepth: 32,
  maxElements: 4_000_000,
  maxAttributes: 64,
};

export class XmlError extends Error {
  override readonly name = 'XmlError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at character ${offset})`);
  }
}

const PREDEFINED: ReadonlyMap<string, string> = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);
const REFERENCE = /&(?:(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z_][A-Za-z0-9._-]{0,31});)?/g;
const NAME = /[A-Za-z_:][A-Za-z0-9_.:-]{0,127}/y;
const SPACE = /[ \t\r\n]*/y;

function decode(text: string, offset: number): string {
  if (!text.includes('&')) return text;
  let out = '';
  let last = 0;
  REFERENCE.lastIndex = 0;
  for (let m = REFERENCE.exec(text); m !== null; m = REFERENCE.exec(text)) {
    const ref = m[1];
    if (ref === undefined) throw new XmlError('a bare "&" (not an entity reference)', offset + m.index);
    out += text.slice(last, m.index) + resolve(ref, offset + m.index);
    last = REFERENCE.lastIndex;
  }
  return out + text.slice(last);
}

function resolve(ref: string, offset: number): string {
  if (ref[0] === '#') {
    const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
    const valid =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff));
    if (!valid) throw new XmlError(`character reference &${ref}; is not a valid character`, offset);
    return String.fromCodePoint(code);
  }
  const value = PREDEFINED.get(ref);
  if (value === undefined)
    throw new XmlError(`entity &${ref}; is not one of XML's five; DTD entities are never expanded`, offset);
  return value;
}

/** Parses a whole document and returns its root element; throws XmlError on anything wrong. */
export function parseXml(input: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  if (input.length > limits.maxChars)
    throw new XmlError(`document is larger than ${limits.maxChars} characters`, limits.maxChars);
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let elements = 0;
  let i = 0;

  const expectEnd = (marker: string, what: string): number => {
    const end = text.indexOf(marker, i);
    if (end < 0) throw new XmlError(`${what} is not closed: the file is truncated`, i);
    return end;
  };
  const readName = (at: number): string => {
    NAME.lastIndex = at;
    const m = NAME.exec(text);
    if (m === null)
      throw new XmlError(
        at >= text.length ? 'a tag is not closed: the file is truncated' : 'expected a name',
        at,
      );
    return m[0];
  };
  /** Skips white space inside a tag; running out of input there means the file was cut. */
  const skipSpace = (at: number): number => {
    SPACE.lastIndex = at;
    SPACE.exec(text);
    if (SPACE.lastIndex >= text.length) throw new XmlError('a tag is not closed: the file is truncated', at);
    return SPACE.lastIndex;
  };

  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chars = lt < 0 ? text.slice(i) : text.slice(i, lt);
    if (chars.length > 0) {
      const top = stack[stack.length - 1];
      if (top !== undefined) top.text += decode(chars, i);
      else if (chars.trim() !== '') throw new XmlError('text outside the root element', i);
    }
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<?', i)) {
      i = expectEnd('?>', 'a processing instruction') + 2;
    } else if (text.startsWith('<!--', i)) {
      i = expectEnd('-->', 'a comment') + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = expectEnd(']]>', 'a CDATA section');
      const top = stack[stack.length - 1];
      if (top === undefined) throw new XmlError('CDATA outside the root element', i);
      top.text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith('<!DOCTYPE', i)) {
      if (root !== null || stack.length > 0) throw new XmlError('a DOCTYPE after the root element', i);
      const end = expectEnd('>', 'the DOCTYPE');
      // An internal subset is where entities are declared: refuse it rather than half-read it.
      if (text.slice(i, end).includes('['))
        throw new XmlError('a DOCTYPE with an internal subset (entity declarations) is not accepted', i);
      i = end + 1;
    } else if (text.startsWith('<!', i)) {
      throw new XmlError('a markup declaration outside a DTD', i);
    } else if (text.startsWith('</', i)) {
      const name = readName(i + 2);
      const at = skipSpace(i + 2 + name.length);
      if (text[at] !== '>') throw new XmlError(`end tag </${name}> is not closed`, i);
      const open = stack.pop();
      if (open === undefined || open.name !== name)
        throw new XmlError(`end tag </${name}> does not close <${open?.name ?? '(nothing)'}>`, i);
      i = at + 1;
    } else {
      const start = i;
      const name = readName(i + 1);
      if (root !== null && stack.length === 0) throw new XmlError('a second root element', i);
      if (stack.length >= limits.maxDepth)
        throw new XmlError(`elements nest deeper than ${limits.maxDepth} levels`, i);
      if (++elements > limits.maxElements) throw new XmlError(`more than ${limits.maxElements} elements`, i);
      const attrs = new Map<string, string>();
      let at = i + 1 + name.length;
      let selfClosing = false;
      for (;;) {
        const before = at;
        at = skipSpace(at);
        const c = text[at];
        if (c === undefined)
          throw new XmlError(`start tag <${name}> is not closed: the file is truncated`, start);
        if (c === '>') break;
        if (c === '/' && text[at + 1] === '>') {
          selfClosing = true;
          at++;
          break;
        }
        if (at === before) throw new XmlError(`attributes of <${name}> need white space between them`, at);
        const attr = readName(at);
        at = skipSpace(at + attr.length);
        if (text[at] !== '=') throw new XmlError(`attribute ${attr} of <${name}> has no value`, at);
        at = skipSpace(at + 1);
        const quote = text[at];
        if (quote !== '"' && quote !== "'") throw new XmlError(`attribute ${attr} value is not quoted`, at);
        const close = text.indexOf(quote, at + 1);
        if (close < 0) throw new XmlError(`attribute ${attr} value is not closed: the file is truncated`, at);
        const raw = text.slice(at + 1, close);
        if (raw.includes('<')) throw new XmlError(`attribute ${attr} value contains "<"`, at);
        if (attrs.has(attr)) throw new XmlError(`attribute ${attr} repeats in <${name}>`, at);
        if (attrs.size >= limits.maxAttributes)
          throw new XmlError(`<${name}> has more than ${limits.maxAttributes} attributes`, at);
        attrs.set(attr, decode(raw, at));
        at = close + 1;
      }
      const element: XmlElement = { name, attrs, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.children.push(element);
      else root = element;
      if (!selfClosing) stack.push(element);
      i = at + 1;
    }
  }
  if (stack.length > 0)
    throw new XmlError(
      `<${stack[stack.length - 1]!.name}> is not closed: the file is truncated`,
      text.length,
    );
  if (root === null) throw new XmlError('no root element: the file is empty or not XML', 0);
  return root;
}

/** Child elements named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

/** First child element named `name`, or undefined. */
export function childNamed(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}
