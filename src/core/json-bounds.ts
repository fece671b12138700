/**
 * A structural pre-scan of JSON text, run before JSON.parse on input from the network. Parsing
 * is where memory goes: 11 MiB of `{},` becomes four million objects and over a gigabyte of
 * heap. One pass over the bytes, with no allocation per value, counts nesting depth, the
 * elements of each array and the values overall, and stops at the first bound passed, so the
 * parser only ever sees text whose object graph is bounded. It does not check the JSON is
 * well formed; JSON.parse still does that.
 */

export interface JsonBounds {
  /** Deepest nesting of objects and arrays. */
  readonly maxDepth: number;
  /** Most elements in any one array. */
  readonly maxArrayItems: number;
  /** Most members in any one object (an object with a million distinct keys is the costliest shape). */
  readonly maxObjectMembers: number;
  /** Most values (scalars, objects, arrays and object members) in the whole text. */
  readonly maxValues: number;
}

export type JsonBoundsResult =
  | { readonly ok: true; readonly values: number }
  | { readonly ok: false; readonly reason: string; readonly offset: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

export function scanJsonBounds(bytes: Uint8Array, bounds: JsonBounds): JsonBoundsResult {
  // Per open container: the commas seen so far in it; objects and arrays are told apart by kind.
  const stack = new Int32Array(bounds.maxDepth + 1);
  const isArray = new Uint8Array(bounds.maxDepth + 1);
  let depth = 0;
  let values = 1;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    switch (b) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (depth === bounds.maxDepth)
          return { ok: false, reason: `nested deeper than ${bounds.maxDepth} levels`, offset: i };
        isArray[depth] = b === OPEN_ARRAY ? 1 : 0;
        stack[depth++] = 0;
        values++;
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        if (depth > 0) depth--;
        break;
      case COMMA:
        if (++values > bounds.maxValues)
          return { ok: false, reason: `more than ${bounds.maxValues} values`, offset: i };
        if (depth > 0) {
          const items = ++stack[depth - 1]! + 1;
          if (isArray[depth - 1] === 1 && items > bounds.maxArrayItems)
            return { ok: false, reason: `an array with more than ${bounds.maxArrayItems} items`, offset: i };
          if (isArray[depth - 1] === 0 && items > bounds.maxObjectMembers)
            return {
              ok: false,
              reason: `an object with more than ${bounds.maxObjectMembers} members`,
              offset: i,
            };
        }
        break;
    }
  }
  return { ok: true, values };
}
