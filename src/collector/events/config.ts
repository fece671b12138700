/**
 * The `events:` section of the collector's config file (`camsweep collector serve --config
 * FILE`): syslog sinks, the SMTP relay, per-site digests, and the periodic check's thresholds.
 * Validated once at start; every problem is reported as `file:line events.key: message`.
 * src/collector/README.md ("Events") documents each key.
 */
import { parseDuration } from '../../core/duration.js';
import { CamsweepError } from '../../core/errors.js';
import { readCollectorConfigFile } from '../config/file.js';
import { FACILITIES, type SyslogSinkConfig } from './syslog.js';
import type { DispatcherOptions } from './webhooks.js';

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  /** STARTTLS is required unless the config says `starttls: disabled`. */
  readonly starttls: boolean;
  /** PEM CA file for the relay's certificate; null uses the system's CAs. */
  readonly ca: string | null;
  readonly from: string;
  readonly username: string | null;
  readonly passwordFile: string | null;
}

export const WEEKDAYS = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
] as const;

export interface DigestConfig {
  readonly site: string;
  readonly to: readonly string[];
  readonly schedule: 'daily' | 'weekly';
  /** UTC minutes after midnight the digest is due. */
  readonly atMinute: number;
  /** 0 = Sunday; weekly digests only. */
  readonly weekday: number;
}

export interface EventsConfig {
  readonly syslog: readonly SyslogSinkConfig[];
  readonly smtp: SmtpConfig | null;
  readonly digests: readonly DigestConfig[];
  /** An exemption ending within this many days raises `exemption.expiring`. */
  readonly exemptionWarningDays: number;
  /** An agent with no report for this long raises `agent.silent`. */
  readonly silentAgentAfterMs: number;
  /** How often the periodic check runs. */
  readonly checkEveryMs: number;
  /** Delivery timing for every receiver, webhooks included (events/webhooks.ts). */
  readonly delivery: DispatcherOptions;
}

export const NO_EVENTS_CONFIG: EventsConfig = {
  syslog: [],
  smtp: null,
  digests: [],
  exemptionWarningDays: 14,
  silentAgentAfterMs: 26 * 3_600_000,
  checkEveryMs: 5 * 60_000,
  delivery: {},
};

type Path = readonly (string | number)[];

class Problems {
  readonly list: { path: Path; message: string }[] = [];
  add(path: Path, message: string): null {
    this.list.push({ path, message });
    return null;
  }
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function known(p: Problems, path: Path, value: Record<string, unknown>, keys: readonly string[]): void {
  for (const k of Object.keys(value))
    if (!keys.includes(k)) p.add([...path, k], `unknown key (known: ${keys.join(', ')})`);
}

function str(
  p: Problems,
  path: Path,
  v: unknown,
  pattern = /^[^\r\n]{1,1024}$/,
  hint = 'text',
): string | null {
  if (typeof v === 'number') v = String(v);
  if (typeof v !== 'string' || !pattern.test(v)) return p.add(path, `must be ${hint}`);
  return v;
}

function int(p: Problems, path: Path, v: unknown, min: number, max: number): number | null {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    return p.add(path, `must be a whole number ${min}-${max}`);
  return v;
}

function duration(p: Problems, path: Path, v: unknown, fallback: number, minMs: number): number {
  if (v === undefined) return fallback;
  const ms = typeof v === 'string' ? parseDuration(v) : null;
  if (ms === null || ms < minMs)
    return p.add(path, `must be a duration of at least ${minMs / 1000}s, like 26h`) ?? 0;
  return ms;
}

const HOST = /^[A-Za-z0-9.:_-]{1,253}$/;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const EMAIL = /^[^\s@<>",;]{1,64}@[A-Za-z0-9.-]{1,253}$/;

function syslogSink(p: Problems, path: Path, raw: unknown, names: Set<string>): SyslogSinkConfig | null {
  if (!isMapping(raw)) return p.add(path, 'must be a mapping with name, host and port');
  known(p, path, raw, ['name', 'host', 'port', 'tls', 'facility', 'appName', 'hostname']);
  const name = str(p, [...path, 'name'], raw.name, NAME, 'a name of letters, digits, . _ -');
  if (name !== null && names.has(name)) p.add([...path, 'name'], `"${name}" names another syslog sink too`);
  if (name !== null) names.add(name);
  const host = str(p, [...path, 'host'], raw.host, HOST, 'a host name or address');
  const port = int(p, [...path, 'port'], raw.port, 1, 65535);
  let tls: SyslogSinkConfig['tls'] = null;
  if (raw.tls === true) tls = { ca: null };
  else if (isMapping(raw.tls)) {
    const t = raw.tls;
    const tp = [...path, 'tls'];
    known(p, tp, t, ['ca', 'cert', 'key', 'servername']);
    const file = (k: string) =>
      t[k] === undefined ? null : str(p, [...tp, k], t[k], /^\/.{0,4095}$/, 'an absolute path');
    const cert = file('cert');
    const key = file('key');
    if ((cert === null) !== (key === null)) p.add(tp, 'cert and key go together (the client certificate)');
    const servername =
      t.servername === undefined ? null : str(p, [...tp, 'servername'], t.servername, HOST, 'a host name');
    tls = { ca: file('ca'), ...(cert && key ? { cert, key } : {}), ...(servername ? { servername } : {}) };
  } else if (raw.tls !== undefined && raw.tls !== false)
    p.add(
      [...path, 'tls'],
      'must be true, false, or a mapping with ca (and cert, key for a client certificate)',
    );
  let facility = 16;
  if (typeof raw.facility === 'string') {
    facility = FACILITIES.indexOf(raw.facility as (typeof FACILITIES)[number]);
    if (facility < 0)
      facility = p.add([...path, 'facility'], `must be one of ${FACILITIES.join(', ')}`) ?? 16;
  } else if (raw.facility !== undefined) facility = int(p, [...path, 'facility'], raw.facility, 0, 23) ?? 16;
  const appName =
    raw.appName === undefined
      ? 'camsweep'
      : str(
          p,
          [...path, 'appName'],
          raw.appName,
          /^[\x21-\x7e]{1,48}$/,
          'up to 48 printable ASCII characters',
        );
  const hostname =
    raw.hostname === undefined
      ? null
      : str(p, [...path, 'hostname'], raw.hostname, /^[\x21-\x7e]{1,255}$/, 'printable ASCII without spaces');
  if (name === null || host === null || port === null || appName === null) return null;
  return { name, host, port, tls, facility, appName, hostname };
}

function smtp(p: Problems, path: Path, raw: unknown): SmtpConfig | null {
  if (raw === undefined) return null;
  if (!isMapping(raw)) return p.add(path, 'must be a mapping with host and from');
  known(p, path, raw, ['host', 'port', 'starttls', 'ca', 'from', 'username', 'passwordFile']);
  const host = str(p, [...path, 'host'], raw.host, HOST, 'a host name or address');
  const port = raw.port === undefined ? 587 : int(p, [...path, 'port'], raw.port, 1, 65535);
  let starttls = true;
  if (raw.starttls === 'disabled') starttls = false;
  else if (raw.starttls !== undefined && raw.starttls !== 'required')
    p.add([...path, 'starttls'], 'must be required (the default) or disabled');
  const ca =
    raw.ca === undefined ? null : str(p, [...path, 'ca'], raw.ca, /^\/.{0,4095}$/, 'an absolute path');
  const from = str(p, [...path, 'from'], raw.from, EMAIL, 'an e-mail address');
  const username = raw.username === undefined ? null : str(p, [...path, 'username'], raw.username);
  const passwordFile =
    raw.passwordFile === undefined
      ? null
      : str(p, [...path, 'passwordFile'], raw.passwordFile, /^\/.{0,4095}$/, 'an absolute path');
  if ((username === null) !== (passwordFile === null)) p.add(path, 'username and passwordFile go together');
  if (host === null || port === null || from === null) return null;
  return { host, port, starttls, ca, from, username, passwordFile };
}

function digest(p: Problems, path: Path, raw: unknown): DigestConfig | null {
  if (!isMapping(raw)) return p.add(path, 'must be a mapping with site, to and schedule');
  known(p, path, raw, ['site', 'to', 'schedule', 'at', 'weekday']);
  const site = str(p, [...path, 'site'], raw.site, /^[^\r\n]{1,128}$/, 'a site name');
  const list = typeof raw.to === 'string' ? [raw.to] : raw.to;
  const to =
    Array.isArray(list) && list.length > 0 && list.length <= 50
      ? list.map((r, i) => str(p, [...path, 'to', i], r, EMAIL, 'an e-mail address'))
      : [p.add([...path, 'to'], 'must be one e-mail address or a list of 1-50')];
  const schedule = raw.schedule ?? 'daily';
  if (schedule !== 'daily' && schedule !== 'weekly') p.add([...path, 'schedule'], 'must be daily or weekly');
  const at = str(p, [...path, 'at'], raw.at ?? '07:00', /^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (UTC)');
  const weekday = WEEKDAYS.indexOf((raw.weekday ?? 'monday') as (typeof WEEKDAYS)[number]);
  if (weekday < 0) p.add([...path, 'weekday'], `must be one of ${WEEKDAYS.join(', ')}`);
  if (site === null || at === null || to.some((t) => t === null) || weekday < 0) return null;
  if (schedule !== 'daily' && schedule !== 'weekly') return null;
  const [h, m] = at.split(':').map(Number);
  return { site, to: to as string[], schedule, atMinute: h! * 60 + m!, weekday };
}

function delivery(p: Problems, path: Path, raw: unknown): DispatcherOptions {
  if (raw === undefined) return {};
  if (!isMapping(raw)) return p.add(path, 'must be a mapping') ?? {};
  known(p, path, raw, ['poll', 'firstRetry', 'maxRetry', 'attempts', 'timeout']);
  const ms = (k: string, min: number) =>
    raw[k] === undefined ? undefined : duration(p, [...path, k], raw[k], 0, min);
  const options = {
    pollMs: ms('poll', 100),
    backoffMs: ms('firstRetry', 100),
    maxBackoffMs: ms('maxRetry', 100),
    timeoutMs: ms('timeout', 1000),
    maxAttempts:
      raw.attempts === undefined ? undefined : (int(p, [...path, 'attempts'], raw.attempts, 1, 10_000) ?? 1),
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

/** Validates the `events` section; `where` names the file for messages. */
export function parseEventsConfig(
  raw: unknown,
  lineOf: (path: Path) => number | null,
  where: string,
): EventsConfig {
  if (raw === undefined || raw === null) return NO_EVENTS_CONFIG;
  const p = new Problems();
  const root = ['events'];
  let config: EventsConfig | null = null;
  if (!isMapping(raw)) p.add(root, 'must be a mapping');
  else {
    known(p, root, raw, [
      'syslog',
      'smtp',
      'digests',
      'exemptionWarningDays',
      'silentAgentAfter',
      'checkEvery',
      'delivery',
    ]);
    const names = new Set<string>();
    const sinks =
      raw.syslog === undefined
        ? []
        : Array.isArray(raw.syslog)
          ? raw.syslog
          : [p.add([...root, 'syslog'], 'must be a list')];
    const syslog = sinks.map((s, i) => syslogSink(p, [...root, 'syslog', i], s, names));
    const relay = smtp(p, [...root, 'smtp'], raw.smtp);
    const list =
      raw.digests === undefined
        ? []
        : Array.isArray(raw.digests)
          ? raw.digests
          : [p.add([...root, 'digests'], 'must be a list')];
    const digests = list.map((d, i) => digest(p, [...root, 'digests', i], d));
    if (digests.length > 0 && raw.smtp === undefined)
      p.add([...root, 'digests'], 'need an smtp section to send through');
    const days =
      raw.exemptionWarningDays === undefined
        ? 14
        : int(p, [...root, 'exemptionWarningDays'], raw.exemptionWarningDays, 0, 365);
    config = {
      syslog: syslog.filter((s) => s !== null),
      smtp: relay,
      digests: digests.filter((d) => d !== null),
      exemptionWarningDays: days ?? 14,
      silentAgentAfterMs: duration(
        p,
        [...root, 'silentAgentAfter'],
        raw.silentAgentAfter,
        NO_EVENTS_CONFIG.silentAgentAfterMs,
        60_000,
      ),
      delivery: delivery(p, [...root, 'delivery'], raw.delivery),
      checkEveryMs: duration(p, [...root, 'checkEvery'], raw.checkEvery, NO_EVENTS_CONFIG.checkEveryMs, 1000),
    };
  }
  if (p.list.length > 0 || !config) {
    const lines = p.list.map(({ path, message }) => {
      const line = lineOf(path);
      const name = path
        .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
        .join('')
        .slice(1);
      return `${where}${line ? `:${line}` : ''} ${name}: ${message}`;
    });
    throw new CamsweepError('E_CONFIG', lines.join('\n'), {
      fix: 'correct the events section of the collector config (src/collector/README.md, "Events")',
    });
  }
  return config;
}

/** Reads the `events` section of a collector config file. */
export function eventsConfigFromFile(file: string): EventsConfig {
  const config = readCollectorConfigFile(file);
  return parseEventsConfig(config.sections.events, config.lineOfPath, file);
}
