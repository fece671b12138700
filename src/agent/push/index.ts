/**
 * The agent side of issue 6: every report goes to disk first (src/agent/push/spool.ts), then to the
 * collector; it leaves the disk only when the collector acknowledges it. The reportId makes a
 * resend harmless (the collector answers "duplicate"), so the rule is simply: when in doubt,
 * send again.
 */
import { readFileSync } from 'node:fs';
import { checkReport } from '../../contract/report-schema.js';
import type { Report } from '../../contract/types.js';
import { CamsweepError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { backoffDelay, sleep } from './backoff.js';
import type { PushConfig } from './config.js';
import { type SendResult, Transport } from './send.js';
import { Spool, type SpoolEntry } from './spool.js';

export { defaultSpoolDir, type PushConfig, pushConfigSpec } from './config.js';

export type PushOutcome =
  /** The collector has it (`duplicate`: it already had it from an earlier attempt). */
  | {
      readonly status: 'delivered';
      readonly reportId: string;
      readonly duplicate: boolean;
      readonly attempts: number;
    }
  /** Safe on disk, not yet delivered; it is resent by the next flush. */
  | {
      readonly status: 'spooled';
      readonly reportId: string;
      readonly attempts: number;
      readonly reason: string;
      readonly fix: string;
    }
  /** The collector (or the local schema check) refused it for good; kept in the spool's rejected/ folder. */
  | {
      readonly status: 'rejected';
      readonly reportId: string;
      readonly reason: string;
      readonly fix: string;
      readonly field?: string;
    }
  /** The spool is full and the collector could not be reached: this report was NOT kept. */
  | {
      readonly status: 'spool-full';
      readonly reportId: string;
      readonly reason: string;
      readonly fix: string;
    };

export interface Pusher {
  submit(report: Report, signal?: AbortSignal): Promise<PushOutcome>;
  flush(signal?: AbortSignal): Promise<{ delivered: number; remaining: number }>;
  depth(): { reports: number; bytes: number };
  close(): Promise<void>;
}

/** A one-line human summary of an outcome, and whether it should turn the exit code non-zero. */
export function describeOutcome(o: PushOutcome): { ok: boolean; text: string } {
  switch (o.status) {
    case 'delivered':
      return {
        ok: true,
        text: `report ${o.reportId} delivered to the collector${o.duplicate ? ' (already stored)' : ''}`,
      };
    case 'spooled':
      return {
        ok: false,
        text: `report ${o.reportId} kept in the spool for resending: ${o.reason}\n  fix: ${o.fix}`,
      };
    case 'rejected':
      return { ok: false, text: `report ${o.reportId} rejected: ${o.reason}\n  fix: ${o.fix}` };
    case 'spool-full':
      return { ok: false, text: `report ${o.reportId} NOT KEPT: ${o.reason}\n  fix: ${o.fix}` };
  }
}

/**
 * The agent token: push.token, else the file push.tokenFile names, else CAMSWEEP_TOKEN from the
 * environment (a systemd EnvironmentFile keeps it out of the config and out of `ps`). The
 * config wins, so a token exported in an admin's shell never silently replaces the configured one.
 */
function readToken(config: PushConfig, env: NodeJS.ProcessEnv): string {
  let token = config.token;
  if (!token && config.tokenFile) {
    try {
      token = readFileSync(config.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new CamsweepError(
        'E_CONFIG',
        `cannot read push.tokenFile "${config.tokenFile}": ${(err as Error).message}`,
        {
          fix: 'point push.tokenFile at the file holding the token printed by `camsweep collector token create`',
        },
      );
    }
  }
  if (!token) token = env.CAMSWEEP_TOKEN?.trim() || null;
  if (!token) {
    throw new CamsweepError('E_CONFIG', 'push.url is set but no agent token is configured', {
      fix: 'create one with `camsweep collector token create --site NAME` and set push.tokenFile (or push.token, or CAMSWEEP_TOKEN in the environment)',
    });
  }
  if (/[\s\r\n]/.test(token)) {
    throw new CamsweepError('E_CONFIG', 'the agent token contains whitespace', {
      fix: 'copy the token exactly as `camsweep collector token create` printed it',
    });
  }
  return token;
}

function openSpool(config: PushConfig): Spool {
  try {
    return new Spool(config.spoolDir, { maxReports: config.spoolMaxReports, maxBytes: config.spoolMaxBytes });
  } catch (err) {
    throw new CamsweepError(
      'E_CONFIG',
      `cannot use push.spoolDir "${config.spoolDir}": ${(err as Error).message}`,
      {
        fix: 'point push.spoolDir at a directory this user can write (systemd: StateDirectory=camsweep)',
      },
    );
  }
}

export function createPusher(config: PushConfig, log: Logger, env: NodeJS.ProcessEnv = process.env): Pusher {
  if (!config.url) {
    throw new CamsweepError('E_CONFIG', 'push.url is not set', {
      fix: 'give --push URL or set push.url in the config',
    });
  }
  const transport = new Transport({
    url: config.url,
    token: readToken(config, env),
    ca: config.ca,
    cert: config.cert,
    key: config.key,
    timeoutMs: config.timeout,
  });
  const spool = openSpool(config);
  const plog = log.child({ component: 'push' });
  // Reports being sent by this process right now; flush() skips them so one pusher never
  // uploads the same file twice at once (another process may, and the collector dedups).
  const inFlight = new Set<string>();

  const warnIfNearlyFull = () => {
    const d = spool.depth();
    const share = Math.max(d.reports / config.spoolMaxReports, d.bytes / config.spoolMaxBytes);
    if (share >= 0.8) {
      plog.warn(
        { spooledReports: d.reports, spooledBytes: d.bytes, limitReports: config.spoolMaxReports },
        'push spool is over 80% full: the collector has not acknowledged reports for a while',
      );
    }
  };

  /** Quarantines a refused report; on failure it stays in the spool (still on disk) and the log says why. */
  const moveAside = (entry: SpoolEntry, reason: string): string | null => {
    try {
      return spool.quarantine(entry, reason);
    } catch (err) {
      plog.error(
        { reportId: entry.reportId, error: (err as Error).message, spoolDir: spool.dir },
        'cannot move a rejected report to rejected/ (it stays in the spool); free disk space',
      );
      return null;
    }
  };

  /** Acts on one send result for a spooled entry; returns true when the entry left the spool. */
  const settle = (entry: SpoolEntry, result: SendResult): boolean => {
    if (result.kind === 'stored' || result.kind === 'duplicate') {
      spool.remove(entry);
      return true;
    }
    if (result.kind === 'rejected') {
      const where = moveAside(entry, `${result.reason} — ${result.fix}`);
      plog.error(
        { reportId: entry.reportId, reason: result.reason, kept: where },
        'collector rejected report',
      );
      return where !== null;
    }
    return false;
  };

  const flush = async (signal?: AbortSignal) => {
    let delivered = 0;
    for (const entry of spool.list()) {
      if (signal?.aborted) break;
      if (inFlight.has(entry.reportId)) continue;
      const body = spool.read(entry);
      if (body === null) continue;
      inFlight.add(entry.reportId);
      try {
        const result = await transport.send(body, signal);
        if (result.kind === 'stored' || result.kind === 'duplicate') delivered++;
        if (!settle(entry, result) && (result.kind === 'retry' || result.kind === 'config')) {
          // Collector down or credentials wrong: the rest would fail the same way.
          plog.warn(
            { reportId: entry.reportId, reason: result.reason, fix: result.fix },
            'spool flush paused',
          );
          break;
        }
      } finally {
        inFlight.delete(entry.reportId);
      }
    }
    const remaining = spool.depth().reports;
    if (delivered > 0) plog.info({ delivered, remaining }, 'spooled reports delivered');
    return { delivered, remaining };
  };

  const sendWithRetries = async (reportId: string, body: string, signal?: AbortSignal) => {
    let last: SendResult | undefined;
    let attempts = 0;
    while (attempts <= config.retries && !signal?.aborted) {
      attempts++;
      const result = await transport.send(body, signal);
      last = result;
      if (result.kind !== 'retry' || attempts > config.retries) break;
      const wait = Math.min(
        result.retryAfterMs ?? backoffDelay(attempts - 1, config.retryInitial, config.retryMax),
        config.retryMax,
      );
      plog.warn(
        { reportId, attempt: attempts, retryInMs: wait, reason: result.reason },
        'push failed; retrying',
      );
      if (!(await sleep(wait, signal))) break;
    }
    return { last, attempts };
  };

  const submit = async (report: Report, signal?: AbortSignal): Promise<PushOutcome> => {
    const reportId = String(report.reportId);
    const problems = checkReport(report);
    if (problems.length > 0) {
      const first = problems[0]!;
      const reason = `the report fails camsweep.report/v1 at ${first.field}: ${first.message}`;
      let kept: string;
      try {
        kept = `kept in ${spool.keepRejected(reportId, JSON.stringify(report), reason)}`;
      } catch (err) {
        kept = `NOT KEPT: cannot write ${spool.rejectedDir}: ${(err as Error).message}`;
      }
      plog.error({ reportId, problems, kept }, 'report fails the report schema; not sent');
      return {
        status: 'rejected',
        reportId,
        reason: `${reason} (${kept})`,
        fix: 'this is a bug in camsweep; please report it with the log and the kept report',
        field: first.field,
      };
    }
    const body = JSON.stringify(report);
    let put: ReturnType<Spool['put']>;
    try {
      put = spool.put(reportId, body);
    } catch (err) {
      // Disk full or read-only: handled like a full spool — loud, and still sent if possible.
      put = { ok: false, reason: `cannot write the spool in ${spool.dir}: ${(err as Error).message}` };
    }
    if (!put.ok) {
      plog.error(
        { reportId, reason: put.reason, spoolDir: spool.dir },
        'PUSH SPOOL FULL: this report is not kept on disk; trying to send it directly',
      );
    } else {
      warnIfNearlyFull();
    }
    inFlight.add(reportId);
    let sent: { last: SendResult | undefined; attempts: number };
    try {
      sent = await sendWithRetries(reportId, body, signal);
    } finally {
      inFlight.delete(reportId);
    }
    const { last, attempts } = sent;
    if (last && (last.kind === 'stored' || last.kind === 'duplicate')) {
      if (put.ok) spool.remove(put.entry);
      if (!put.ok) plog.error({ reportId }, 'report delivered directly, but the spool is still full');
      if (spool.depth().reports > 0 && !signal?.aborted) await flush(signal);
      return { status: 'delivered', reportId, duplicate: last.kind === 'duplicate', attempts };
    }
    if (last?.kind === 'rejected') {
      if (put.ok) moveAside(put.entry, `${last.reason} — ${last.fix}`);
      plog.error({ reportId, reason: last.reason, field: last.field }, 'collector rejected report');
      return {
        status: 'rejected',
        reportId,
        reason: last.reason,
        fix: last.fix,
        ...(last.field ? { field: last.field } : {}),
      };
    }
    const reason = last && 'reason' in last ? last.reason : 'stopped before the report could be sent';
    const fix = last && 'fix' in last ? last.fix : 'it is resent by the next flush';
    if (!put.ok) {
      return {
        status: 'spool-full',
        reportId,
        reason: `${put.reason}, and the collector could not be reached: ${reason}`,
        fix: `restore the collector connection (${fix}) so the spool drains, or raise push.spoolMaxReports / push.spoolMaxBytes`,
      };
    }
    const level = last?.kind === 'config' ? 'error' : 'warn';
    plog[level]({ reportId, attempts, reason, fix }, 'report kept in the spool for resending');
    return { status: 'spooled', reportId, attempts, reason, fix };
  };

  return {
    submit,
    flush,
    depth: () => spool.depth(),
    close: () => transport.close(),
  };
}
