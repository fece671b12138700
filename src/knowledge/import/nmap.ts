/**
 * nmap XML (`nmap -sV -oX FILE`, with or without scripts) to observations, one list per host,
 * so `camsweep identify --from nmap-xml` runs what nmap saw through the same identify and
 * classify stages as a scan. Raw values are carried (a PEM certificate, a Server header, the
 * raw response nmap kept of an unrecognised service); identify derives the rest.
 *
 * What is read, and the key it becomes, is the table in README.md beside this file and the
 * SCRIPTS / SERVICE_FIELDS tables below. Element and attribute names follow nmap's DTD
 * (https://github.com/nmap/nmap/blob/master/docs/nmap.dtd); script output formats follow each
 * script's NSE source (https://github.com/nmap/nmap/tree/master/scripts).
 */

import type { Observation } from '../../contract/types.js';
import { cap, MAX_BODY_CHARS } from '../../core/text.js';
import { valueLimit } from '../identify/input.js';
import {
  childNamed,
  childrenNamed,
  DEFAULT_XML_LIMITS,
  parseXml,
  type XmlElement,
  type XmlLimits,
} from './xml.js';

/** Where an observation came from, in evidence: nmap, not one of our probes. */
export const NMAP_PROBE = 'nmap';

export interface ImportedHost {
  readonly host: string;
  readonly observations: Observation[];
  /** nmap gave up on this host (--host-timeout): what it saw is only part of the host. */
  readonly timedOut: boolean;
}

type Emit = (key: string, value: string, path?: string) => void;

/** The text of `<elem key="…">` children of a script or table element. */
function elems(element: XmlElement, key?: string): string[] {
  return childrenNamed(element, 'elem')
    .filter((e) => (key === undefined ? !e.attrs.has('key') : e.attrs.get('key') === key))
    .map((e) => e.text);
}

/** Header lines `Name: value` as nmap's scripts print them; stops at the first other line. */
function headerLines(lines: readonly string[]): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const line of lines) {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}):[ \t]?(.*)$/.exec(line);
    if (m === null) break;
    out.push({ name: m[1]!.toLowerCase(), value: m[2]!.trim() });
  }
  return out;
}

/**
 * One raw reply that nmap's `fingerprint-strings` script printed (lines indented by four
 * spaces; the blank line after the headers is not kept). HTTP and RTSP replies become status,
 * header and, for the GET of `/`, body observations.
 */
function rawReply(probes: readonly string[], text: string, emit: Emit): void {
  const lines = text.split('\n').map((l) => l.replace(/^ {4}/, ''));
  while (lines[0] === '') lines.shift();
  const status = /^(HTTP|RTSP)\/\d\.\d (\d{3})\b/.exec(lines[0] ?? '');
  if (status === null) return;
  const proto = status[1] === 'HTTP' ? 'http' : 'rtsp';
  const isGet = probes.includes('GetRequest') && proto === 'http';
  const path = isGet ? '/' : undefined;
  if (isGet || proto === 'rtsp') emit(`${proto}.status`, status[2]!, path);
  const headers = headerLines(lines.slice(1));
  for (const h of headers) emit(`${proto}.header.${h.name}`, h.value, path);
  const body = lines.slice(1 + headers.length).join('\n');
  if (isGet && body.trim() !== '') emit('http.body', cap(body, MAX_BODY_CHARS), '/');
}

/**
 * NSE scripts whose output carries something signatures read, and what each becomes.
 * Scripts not listed are ignored.
 */
const SCRIPTS: ReadonlyMap<string, (script: XmlElement, emit: Emit) => void> = new Map(
  Object.entries({
    // `title` is only there when the page had one ("Site doesn't have a title" is not a title).
    'http-title': (s: XmlElement, emit: Emit) => {
      for (const t of elems(s, 'title')) emit('http.html.title', t, '/');
    },
    'http-server-header': (s: XmlElement, emit: Emit) => {
      const values = elems(s);
      for (const v of values.length > 0 ? values : [s.attrs.get('output') ?? ''])
        if (v !== '') emit('http.header.server', v, '/');
    },
    'http-headers': (s: XmlElement, emit: Emit) => {
      const lines = (s.attrs.get('output') ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      for (const h of headerLines(lines)) emit(`http.header.${h.name}`, h.value, '/');
    },
    'http-favicon': (s: XmlElement, emit: Emit) => {
      const md5 = /\bMD5: ([0-9a-fA-F]{32})\b/.exec(s.attrs.get('output') ?? '');
      if (md5) emit('http.favicon.md5', md5[1]!.toLowerCase());
    },
    'ssl-cert': (s: XmlElement, emit: Emit) => {
      for (const pem of elems(s, 'pem')) emit('tls.cert.pem', pem);
    },
    // The methods an RTSP server lists are its OPTIONS reply's Public header.
    'rtsp-methods': (s: XmlElement, emit: Emit) => {
      const output = s.attrs.get('output') ?? '';
      if (output !== '') emit('rtsp.header.public', output);
    },
    // The script appends "System uptime: …" on a second line.
    'snmp-sysdescr': (s: XmlElement, emit: Emit) => {
      const descr = (s.attrs.get('output') ?? '').split('\n', 1)[0]!.trim();
      if (descr !== '') emit('snmp.sysDescr', descr);
    },
    'fingerprint-strings': (s: XmlElement, emit: Emit) => {
      for (const e of childrenNamed(s, 'elem'))
        rawReply((e.attrs.get('key') ?? '').split(/,\s*/), e.text, emit);
    },
  }),
);

/** `<service>` attributes (nmap's own match against nmap-service-probes) and their keys. */
const SERVICE_FIELDS: readonly (readonly [attribute: string, key: string])[] = [
  ['product', 'nmap.service.product'],
  ['version', 'nmap.service.version'],
  ['extrainfo', 'nmap.service.extrainfo'],
  ['devicetype', 'nmap.service.devicetype'],
];

function portObservations(
  port: XmlElement,
  emit: (key: string, value: string, port: number, path?: string) => void,
) {
  const state = childNamed(port, 'state')?.attrs.get('state');
  const portid = Number(port.attrs.get('portid'));
  if (state !== 'open' || !Number.isInteger(portid) || portid < 1 || portid > 65535) return;
  const at: Emit = (key, value, path) => emit(key, value, portid, path);
  if (port.attrs.get('protocol') === 'tcp') at('tcp.open', String(portid));
  const service = childNamed(port, 'service');
  if (service !== undefined)
    for (const [attribute, key] of SERVICE_FIELDS) {
      const value = service.attrs.get(attribute);
      if (value !== undefined && value !== '') at(key, value);
    }
  for (const script of childrenNamed(port, 'script')) SCRIPTS.get(script.attrs.get('id') ?? '')?.(script, at);
}

function isoTime(epochSeconds: string | undefined): string {
  const n = Number(epochSeconds);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : '';
}

/**
 * Every host nmap reported up, with its observations. Throws XmlError for a file that is not
 * well-formed (or exceeds the limits), and an Error when it is XML but not nmap's.
 */
export function importNmapXml(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): ImportedHost[] {
  const root = parseXml(text, limits);
  if (root.name !== 'nmaprun') throw new Error(`the root element is <${root.name}>, not nmap's <nmaprun>`);
  const hosts: ImportedHost[] = [];
  for (const h of childrenNamed(root, 'host')) {
    if (childNamed(h, 'status')?.attrs.get('state') === 'down') continue;
    const addresses = childrenNamed(h, 'address');
    const ip =
      addresses.find((a) => a.attrs.get('addrtype') === 'ipv4') ??
      addresses.find((a) => a.attrs.get('addrtype') === 'ipv6');
    const host = ip?.attrs.get('addr');
    if (host === undefined || host === '') continue;
    const at = isoTime(h.attrs.get('endtime') ?? root.attrs.get('start'));
    const observations: Observation[] = [];
    const emit = (key: string, value: string, port?: number, path?: string) =>
      observations.push({
        host,
        key,
        value: cap(value, valueLimit(key)),
        probe: NMAP_PROBE,
        at,
        ...(port !== undefined ? { port } : {}),
        ...(path !== undefined ? { path } : {}),
      });
    // nmap's vendor name is its own short spelling; identify looks the MAC up in the registry.
    const mac = addresses.find((a) => a.attrs.get('addrtype') === 'mac')?.attrs.get('addr');
    if (mac !== undefined) emit('mac.address', mac);
    const ports = childNamed(h, 'ports');
    if (ports !== undefined) for (const p of childrenNamed(ports, 'port')) portObservations(p, emit);
    hosts.push({ host, observations, timedOut: h.attrs.get('timedout') === 'true' });
  }
  return hosts;
}
