/**
 * The agent's status file in the state directory: written atomically (temp file + rename)
 * at every change of state, read by `camsweep agent status`. A file rather than a socket so
 * the last known state survives the daemon and needs no extra address family or permission.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forTerminal } from '../../core/text.js';

export const STATUS_SCHEMA = 'camsweep.agent-status/v1';

export interface LastScan {
  readonly reportId: string | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly outcome: 'complete' | 'partial' | 'failed';
  readonly devices: number;
  readonly covered: number;
  readonly suspect: number;
  /** Devices that were known only from announcements heard between scans. */
  readonly heardPassively: number;
  readonly error?: string;
}

export interface AgentStatus {
  readonly schema: typeof STATUS_SCHEMA;
  readonly pid: number;
  readonly version: string;
  readonly configFile: string | null;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly state: 'starting' | 'idle' | 'scanning' | 'stopping' | 'stopped';
  readonly schedule: readonly string[];
  readonly nextScanAt: string | null;
  readonly lastScan: LastScan | null;
  readonly spoolDepth: number | null;
  readonly passive: {
    readonly listening: readonly string[];
    readonly hostsHeard: number;
    readonly lastHeardAt: string | null;
  };
  readonly lastReload: { readonly at: string; readonly ok: boolean; readonly message?: string } | null;
}

/** Write then rename, so a reader never sees half a file. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o640 });
  renameSync(tmp, file);
}

export function writeStatus(file: string, status: AgentStatus): void {
  writeFileAtomic(file, `${JSON.stringify(status, null, 2)}\n`);
}

export function readStatus(file: string): AgentStatus | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const parsed = JSON.parse(text) as Partial<AgentStatus>;
  return parsed.schema === STATUS_SCHEMA ? (parsed as AgentStatus) : null;
}

export function statusPath(stateDir: string): string {
  return join(stateDir, 'agent-status.json');
}

/** True when a process with this pid exists (EPERM still means it exists). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ago(iso: string | null, now: number): string {
  if (iso === null) return 'never';
  const s = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(s);
  const text =
    abs < 120 ? `${abs}s` : abs < 7200 ? `${Math.round(abs / 60)}m` : `${(abs / 3600).toFixed(1)}h`;
  return `${iso} (${s >= 0 ? 'in ' : ''}${text}${s < 0 ? ' ago' : ''})`;
}

/** The human view printed by `camsweep agent status`. */
export function formatStatus(status: AgentStatus, alive: boolean, now: number): string {
  const state = alive
    ? status.state
    : status.state === 'stopped'
      ? 'stopped'
      : `not running (last state: ${status.state})`;
  const lines = [
    `agent:       ${state}, pid ${status.pid}, version ${forTerminal(status.version)}, up since ${status.startedAt}`,
    `config:      ${forTerminal(status.configFile ?? '(defaults)')}`,
    `schedule:    ${status.schedule.map(forTerminal).join(', ')}`,
  ];
  const last = status.lastScan;
  if (last === null) lines.push('last scan:   none yet');
  else {
    lines.push(
      `last scan:   ${last.outcome}, started ${ago(last.startedAt, now)}, finished ${last.finishedAt}`,
      `             ${last.devices} devices, ${last.covered} covered, ${last.suspect} suspect, ${last.heardPassively} heard only from announcements`,
    );
    if (last.error) lines.push(`             error: ${forTerminal(last.error)}`);
  }
  lines.push(`next scan:   ${alive ? ago(status.nextScanAt, now) : '(agent not running)'}`);
  lines.push(
    `spool:       ${status.spoolDepth === null ? 'push disabled' : `${status.spoolDepth} report(s) waiting for the collector`}`,
  );
  const p = status.passive;
  lines.push(
    `listening:   ${p.listening.length ? p.listening.map(forTerminal).join(', ') : 'off'}; ${p.hostsHeard} host(s) heard since the last scan, last ${ago(p.lastHeardAt, now)}`,
  );
  if (status.lastReload) {
    const r = status.lastReload;
    lines.push(
      `last reload: ${r.at} ${r.ok ? 'ok' : `FAILED, old config kept: ${forTerminal(r.message ?? '')}`}`,
    );
  }
  lines.push(`updated:     ${status.updatedAt}`);
  return `${lines.join('\n')}\n`;
}
