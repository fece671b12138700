/**
 * The agent daemon (issue 7): scans on a schedule, listens for announcements between scans,
 * hands every report to the durable push spool, reloads its config on request and stops
 * cleanly. Everything that touches the network or the disk beyond the status file comes in
 * through `DaemonDeps`, so the loop is tested with fakes and wired for real in
 * agent/commands/agent.ts.
 */

import type { Observation, Report } from '../../contract/types.js';
import type { Logger } from '../../core/log.js';
import type { AgentConfig } from '../config/agent-section.js';
import type { Listener } from './listen.js';
import { PassiveStore } from './passive-store.js';
import { nextRun, parseSchedule, type Schedule } from './schedule.js';
import type { AgentStatus, LastScan } from './status.js';

/** The part of the frozen config the daemon reads itself; the rest is passed through. */
export interface DaemonConfig {
  readonly agent: AgentConfig;
  readonly push?: { readonly url: string | null } & Readonly<Record<string, unknown>>;
  readonly [section: string]: unknown;
}

/** The slice of src/agent/push's Pusher the daemon uses. */
export interface SpoolPusher {
  submit(report: Report, signal?: AbortSignal): Promise<{ status: string; reportId: string }>;
  flush(signal?: AbortSignal): Promise<{ delivered: number; remaining: number }>;
  depth(): { reports: number };
  close(): Promise<void>;
}

export interface ScanResult {
  readonly report: Report;
  /** Devices in the report known only from announcements heard since the last scan. */
  readonly heardPassively: number;
}

export interface DaemonDeps<C extends DaemonConfig> {
  /** Reads and validates the config file again; throws (with file:line) when it is invalid. */
  loadConfig(): C;
  /** One scan; on abort it returns the partial report (or throws when nothing could be kept). */
  scan(
    config: C,
    hooks: { signal: AbortSignal; log: Logger },
    heard: readonly Observation[],
  ): Promise<ScanResult>;
  /** null when push is disabled (no push.url). */
  createPusher(config: C, log: Logger): SpoolPusher | null;
  /** Starts the receive-only listeners; each heard observation goes to `onHeard`. */
  startListeners(config: C, onHeard: (o: Observation) => void, log: Logger): Promise<Listener[]>;
  /** Persists the status (the status file); called at every change of state. */
  writeStatus(status: AgentStatus): void;
  /** Keeps the last report on disk, push or no push. */
  saveReport?(report: Report): void;
  readonly configFile: string | null;
  readonly version: string;
  readonly now?: () => number;
}

/** Longest single sleep: wall-clock time is re-read at least this often (suspend, clock steps). */
const MAX_SLEEP_MS = 60_000;
/** Longest one background flush of the spool may take before it is cut and retried later. */
const FLUSH_DEADLINE_MS = 10 * 60_000;
/** Passive sightings update the status file at most this often. */
const STATUS_THROTTLE_MS = 1000;

export class Daemon<C extends DaemonConfig> {
  readonly #deps: DaemonDeps<C>;
  readonly #log: Logger;
  readonly #now: () => number;
  #config: C;
  #schedule: Schedule;
  #store: PassiveStore;
  #listeners: Listener[] = [];
  #pusher: SpoolPusher | null = null;
  #status: AgentStatus;
  #lastStart: number | null = null;
  #scanNow = false;
  #stopping = false;
  #wake: (() => void) | null = null;
  #scan: AbortController | null = null;
  #delivery = new AbortController();
  #retryTimer: NodeJS.Timeout | null = null;
  #stopTimer: NodeJS.Timeout | null = null;
  #statusTimer: NodeJS.Timeout | null = null;
  #reloads: Promise<void> = Promise.resolve();

  constructor(config: C, deps: DaemonDeps<C>, log: Logger) {
    this.#deps = deps;
    this.#log = log;
    this.#now = deps.now ?? Date.now;
    this.#config = config;
    this.#schedule = scheduleOf(config);
    this.#store = new PassiveStore(config.agent.passiveMaxHosts);
    const at = this.#iso();
    this.#status = {
      schema: 'camsweep.agent-status/v1',
      pid: process.pid,
      version: deps.version,
      configFile: deps.configFile,
      startedAt: at,
      updatedAt: at,
      state: 'starting',
      schedule: config.agent.schedule,
      nextScanAt: null,
      lastScan: null,
      spoolDepth: null,
      passive: { listening: [], hostsHeard: 0, lastHeardAt: null },
      lastReload: null,
    };
  }

  /** Runs until `stop` aborts; resolves once the partial report is spooled and all is closed. */
  async run(stop: AbortSignal): Promise<void> {
    const onStop = () => this.#beginStop();
    if (stop.aborted) this.#beginStop();
    else stop.addEventListener('abort', onStop, { once: true });
    try {
      this.#pusher = this.#openPusher(this.#config);
      await this.#startListeners();
      this.#publish({ state: 'idle' });
      void this.#deliver(); // reports spooled before a restart go out first
      while (!this.#stopping) {
        const now = this.#now();
        const at = this.#nextSlot(now);
        this.#publish({ state: 'idle', nextScanAt: new Date(at).toISOString() });
        if (at > now) {
          await this.#sleep(at - now);
          // Woken by a reload, a scan request, a stop, or the end of a sleep chunk: recompute.
          continue;
        }
        this.#scanNow = false;
        await this.#scanOnce();
      }
    } finally {
      stop.removeEventListener('abort', onStop);
      await this.#shutdown();
    }
  }

  /** SIGHUP: re-read the config; an invalid file keeps the running one and says why. */
  reload(): Promise<void> {
    this.#reloads = this.#reloads.then(() => this.#reloadNow());
    return this.#reloads;
  }

  /** SIGUSR2: scan now instead of waiting for the schedule (ignored during a scan). */
  scanNow(): void {
    if (this.#scan) return;
    this.#scanNow = true;
    this.#wake?.();
  }

  #nextSlot(now: number): number {
    if (this.#scanNow || (this.#lastStart === null && this.#config.agent.runAtStart)) return now;
    return nextRun(this.#schedule, this.#lastStart ?? Date.parse(this.#status.startedAt));
  }

  get status(): AgentStatus {
    return this.#status;
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }

  #publish(change: Partial<AgentStatus>): void {
    if (this.#statusTimer) {
      clearTimeout(this.#statusTimer);
      this.#statusTimer = null;
    }
    const passive = {
      listening: this.#listeners.flatMap((l) => l.joined.map((i) => `${l.id}@${i}`)),
      hostsHeard: this.#store.hosts,
      lastHeardAt: this.#store.lastHeardAt ?? this.#status.passive.lastHeardAt,
    };
    const spoolDepth = this.#pusher ? this.#pusher.depth().reports : null;
    this.#status = { ...this.#status, passive, spoolDepth, ...change, updatedAt: this.#iso() };
    try {
      this.#deps.writeStatus(this.#status);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'cannot write the status file');
    }
  }

  #heard(o: Observation): void {
    const isNew = !this.#store.has(o.host);
    if (!this.#store.add(o)) return;
    if (isNew)
      this.#log.info(
        { host: o.host, probe: o.probe },
        'device announced itself; it will be in the next report',
      );
    this.#statusTimer ??= setTimeout(() => this.#publish({}), STATUS_THROTTLE_MS);
  }

  async #startListeners(): Promise<void> {
    const agent = this.#config.agent;
    if (!agent.passive || agent.passiveProtocols.length === 0) return;
    try {
      this.#listeners = await this.#deps.startListeners(this.#config, (o) => this.#heard(o), this.#log);
    } catch (err) {
      // e.g. nothing in scope yet (no private interface up): scans will say so; keep running.
      this.#log.warn({ err: (err as Error).message }, 'passive listening not started');
    }
  }

  async #stopListeners(): Promise<void> {
    const old = this.#listeners;
    this.#listeners = [];
    await Promise.all(old.map((l) => l.close()));
  }

  #openPusher(config: C): SpoolPusher | null {
    if (!config.push?.url) return null;
    return this.#deps.createPusher(config, this.#log);
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(ms, MAX_SLEEP_MS));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = null;
  }

  async #scanOnce(): Promise<void> {
    const config = this.#config; // a reload during the scan applies to the next one
    const controller = new AbortController();
    this.#scan = controller;
    const startedAt = this.#now();
    this.#lastStart = startedAt;
    const { observations: heard, dropped } = this.#store.drain();
    if (dropped > 0)
      this.#log.warn({ dropped }, 'announcements dropped since the last scan: a cap was reached');
    this.#publish({ state: 'scanning', nextScanAt: null });
    let last: LastScan;
    try {
      const { report, heardPassively } = await this.#deps.scan(
        config,
        { signal: controller.signal, log: this.#log },
        heard,
      );
      const partial = report.scan.partial === true;
      last = {
        reportId: report.reportId,
        startedAt: report.scan.startedAt,
        finishedAt: report.scan.finishedAt,
        outcome: partial ? 'partial' : 'complete',
        devices: report.summary.devices,
        covered: report.summary.covered,
        suspect: report.summary.suspect,
        heardPassively,
      };
      this.#saveReport(report);
      await this.#submit(report);
      this.#log.info(
        { reportId: report.reportId, partial, summary: report.summary, heardPassively },
        'scan finished',
      );
    } catch (err) {
      this.#store.restore(heard); // the next scan still reports what was heard
      const message = err instanceof Error ? err.message : String(err);
      last = {
        reportId: null,
        startedAt: new Date(startedAt).toISOString(),
        finishedAt: this.#iso(),
        outcome: 'failed',
        devices: 0,
        covered: 0,
        suspect: 0,
        heardPassively: 0,
        error: message.slice(0, 1024),
      };
      this.#log.error(
        { err: message },
        'scan failed; the agent keeps running and tries again at the next slot',
      );
    } finally {
      this.#scan = null;
      if (this.#stopTimer) clearTimeout(this.#stopTimer);
    }
    this.#publish({ lastScan: last });
  }

  #saveReport(report: Report): void {
    try {
      this.#deps.saveReport?.(report);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'cannot keep a copy of the last report');
    }
  }

  /**
   * Puts the report in the durable spool and returns: an already-aborted signal makes submit
   * write (fsynced) without sending, so an unreachable or hung collector never holds up the
   * schedule or a shutdown. Delivery is a background flush; while stopping it waits for the
   * next start.
   */
  async #submit(report: Report): Promise<void> {
    const pusher = this.#pusher;
    if (!pusher) return;
    const outcome = await pusher.submit(report, AbortSignal.abort());
    this.#log.info({ reportId: outcome.reportId, push: outcome.status }, 'report handed to the push spool');
    void this.#deliver();
  }

  async #deliver(): Promise<void> {
    const pusher = this.#pusher;
    if (!pusher || this.#stopping || pusher.depth().reports === 0) return;
    try {
      // Backstop: one flush may not hang forever on a collector that accepts and never answers.
      const signal = AbortSignal.any([this.#delivery.signal, AbortSignal.timeout(FLUSH_DEADLINE_MS)]);
      const { remaining } = await pusher.flush(signal);
      if (remaining > 0) this.#scheduleRetry();
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'spool flush failed');
      this.#scheduleRetry();
    }
    if (!this.#stopping) this.#publish({});
  }

  #scheduleRetry(): void {
    if (this.#retryTimer || this.#stopping) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#deliver();
    }, this.#config.agent.pushRetry);
  }

  #beginStop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#delivery.abort(new Error('agent stopping'));
    this.#wake?.();
    const scan = this.#scan;
    if (!scan) return;
    const { onStop, stopTimeout } = this.#config.agent;
    this.#publish({ state: 'stopping' });
    if (onStop === 'abort') {
      this.#log.info('stopping: aborting the running scan; its partial report goes to the spool');
      scan.abort(new Error('agent stopping'));
      return;
    }
    this.#log.info({ stopTimeoutMs: stopTimeout }, 'stopping: letting the running scan finish');
    this.#stopTimer = setTimeout(() => {
      this.#log.warn('stop timeout reached: aborting the running scan');
      scan.abort(new Error('agent stop timeout'));
    }, stopTimeout);
  }

  async #reloadNow(): Promise<void> {
    const before = this.#config;
    const pushChanged = (c: C) => JSON.stringify(before.push) !== JSON.stringify(c.push);
    let next: C;
    let pusher: SpoolPusher | null = this.#pusher;
    try {
      next = this.#deps.loadConfig();
      scheduleOf(next); // the schedule must parse too, or nothing changes
      // A push section that cannot be used (unreadable token, spool) fails the reload as a
      // whole: better the old collector settings than none.
      if (pushChanged(next)) pusher = this.#openPusher(next);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.#log.error({ err: message }, 'config reload failed; the running config stays in force');
      this.#publish({ lastReload: { at: this.#iso(), ok: false, message: message.slice(0, 2048) } });
      return;
    }
    this.#config = next;
    this.#schedule = scheduleOf(next);
    if (pusher !== this.#pusher) {
      const old = this.#pusher;
      this.#delivery.abort(new Error('push config changed'));
      this.#delivery = new AbortController();
      this.#pusher = pusher;
      await old?.close();
      void this.#deliver();
    }
    if (listenersChanged(before, next)) {
      await this.#stopListeners();
      await this.#startListeners();
    }
    this.#log.info({ schedule: next.agent.schedule }, 'config reloaded');
    this.#publish({ schedule: next.agent.schedule, lastReload: { at: this.#iso(), ok: true } });
    this.#wake?.(); // the schedule may have moved the next scan
  }

  async #shutdown(): Promise<void> {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#delivery.abort(new Error('agent stopping'));
    await this.#reloads;
    await this.#stopListeners();
    const pusher = this.#pusher;
    this.#publish({ state: 'stopped', nextScanAt: null });
    this.#pusher = null;
    await pusher?.close();
    this.#log.info('agent stopped');
  }
}

function scheduleOf(config: DaemonConfig): Schedule {
  const parsed = parseSchedule(config.agent.schedule);
  if ('error' in parsed) throw new Error(`agent.schedule: ${parsed.error}`);
  return parsed;
}

/** Listeners depend on the scope (scan section) and the passive keys. */
function listenersChanged(a: DaemonConfig, b: DaemonConfig): boolean {
  const pick = (c: DaemonConfig) =>
    JSON.stringify([c.scan, c.agent.passive, c.agent.passiveProtocols, c.agent.passiveMaxHosts]);
  return pick(a) !== pick(b);
}
