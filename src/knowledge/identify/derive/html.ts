/**
 * Reading HTML the way fingerprints need it: the page title and whether a body is HTML at all.
 * Shared by the http probe and by identify, which derives `http.html.title` from a saved or
 * imported `http.body`. Input is device-supplied: every scan here is linear and bounded.
 */

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** Decodes the few HTML character references a title realistically holds. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
        ? String.fromCodePoint(code)
        : whole;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

const MAX_TAG_CHARS = 2048;

/** ASCII-only lower-casing: keeps every index valid, unlike toLowerCase on non-ASCII text. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * Start tags named `name` (`<name …>`) outside comments, as their source text. A forward-only
 * scan with indexOf, so hostile markup (thousands of unclosed tags or comments) costs linear
 * time; regexes like `<title[^>]*>` go quadratic on it.
 */
export function* startTags(html: string, name: string): Generator<{ tag: string; end: number }> {
  const lower = asciiLower(html);
  const open = `<${name}`;
  let i = 0;
  // Next comment and next candidate tag; each is searched again only once the scan passed it,
  // so the whole walk stays linear however comments and tags interleave.
  let comment = -2;
  let tag = -2;
  while (i < lower.length) {
    if (comment !== -1 && comment < i) comment = lower.indexOf('<!--', i);
    if (tag < i) tag = lower.indexOf(open, i);
    if (tag < 0) return;
    if (comment >= 0 && comment < tag) {
      const close = lower.indexOf('-->', comment + 4);
      if (close < 0) return;
      i = close + 3;
      continue;
    }
    const after = lower[tag + open.length];
    if (after !== undefined && !/[\s/>]/.test(after)) {
      i = tag + open.length;
      continue;
    }
    const end = lower.indexOf('>', tag);
    if (end < 0) return;
    // Real tags are short; a huge one is hostile and would make attribute regexes slow.
    if (end - tag <= MAX_TAG_CHARS) yield { tag: html.slice(tag, end + 1), end: end + 1 };
    i = end + 1;
  }
}

/**
 * Text of the first HTML `<title>`, whitespace collapsed, or null. Looks only at the first
 * 64 KiB and skips comments, so a title in commented-out markup does not count.
 */
export function htmlTitle(html: string): string | null {
  const head = html.slice(0, 65536);
  for (const { end } of startTags(head, 'title')) {
    const close = asciiLower(head).indexOf('</title', end);
    if (close < 0) return null;
    const title = decodeEntities(head.slice(end, close)).replace(/\s+/g, ' ').trim();
    return title === '' ? null : title;
  }
  return null;
}

/** True when a response looks like HTML by type or by content. */
export function looksLikeHtml(contentType: string | undefined, text: string): boolean {
  if (contentType !== undefined && /html/i.test(contentType)) return true;
  return /^\s*(<!doctype html|<html|<head|<title)/i.test(text.slice(0, 1024));
}
