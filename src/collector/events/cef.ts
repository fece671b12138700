/**
 * ArcSight Common Event Format (CEF 0) for the syslog sink: a header of pipe-separated fields,
 * then `key=value` extensions. Escaping follows the CEF implementation standard (Micro Focus,
 * "Implementing ArcSight CEF", rev. 25): in the header `\` and `|` are backslash-escaped; in
 * extension values `\` and `=` are, and line breaks become `\n` / `\r`. Device strings are
 * attacker-controlled, so every value is also capped and stripped of other control and bidi
 * characters: no CR/LF ever reaches the wire, and a SIEM console shows what was sent.
 */
import { VERSION } from '../../core/version.js';
import type { EventKind } from '../store/outbox.js';

/** Longest value of one field, in characters, before escaping. */
export const MAX_FIELD_CHARS = 128;

// C0/C1 controls other than CR and LF (escaped separately), DEL, and the bidi/formatting marks
// that can hide or reorder text in a console. Line and paragraph separators count as breaks.
const HIDDEN =
  /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;

function clean(value: string, max: number): string {
  const chars = [...value.replace(HIDDEN, '?')];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/** A header field: no line break at all (a header has no escape for one), `\` and `|` escaped. */
export function cefHeader(value: string, max = MAX_FIELD_CHARS): string {
  return clean(value, max)
    .replace(BREAKS, ' ')
    .replace(/[\\|]/g, (c) => `\\${c}`);
}

/** An extension value: `\` and `=` escaped, line breaks as the two characters `\n` or `\r`. */
export function cefValue(value: string, max = MAX_FIELD_CHARS): string {
  return clean(value, max).replace(/[\\=]|\r\n|[\r\n\u0085\u2028\u2029]/g, (c) => {
    if (c === '\\' || c === '=') return `\\${c}`;
    return c === '\r' ? '\\r' : '\\n';
  });
}

export interface CefEvent {
  readonly signatureId: string;
  readonly name: string;
  /** 0 (lowest) to 10. */
  readonly severity: number;
  /** Extension keys (fixed, ours) and values (escaped here). Null or empty values are left out. */
  readonly extension: readonly (readonly [string, string | number | null | undefined])[];
}

export function formatCef(event: CefEvent, max = MAX_FIELD_CHARS): string {
  const header = ['camsweep', 'collector', VERSION, event.signatureId, event.name, String(event.severity)]
    .map((f) => cefHeader(f, max))
    .join('|');
  const ext = event.extension
    .filter(
      (pair): pair is readonly [string, string | number] =>
        pair[1] !== null && pair[1] !== undefined && pair[1] !== '',
    )
    .map(([k, v]) => `${k}=${cefValue(String(v), k === 'msg' ? 2 * max : max)}`)
    .join(' ');
  return `CEF:0|${header}|${ext}`;
}

/** What a queued event is, as the syslog sink needs it. */
export interface QueuedEvent {
  readonly id: number;
  readonly kind: string;
  readonly site: string;
  readonly createdAt: string;
  readonly data: Readonly<Record<string, unknown>>;
}

const text = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
const millis = (v: unknown): number | null => {
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(t) ? null : t;
};

const NAMES: Record<Exclude<EventKind, 'site.digest'>, string> = {
  'device.new': 'New covered or suspect device',
  'device.verdict-changed': 'Device verdict changed',
  'device.reappeared': 'Device marked removed was seen again',
  'exemption.expiring': 'Exemption expires soon',
  'exemption.expired': 'Exemption expired',
  'agent.silent': 'Agent stopped reporting',
  'rules.changed': 'Rules version changed',
};

function severityOf(e: QueuedEvent): number {
  const verdict = text(e.data.verdict);
  switch (e.kind) {
    case 'device.new':
    case 'device.verdict-changed':
      return verdict === 'covered' ? 8 : verdict === 'suspect' ? 6 : 3;
    case 'device.reappeared':
      return 7;
    case 'exemption.expired':
      return 6;
    case 'exemption.expiring':
      return 4;
    case 'agent.silent':
      return 5;
    default:
      return 3;
  }
}

/** One short sentence for the `msg` extension, from collector-known values and capped device ones. */
function summary(e: QueuedEvent): string {
  const d = e.data;
  const device = [text(d.manufacturer) ?? 'unidentified', text(d.deviceType), text(d.ip)]
    .filter(Boolean)
    .join(' ');
  switch (e.kind) {
    case 'device.new':
      return `${device} at ${e.site} is ${text(d.verdict)}`;
    case 'device.verdict-changed':
      return `${device} at ${e.site}: ${text(d.from)} -> ${text(d.verdict)}`;
    case 'device.reappeared':
      return `${device} at ${e.site} was marked ${text(d.state)} and is on the network again`;
    case 'exemption.expiring':
      return `exemption of ${device} at ${e.site} ends ${text(d.expiresAt)}`;
    case 'exemption.expired':
      return `exemption of ${device} at ${e.site} ended ${text(d.expiresAt)}`;
    case 'agent.silent':
      return `agent ${text(d.agent)} at ${e.site} last reported ${text(d.lastSeen)}`;
    case 'rules.changed':
      return `reports from ${e.site} moved from rules ${text(d.from)} to ${text(d.to)}`;
    default:
      return e.kind;
  }
}

/**
 * The CEF form of a queued event. Field mapping (src/collector/README.md, "Events"): rt event
 * time, externalId event id, cat kind, msg summary, cs1 site, cn1 device id, dst/dmac the
 * device's address, cs2 verdict, cs3 the second value that kind carries (previous verdict,
 * remediation state, approver, agent), cs4 manufacturer, cs5 model, cs6 rules.
 */
export function cefOf(e: QueuedEvent, max = MAX_FIELD_CHARS): string {
  const d = e.data;
  const rules = Array.isArray(d.rules) ? d.rules.filter((r) => typeof r === 'string').join(',') : null;
  const second: Record<string, readonly [string, unknown]> = {
    'device.verdict-changed': ['previousVerdict', d.from],
    'device.reappeared': ['remediation', d.state],
    'exemption.expiring': ['approver', d.approver],
    'exemption.expired': ['approver', d.approver],
    'agent.silent': ['agent', d.agent],
    'rules.changed': ['agent', d.agent],
  };
  const [label3, value3] = second[e.kind] ?? [null, null];
  const isRules = e.kind === 'rules.changed';
  return formatCef(
    {
      signatureId: e.kind,
      name: NAMES[e.kind as keyof typeof NAMES] ?? e.kind,
      severity: severityOf(e),
      extension: [
        ['rt', millis(e.createdAt)],
        ['externalId', e.id],
        ['cat', e.kind],
        ['msg', summary(e)],
        ['cs1Label', 'site'],
        ['cs1', e.site],
        ['cn1Label', d.deviceId === undefined ? null : 'deviceId'],
        ['cn1', typeof d.deviceId === 'number' ? d.deviceId : null],
        ['dst', text(d.ip)],
        ['dmac', text(d.mac)],
        ['cs2Label', isRules ? 'rulesVersion' : text(d.verdict) ? 'verdict' : null],
        ['cs2', isRules ? text(d.to) : text(d.verdict)],
        ['cs3Label', label3 && text(value3) ? label3 : null],
        ['cs3', text(value3)],
        [
          'cs4Label',
          text(d.manufacturer) ? 'manufacturer' : isRules && text(d.from) ? 'previousRulesVersion' : null,
        ],
        ['cs4', isRules ? text(d.from) : text(d.manufacturer)],
        ['cs5Label', text(d.model) ? 'model' : null],
        ['cs5', text(d.model)],
        ['cs6Label', rules ? 'rules' : null],
        ['cs6', rules],
        ['end', e.kind.startsWith('exemption.') ? millis(d.expiresAt) : null],
      ],
    },
    max,
  );
}
