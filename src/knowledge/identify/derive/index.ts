/**
 * The derive step of identify: every key a signature may read that can be computed from a raw
 * key is computed here, from the raw key, whatever produced the observations. A live scan, a
 * saved JSON-lines file and another scanner's output then give the same identity, and no
 * signature depends on a probe having done the deriving. Probes may still emit derived keys;
 * a derived observation equal to one already present is not added twice.
 *
 * Raw key → derived keys (all in src/contract/observation-keys.ts):
 *   http.header.www-authenticate → http.auth.realm, http.auth.scheme (one per challenge)
 *   rtsp.header.www-authenticate → rtsp.auth.realm, rtsp.auth.scheme
 *   http.body                    → http.html.title (when the body is HTML)
 *   tls.cert.pem                 → tls.cert.subject, tls.cert.issuer, tls.cert.sha256
 *   http.favicon.base64          → http.favicon.mmh3, http.favicon.mmh3-raw, http.favicon.md5
 *   mac.address (any common notation) → mac.address normalised, mac.oui.org (IEEE registry)
 *   snmp.* in tool-printed forms → the dotted form (key and value), system scalars by name
 *   snmp.oid.1.3.6.1.4.1.<n>…    → snmp.enterprise <n> (an agent answering inside a maker's
 *                                  private arc runs that maker's MIB, whatever the scalar says)
 */

import type { Observation } from '../../../contract/types.js';
import { normaliseMac } from '../../../core/mac.js';
import { cap } from '../../../core/text.js';
import { certFromPem } from './certificate.js';
import { parseAuthenticate } from './challenge.js';
import { decodeFaviconBase64, faviconHash, faviconMd5, faviconRawHash } from './favicon.js';
import { htmlTitle, looksLikeHtml } from './html.js';
import { ouiOrganisation } from './oui.js';
import { normaliseSnmpKey, normaliseSnmpValue } from './snmp.js';

type Emit = (key: string, value: string) => void;
type Deriver = (value: string, emit: Emit, context: { contentType: string | undefined }) => void;

/** More challenges than this in one header value is not a device being helpful. */
const MAX_CHALLENGES = 8;

function fromChallenge(proto: 'http' | 'rtsp'): Deriver {
  return (value, emit) => {
    for (const c of parseAuthenticate(value).slice(0, MAX_CHALLENGES)) {
      emit(`${proto}.auth.scheme`, c.scheme);
      if (c.params.realm !== undefined && c.params.realm !== '')
        emit(`${proto}.auth.realm`, cap(c.params.realm));
    }
  };
}

const DERIVERS: ReadonlyMap<string, Deriver> = new Map(
  Object.entries({
    'http.header.www-authenticate': fromChallenge('http'),
    'rtsp.header.www-authenticate': fromChallenge('rtsp'),
    'http.body': (value, emit, { contentType }) => {
      if (!looksLikeHtml(contentType, value)) return;
      const title = htmlTitle(value);
      if (title !== null) emit('http.html.title', cap(title));
    },
    'tls.cert.pem': (value, emit) => {
      const cert = certFromPem(value);
      if (cert === null) return;
      emit('tls.cert.subject', cert.subject);
      emit('tls.cert.issuer', cert.issuer);
      emit('tls.cert.sha256', cert.sha256);
    },
    'http.favicon.base64': (value, emit) => {
      const icon = decodeFaviconBase64(value);
      if (icon === null) return;
      emit('http.favicon.mmh3', String(faviconHash(icon)));
      emit('http.favicon.mmh3-raw', String(faviconRawHash(icon)));
      emit('http.favicon.md5', faviconMd5(icon));
    },
    // Other tools print the vendor in their own spelling (nmap shortens it): ours is the registry's.
    'mac.address': (value, emit) => {
      const mac = normaliseMac(value);
      const org = mac === null ? null : ouiOrganisation(mac);
      if (org !== null) emit('mac.oui.org', org);
    },
  }),
);

/** Same fact, same place: what makes a derived observation a repeat of a given one. */
function identityOf(o: Observation): string {
  return `${o.key}\u0000${o.value}\u0000${o.port ?? ''}\u0000${o.path ?? ''}`;
}

function normalised(o: Observation): Observation {
  if (o.key === 'mac.address') {
    const mac = normaliseMac(o.value);
    return mac === null || mac === o.value ? o : { ...o, value: mac };
  }
  if (!o.key.startsWith('snmp.')) return o;
  const key = normaliseSnmpKey(o.key);
  const value = normaliseSnmpValue(key, o.value);
  return key === o.key && value === o.value ? o : { ...o, key, value };
}

const ENTERPRISE_ARC = 'snmp.oid.1.3.6.1.4.1.';

/** The deriver for an observation's key: by exact key, or the enterprise arc of an OID key. */
function deriverOf(key: string): Deriver | undefined {
  return DERIVERS.get(key) ?? (key.startsWith(ENTERPRISE_ARC) ? fromEnterpriseArc(key) : undefined);
}

/** `snmp.oid.1.3.6.1.4.1.1004849.2.10…` → snmp.enterprise 1004849; the value plays no part. */
function fromEnterpriseArc(key: string): Deriver | undefined {
  const number = /^(\d{1,10})(?:\.|$)/.exec(key.slice(ENTERPRISE_ARC.length))?.[1];
  return number === undefined ? undefined : (_value, emit) => emit('snmp.enterprise', number);
}

/** One host's observations, normalised, plus every key derivable from their raw keys. */
export function derive(observations: readonly Observation[]): Observation[] {
  const base = observations.map(normalised);
  if (!base.some((o) => deriverOf(o.key) !== undefined)) return base;

  const contentTypes = new Map<string, string>();
  for (const o of base)
    if (o.key === 'http.header.content-type') contentTypes.set(`${o.port ?? ''} ${o.path ?? ''}`, o.value);
  const seen = new Set(base.map(identityOf));
  const out = [...base];
  for (const o of base) {
    const deriver = deriverOf(o.key);
    if (deriver === undefined) continue;
    const emit: Emit = (key, value) => {
      const d: Observation = { ...o, key, value };
      const id = identityOf(d);
      if (seen.has(id)) return;
      seen.add(id);
      out.push(d);
    };
    deriver(o.value, emit, { contentType: contentTypes.get(`${o.port ?? ''} ${o.path ?? ''}`) });
  }
  return out;
}
