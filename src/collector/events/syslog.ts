/**
 * The syslog sink: RFC 5424 messages carrying CEF (cef.ts), framed by octet counting (RFC 6587
 * §3.4.1: `LENGTH SP MESSAGE`, so a message may never be split or merged by a stray line break)
 * over TCP, or over TLS as RFC 5425 describes (same framing, certificate checked against the
 * configured CA, optional client certificate).
 *
 * TCP has no application acknowledgement, and bytes a dead receiver's kernel accepted are lost.
 * So each round opens a connection, writes its batch, half-closes, and counts the batch as
 * delivered only when the receiver closes its side cleanly: a syslog server closes after it has
 * read everything up to our FIN. Anything else (refused, reset, timeout) leaves the whole batch
 * queued for a retry.
 */
import { readFileSync } from 'node:fs';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { connect as connectTls } from 'node:tls';
import { cefOf, type QueuedEvent } from './cef.js';

export const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'clock',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

export interface SyslogSinkConfig {
  /** Names the sink in the database and the delivery log. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** TLS (RFC 5425) when set: the receiver's certificate is checked against `ca`, or the system's CAs. */
  readonly tls: {
    readonly ca: string | null;
    readonly cert?: string;
    readonly key?: string;
    readonly servername?: string;
  } | null;
  /** Facility number 0-23 (FACILITIES index). */
  readonly facility: number;
  readonly appName: string;
  /** HOSTNAME field; default the collector's host name. */
  readonly hostname: string | null;
}

/** Room for the CEF part within 2048 octets, after the longest RFC 5424 header we write. */
const MAX_CEF_BYTES = 2048 - 400;

// RFC 5424 §6.2: HOSTNAME, APP-NAME, PROCID and MSGID are printable US-ASCII without spaces.
function printable(value: string, max: number): string {
  const out = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return out === '' ? '-' : out;
}

/** Syslog severity (RFC 5424 §6.2.1) from the CEF severity: warning, notice or informational. */
function syslogSeverity(cefSeverity: number): number {
  return cefSeverity >= 7 ? 4 : cefSeverity >= 4 ? 5 : 6;
}

/** One RFC 5424 message (no framing): `<PRI>1 TIMESTAMP HOST APP PROCID MSGID - CEF:…`. */
export function syslogMessage(config: SyslogSinkConfig, event: QueuedEvent): string {
  // Every receiver must take 2048 octets (RFC 5425 §4.3.1); only a message whose every device
  // string is long and wide needs the tighter caps.
  const wide = cefOf(event);
  const cef = Buffer.byteLength(wide) <= MAX_CEF_BYTES ? wide : cefOf(event, 24);
  const severity = Number(/^CEF:0\|(?:(?:\\.|[^\\|])*\|){5}(\d+)\|/.exec(cef)?.[1] ?? 3);
  const pri = config.facility * 8 + syslogSeverity(severity);
  const time = Number.isNaN(Date.parse(event.createdAt)) ? '-' : new Date(event.createdAt).toISOString();
  const host = printable(config.hostname ?? osHostname(), 255);
  // No structured data ("-"): CEF carries the fields, and an SD-ID of our own would need a
  // private enterprise number. No BOM: MSG is plain octets (RFC 5424 MSG-ANY), as CEF readers expect.
  return `<${pri}>1 ${time} ${host} ${printable(config.appName, 48)} ${process.pid} ${printable(event.kind, 32)} - ${cef}`;
}

/** RFC 6587 octet-counting frame: the byte length, a space, the message. */
export function frame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

function open(config: SyslogSinkConfig): Socket {
  if (!config.tls) return connectTcp({ host: config.host, port: config.port });
  const t = config.tls;
  return connectTls({
    host: config.host,
    port: config.port,
    ...(t.ca ? { ca: readFileSync(t.ca) } : {}),
    ...(t.cert && t.key ? { cert: readFileSync(t.cert), key: readFileSync(t.key) } : {}),
    // SNI only carries DNS names; an address is still checked against the certificate's IP SANs.
    ...(isIP(t.servername ?? config.host) === 0 ? { servername: t.servername ?? config.host } : {}),
    minVersion: 'TLSv1.2',
  });
}

/**
 * Sends one batch on a fresh connection and resolves once the receiver closed cleanly after
 * reading it all; rejects with the cause (ECONNREFUSED, a certificate error, a timeout…).
 */
export function sendBatch(
  config: SyslogSinkConfig,
  messages: readonly string[],
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = open(config);
    let failed: Error | null = null;
    let ended = false;
    const fail = (err: Error) => {
      failed ??= err;
      socket.destroy();
    };
    const timer = setTimeout(
      () => fail(new Error(`no clean close from ${config.host}:${config.port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once(config.tls ? 'secureConnect' : 'connect', () => {
      socket.end(Buffer.concat(messages.map(frame)));
    });
    socket.on('data', () => {
      // A syslog receiver does not answer; anything it sends is ignored.
    });
    socket.on('end', () => {
      ended = true;
    });
    socket.on('error', fail);
    socket.on('close', () => {
      clearTimeout(timer);
      if (failed) reject(failed);
      else if (!ended)
        reject(new Error(`connection to ${config.host}:${config.port} closed before the receiver finished`));
      else resolve();
    });
  });
}
