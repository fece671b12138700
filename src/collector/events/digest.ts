/**
 * The per-site digest e-mail: when it is due, what it says (counts, new covered and suspect
 * devices of the period, exemptions about to end), and sending it over SMTP with nodemailer.
 * STARTTLS is required unless the config disables it: a relay that does not offer it fails the
 * delivery, which stays queued. Device strings are capped and made visible in the text part and
 * HTML-escaped in the HTML part.
 */
import { readFileSync } from 'node:fs';
import { createTransport } from 'nodemailer';
import { cap, forHtml, neutralise } from '../../core/text.js';
import type { Sql } from '../db/sql.js';
import { overview } from '../store/queries.js';
import type { DigestConfig, SmtpConfig } from './config.js';

const DAY_MS = 86_400_000;
/** Devices listed in one digest; the total is always given. */
const LIST_MAX = 50;

/** The latest instant at or before `now` this digest was due (UTC), and the period it covers. */
export function lastDue(config: DigestConfig, now: Date): { from: Date; due: Date } {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  let due = midnight + config.atMinute * 60_000;
  if (due > now.getTime()) due -= DAY_MS;
  if (config.schedule === 'weekly') {
    const back = (new Date(due).getUTCDay() - config.weekday + 7) % 7;
    due -= back * DAY_MS;
  }
  const span = config.schedule === 'weekly' ? 7 * DAY_MS : DAY_MS;
  return { from: new Date(due - span), due: new Date(due) };
}

interface ListedDevice {
  readonly id: number;
  readonly ip: string;
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly verdict: string;
  readonly at: string;
}

export interface DigestData {
  readonly site: string;
  readonly from: string;
  readonly to: string;
  readonly counts: {
    readonly covered: number;
    readonly suspect: number;
    readonly notCovered: number;
    readonly unknown: number;
    readonly open: number;
    readonly exempted: number;
    readonly removed: number;
  };
  readonly newDevices: { readonly total: number; readonly list: readonly ListedDevice[] };
  readonly expiring: {
    readonly total: number;
    readonly list: readonly (ListedDevice & { approver: string | null })[];
  };
}

/** What the digest for `site` over [from, to) says, read when it falls due. */
export async function buildDigest(
  q: Sql,
  site: string,
  period: { from: Date; due: Date },
  warningDays: number,
): Promise<DigestData> {
  const [o] = await overview(q, { all: false, sites: [site] }, 1);
  const from = period.from.toISOString();
  const to = period.due.toISOString();
  const fresh = await q.all<ListedDevice>(
    `SELECT d.id, d.ip, d.manufacturer, d.model, d.verdict, d.first_seen AS at FROM devices d JOIN sites s ON s.id = d.site_id
     WHERE s.name = ? AND d.verdict IN ('covered', 'suspect') AND d.first_seen >= ? AND d.first_seen < ?
     ORDER BY d.first_seen, d.id`,
    [site, from, to],
  );
  const ending = await q.all<ListedDevice & { approver: string | null }>(
    `SELECT d.id, d.ip, d.manufacturer, d.model, d.verdict, r.expires_at AS at, r.approver
     FROM remediation r JOIN devices d ON d.id = r.device_id JOIN sites s ON s.id = d.site_id
     WHERE s.name = ? AND r.state = 'exempted' AND r.expires_at >= ? AND r.expires_at < ?
     ORDER BY r.expires_at, d.id`,
    [site, to, new Date(period.due.getTime() + warningDays * DAY_MS).toISOString()],
  );
  const c = o?.counts;
  return {
    site,
    from,
    to,
    counts: {
      covered: c?.covered ?? 0,
      suspect: c?.suspect ?? 0,
      notCovered: c?.['not-covered'] ?? 0,
      unknown: c?.unknown ?? 0,
      open: o?.open ?? 0,
      exempted: o?.exempted ?? 0,
      removed: o?.removed ?? 0,
    },
    newDevices: {
      total: fresh.length,
      list: fresh.slice(0, LIST_MAX).map((d) => ({ ...d, id: Number(d.id) })),
    },
    expiring: {
      total: ending.length,
      list: ending.slice(0, LIST_MAX).map((d) => ({ ...d, id: Number(d.id) })),
    },
  };
}

/** A device string for the text part: capped, controls and bidi marks shown, not obeyed. */
const plain = (v: string | null) => neutralise(cap(v ?? '-', 120)).replace(/[\r\n\t]/g, ' ');

function line(d: ListedDevice): string {
  return `${plain(d.ip)}  ${plain(d.manufacturer)} ${plain(d.model)}  ${d.verdict}  ${d.at.slice(0, 10)}`;
}

function rows(list: readonly ListedDevice[]): string {
  return list
    .map(
      (d) =>
        `<tr><td>${forHtml(cap(d.ip, 120))}</td><td>${forHtml(cap(d.manufacturer ?? '-', 120))}</td><td>${forHtml(cap(d.model ?? '-', 120))}</td><td>${forHtml(d.verdict)}</td><td>${forHtml(d.at.slice(0, 10))}</td></tr>`,
    )
    .join('\n');
}

export function renderDigest(d: DigestData): { subject: string; text: string; html: string } {
  const period = `${d.from.slice(0, 10)} to ${d.to.slice(0, 10)}`;
  const siteText = plain(d.site);
  const subject = `camsweep digest for ${siteText}: ${d.counts.covered} covered, ${d.counts.suspect} suspect, ${d.newDevices.total} new`;
  const counts: [string, number][] = [
    ['covered', d.counts.covered],
    ['suspect', d.counts.suspect],
    ['not covered', d.counts.notCovered],
    ['unknown', d.counts.unknown],
    ['open (covered or suspect, not remediated)', d.counts.open],
    ['exempted', d.counts.exempted],
    ['removed or replaced', d.counts.removed],
  ];
  const more = (total: number, shown: number) => (total > shown ? `… and ${total - shown} more` : '');
  const text = [
    `camsweep digest for site ${siteText}, ${period} (UTC)`,
    '',
    ...counts.map(([k, v]) => `${k}: ${v}`),
    '',
    `New covered or suspect devices (${d.newDevices.total}):`,
    ...(d.newDevices.total === 0 ? ['none'] : d.newDevices.list.map(line)),
    more(d.newDevices.total, d.newDevices.list.length),
    '',
    `Exemptions ending soon (${d.expiring.total}):`,
    ...(d.expiring.total === 0 ? ['none'] : d.expiring.list.map(line)),
    more(d.expiring.total, d.expiring.list.length),
    '',
  ].join('\n');
  const head = '<tr><th>IP</th><th>maker</th><th>model</th><th>verdict</th><th>date</th></tr>';
  const html = [
    '<!doctype html><html><body>',
    `<h1>camsweep digest for site ${forHtml(cap(d.site, 120))}</h1>`,
    `<p>${forHtml(period)} (UTC)</p>`,
    `<table>${counts.map(([k, v]) => `<tr><th>${forHtml(k)}</th><td>${v}</td></tr>`).join('')}</table>`,
    `<h2>New covered or suspect devices (${d.newDevices.total})</h2>`,
    `<table>${head}\n${rows(d.newDevices.list)}</table><p>${forHtml(more(d.newDevices.total, d.newDevices.list.length))}</p>`,
    `<h2>Exemptions ending soon (${d.expiring.total})</h2>`,
    `<table>${head}\n${rows(d.expiring.list)}</table><p>${forHtml(more(d.expiring.total, d.expiring.list.length))}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** Sends one digest; rejects with the relay's or the TLS layer's reason. */
export async function sendDigest(
  smtp: SmtpConfig,
  to: readonly string[],
  mail: { subject: string; text: string; html: string },
  timeoutMs: number,
): Promise<void> {
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: false,
    // requireTLS: refuse to send unless STARTTLS succeeds; ignoreTLS only when disabled in config.
    requireTLS: smtp.starttls,
    ignoreTLS: !smtp.starttls,
    tls: { minVersion: 'TLSv1.2', ...(smtp.ca ? { ca: readFileSync(smtp.ca) } : {}) },
    ...(smtp.username && smtp.passwordFile
      ? {
          auth: {
            user: smtp.username,
            pass: readFileSync(smtp.passwordFile, 'utf8').split(/\r?\n/)[0] ?? '',
          },
        }
      : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await transport.sendMail({ from: smtp.from, to: [...to], ...mail });
  } finally {
    transport.close();
  }
}
