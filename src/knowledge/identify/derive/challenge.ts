/**
 * WWW-Authenticate challenges (RFC 7235 §4.1; RFC 9110 §11.6.1), shared by the probes that
 * answer them and by identify, which reads realms and schemes out of raw header values that
 * saved observations and other scanners' output carry.
 */

export interface AuthChallenge {
  /** Scheme, lower case (`digest`, `basic`). */
  readonly scheme: string;
  /** Parameters with lower-case names, values unquoted. */
  readonly params: Readonly<Record<string, string>>;
}

const MAX_HEADER_CHARS = 8192;

/**
 * Parses one or more WWW-Authenticate header values (RFC 7235 §4.1). Several challenges may
 * share one value (`Digest realm="a", nonce="b", Basic realm="c"`). Tolerates the spacing and
 * unquoted values devices send; never throws.
 */
export function parseAuthenticate(values: string | readonly string[] | undefined | null): AuthChallenge[] {
  const list = values == null ? [] : typeof values === 'string' ? [values] : values;
  const out: AuthChallenge[] = [];
  for (const value of list) {
    const text = value.slice(0, MAX_HEADER_CHARS);
    let current: { scheme: string; params: Record<string, string> } | null = null;
    // A token that is followed by neither `=` nor `,` starts a new challenge; name=value pairs
    // belong to the current one.
    const re = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]*))?\s*,?/gy;
    for (let guard = 0; guard < 128; guard++) {
      const m = re.exec(text);
      if (m === null || m[0].length === 0) break;
      const [, token, rawValue, quoted] = m;
      if (rawValue === undefined) {
        current = { scheme: token!.toLowerCase(), params: Object.create(null) };
        out.push(current);
      } else if (current) {
        current.params[token!.toLowerCase()] =
          quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : rawValue;
      }
    }
  }
  return out;
}

/** Realms of every challenge in one or more WWW-Authenticate values, de-duplicated, in order. */
export function realmsOf(headerValues: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const v of headerValues) {
    for (const c of parseAuthenticate(v)) {
      const realm = c.params.realm;
      if (realm !== undefined) seen.add(realm);
    }
  }
  return [...seen];
}
