/**
 * TCP connect sweep (phase `discover`): which curated camera ports answer on each in-scope
 * address, plus the greeting of services that speak first (FTP, SSH, telnet). See README.md
 * for what goes on the wire.
 */
import { defineSpec } from '../../../core/config-spec.js';
import { probeSettings } from '../shared/common-config.js';
import { paced, sleep } from '../shared/pool.js';
import type { Probe, ProbeContext } from '../shared/types.js';
import { BANNER_PORTS, bannerText } from './codec.js';
import { type ConnectResult, connectPort, Inflight } from './connect.js';
import { LagLimit } from './lag.js';
import { neighbourAddresses } from './neighbours.js';
import { type Cursor, type DiscoveryMode, phase1Ports, remainingWork, sweepEstimateMs } from './plan.js';
import { DEFAULT_PORTS, DISCOVERY_PORTS } from './ports.js';
import { ConnectTimer } from './rtt.js';

/** Phase 1's default time budget: a /16 at the default 1,000/s gets one discovery port. */
const DEFAULT_DISCOVERY_BUDGET_MS = 60_000;

const config = defineSpec({
  // Sized from the work at scan start (src/agent/scan/budget.ts): this is the least it gets.
  deadline: {
    type: 'duration',
    default: '10m',
    minMs: 100,
    doc: 'the least time the sweep may run; raised to fit hosts × ports ÷ rate when that is longer',
  },
  ports: { type: 'ports', default: DEFAULT_PORTS, doc: 'TCP ports to try on every live address' },
  discovery: {
    type: 'enum',
    values: ['two-phase', 'full'],
    default: 'two-phase',
    doc: 'two-phase: find live hosts first (discoveryPorts, the neighbour table, multicast answers), then every port on them only; full: every port on every address (for networks that silently drop connects to closed ports)',
  },
  discoveryPorts: {
    type: 'ports',
    default: DISCOVERY_PORTS,
    doc: 'two-phase only: ports tried on every address to find live hosts, in order, as many as discoveryBudget allows; an address that answers (even refused) is live and is not tried further here',
  },
  discoveryBudget: {
    type: 'duration',
    default: `${DEFAULT_DISCOVERY_BUDGET_MS / 1000}s`,
    minMs: 0,
    maxMs: 86_400_000,
    doc: 'two-phase only: time phase 1 may spend on the address list (addresses ÷ rate a port); the first discovery port is always tried, each further one only while the passes still fit, so at 1,000/s a /16 gets port 80 alone and a /20 every discovery port',
  },
  neighbourTable: {
    type: 'string',
    default: '/proc/net/arp',
    doc: 'two-phase only: kernel neighbour table read after phase 1 (on-link hosts that answered ARP are live)',
  },
  // Below the kernel's 1 s initial SYN retransmission timeout: a silent address costs one SYN,
  // not two (the rate cap counts connects, the wire counts SYNs).
  timeout: {
    type: 'duration',
    default: '900ms',
    minMs: 50,
    maxMs: 30_000,
    doc: 'longest wait for a SYN to be answered; the sweep shortens it to what the network shows',
  },
  minTimeout: {
    type: 'duration',
    default: '100ms',
    minMs: 20,
    maxMs: 30_000,
    doc: 'shortest connect timeout the adaptive timer may choose',
  },
  bannerTimeout: {
    type: 'duration',
    default: '1500ms',
    minMs: 50,
    maxMs: 30_000,
    doc: 'how long to wait for FTP/SSH/telnet to send their greeting',
  },
  parallel: {
    type: 'integer',
    default: 4096,
    min: 1,
    max: 65_536,
    doc: 'most connects in flight at once (each holds a file descriptor and some memory); below it the sweep keeps rate × current timeout in flight, so the packet-rate cap, not this, sets the pace',
  },
  retryLive: {
    type: 'boolean',
    default: true,
    doc: 'try unanswered ports once more, with the full timeout, on hosts that answered on another port',
  },
});

// Local resource exhaustion, not a network answer: wait and try the same port again.
const LOCAL_PRESSURE = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS']);
/** Fewest connects kept in flight whatever the rate (a slow cap still needs some overlap). */
const MIN_INFLIGHT = 64;

interface Job {
  readonly host: string;
  readonly port: number;
  /** Phase 1: position in the scope's host list, to mark the address absent without a map. */
  readonly index?: number;
  /** Phase 2 and retries: the live host whose port list this job works through. */
  readonly live?: LiveHost;
  /** Retries wait the full timeout; everything else the adaptive one. */
  readonly retry?: boolean;
}

interface Settings {
  readonly ports: readonly number[];
  readonly phase1: readonly number[];
  readonly budgetMs: number;
  readonly mode: DiscoveryMode;
  readonly maxMs: number;
  readonly bannerMs: number;
  readonly maxParallel: number;
  readonly minMs: number;
  readonly retryLive: boolean;
  readonly neighbourTable: string;
}

function settingsOf(cfg: Readonly<Record<string, unknown>>): Settings {
  const s = probeSettings(config, cfg);
  return {
    ports: s.ports,
    phase1: s.discoveryPorts,
    budgetMs: s.discoveryBudget,
    mode: s.discovery === 'full' ? 'full' : 'two-phase',
    maxMs: s.timeout,
    bannerMs: s.bannerTimeout,
    maxParallel: s.parallel,
    minMs: s.minTimeout,
    retryLive: s.retryLive,
    neighbourTable: s.neighbourTable ?? '/proc/net/arp',
  };
}

/**
 * A host known to be alive whose ports are still being tried. It exists from the moment the
 * host is found until its last port settles, then it is dropped and the host is handed on to
 * enrichment (`ctx.settled`): memory follows the hosts in progress, not the address count.
 */
interface LiveHost {
  readonly host: string;
  /** Ports that answered (open or refused). */
  readonly answered: Set<number>;
  /** Ports still to try, in list order; `next` is the first not yet started. */
  todo: readonly number[];
  next: number;
  /** The host's connects in flight (phase 2 asks one port at a time per host). */
  busy: number;
  retried: boolean;
}

/**
 * One sweep's state. Phase-2 work for a host starts as soon as it is found live, between
 * phase-1 connects to other addresses, so a host's ports are known (and its enrichment can
 * start) long before the address list is done. A silent address leaves nothing behind once
 * its connect settles.
 */
class Sweep {
  private readonly inflight: Inflight;
  private readonly timer: ConnectTimer;
  /** Every host found live so far (phase 1 skips them). */
  readonly found = new Set<string>();
  /** Live hosts whose ports are still being tried. */
  private readonly working = new Map<string, LiveHost>();
  /** Live hosts with a port ready to try, in turn. */
  private readonly queue: LiveHost[] = [];
  private queueHead = 0;
  /**
   * Phase 1: addresses proven absent (ARP failed, or a router said unreachable), one byte per
   * scope address, so later discovery ports skip them.
   */
  readonly gone: Uint8Array;
  /** Connects started and not yet settled, all of them and phase 1's alone. */
  private active = 0;
  private activePhase1 = 0;
  private wake: (() => void) | null = null;
  /** Lowered when the kernel runs out of descriptors, so the sweep stops hammering it. */
  private ceiling: number;
  /** Lowered while the event loop lags (late verdicts), raised again once they are on time. */
  private readonly lag: LagLimit;
  attempts = 0;
  open = 0;

  constructor(
    private readonly ctx: ProbeContext,
    private readonly set: Settings,
    /** Two-phase: a found host gets the full port list at once; full: the pass covers it. */
    private readonly sweepOnFind: boolean,
  ) {
    this.inflight = new Inflight(ctx.signal);
    this.timer = new ConnectTimer(set.minMs, set.maxMs);
    this.ceiling = set.maxParallel;
    this.lag = new LagLimit(set.maxParallel, MIN_INFLIGHT);
    this.gone = new Uint8Array(ctx.scope.hosts.length);
  }

  get inFlight(): number {
    return this.active;
  }

  /** One debug line a second: what sets the pace (timeout, connects in flight, their limit). */
  paceSample(since: { attempts: number; at: number }): Record<string, number> {
    const now = performance.now();
    const sample = {
      perSecond: Math.round(((this.attempts - since.attempts) * 1000) / Math.max(1, now - since.at)),
      timeoutMs: this.timer.timeoutMs(),
      inflight: this.active,
      limit: this.limit(),
      live: this.found.size,
    };
    since.attempts = this.attempts;
    since.at = now;
    return sample;
  }

  /** Live hosts not settled yet and the attempts they still need (for a cut-short report). */
  unsettled(): { hosts: string[]; attempts: number; ports: Set<number> } {
    const hosts: string[] = [];
    const ports = new Set<number>();
    let attempts = 0;
    for (const live of this.working.values()) {
      hosts.push(live.host);
      for (const p of live.todo.slice(live.next)) {
        if (live.answered.has(p)) continue;
        ports.add(p);
        attempts++;
      }
    }
    return { hosts, attempts, ports };
  }

  /**
   * Connects in flight follow rate × timeout (Little's law): enough that the rate cap, not a
   * fixed lane count, sets the pace, and no more descriptors than that.
   */
  limit(): number {
    const rate = this.ctx.packetsPerSecond;
    const want = rate > 0 ? Math.ceil((rate * this.timer.timeoutMs()) / 1000) * 1.25 : this.ceiling;
    return Math.min(this.ceiling, this.lag.allowed, Math.max(MIN_INFLIGHT, Math.ceil(want)));
  }

  /** How late a timeout verdict came: fewer connects in flight while the loop lags. */
  private noteLateness(timeoutMs: number, livedMs: number): void {
    const lateMs = this.lag.note({
      timeoutMs,
      livedMs,
      currentTimeoutMs: this.timer.timeoutMs(),
      active: this.active,
      now: performance.now(),
    });
    if (lateMs !== null)
      this.ctx.log.debug(
        { lateMs: Math.round(lateMs), inflight: this.lag.allowed },
        'event loop lags; fewer connects in flight',
      );
  }

  private waitForSettle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** The next port of a live host waiting its turn, if any. */
  private nextLiveJob(): Job | null {
    while (this.queueHead < this.queue.length) {
      const live = this.queue[this.queueHead++]!;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      while (live.next < live.todo.length && live.answered.has(live.todo[live.next]!)) live.next++;
      if (live.next >= live.todo.length) {
        this.finishTurn(live);
        continue;
      }
      live.busy++;
      return { host: live.host, port: live.todo[live.next++]!, live, retry: live.retried };
    }
    return null;
  }

  /**
   * Sends phase-1 jobs from `pass` (paced, at most `limit()` in flight) with live hosts' ports
   * in between, which go first. Returns when `pass` is exhausted and its connects have settled
   * (`drain`: also when no live host has work left and nothing is in flight).
   */
  async run(pass: Iterator<Job> | null, drain: boolean): Promise<void> {
    let passDone = pass === null;
    while (!this.ctx.signal.aborted) {
      if (this.active >= this.limit()) {
        await this.waitForSettle();
        continue;
      }
      let job = this.nextLiveJob();
      if (!job && !passDone) {
        const n = pass!.next();
        if (n.done) passDone = true;
        else job = n.value;
      }
      if (!job) {
        if (passDone && this.activePhase1 === 0 && (!drain || this.active === 0)) break;
        await this.waitForSettle();
        continue;
      }
      if (!(await paced(this.ctx, 1))) {
        if (job.live) job.live.busy--;
        break;
      }
      this.start(job);
    }
    // Stopped: let what is in flight settle (the abort ends it at once).
    if (this.ctx.signal.aborted) while (this.active > 0) await this.waitForSettle();
  }

  private start(job: Job): void {
    this.active++;
    if (!job.live) this.activePhase1++;
    const timeoutMs = job.retry ? this.set.maxMs : this.timer.timeoutMs();
    void this.attempt(job, timeoutMs).finally(() => {
      this.active--;
      if (!job.live) this.activePhase1--;
      else {
        job.live.busy--;
        this.finishTurn(job.live);
      }
      const wake = this.wake;
      this.wake = null;
      wake?.();
    });
  }

  /** A live host's connect settled: queue its next port, its retries, or hand it on. */
  private finishTurn(live: LiveHost): void {
    if (live.busy > 0 || !this.working.has(live.host)) return;
    while (live.next < live.todo.length && live.answered.has(live.todo[live.next]!)) live.next++;
    if (live.next < live.todo.length) {
      this.queue.push(live);
      return;
    }
    if (!this.sweepOnFind && !this.drained) return; // full mode: the pass still covers it
    if (this.set.retryLive && !live.retried && live.answered.size > 0 && !this.ctx.signal.aborted) {
      // A lost SYN on a live host would hide a port; one more try, with the full timeout.
      // Hosts live only by ARP or another protocol filter TCP: a second try finds nothing there.
      live.retried = true;
      live.todo = this.set.ports.filter((p) => !live.answered.has(p));
      live.next = 0;
      if (live.todo.length > 0) {
        this.queue.push(live);
        return;
      }
    }
    this.working.delete(live.host);
    this.ctx.settled?.(live.host);
  }

  /** Full mode: the pass is over, so every live host may retry and settle. */
  private drained = false;
  releaseAll(): void {
    this.drained = true;
    for (const live of [...this.working.values()]) this.finishTurn(live);
  }

  private async attempt(job: Job, timeoutMs: number): Promise<void> {
    const banner = BANNER_PORTS.get(job.port);
    let result: ConnectResult;
    for (let tries = 0; ; tries++) {
      this.attempts++;
      let began = 0;
      result = await this.ctx.withHost(job.host, () => {
        began = performance.now();
        return connectPort(job.host, job.port, {
          timeoutMs,
          inflight: this.inflight,
          ...(banner ? { bannerMs: this.set.bannerMs } : {}),
        });
      });
      if (result.state === 'filtered' && !this.ctx.signal.aborted)
        this.noteLateness(timeoutMs, performance.now() - began);
      if (result.state !== 'error' || !LOCAL_PRESSURE.has(result.code ?? '') || tries >= 20) break;
      if (result.code === 'EMFILE' || result.code === 'ENFILE')
        this.ceiling = Math.max(Math.min(MIN_INFLIGHT, this.ceiling), Math.floor(this.active * 0.8));
      await sleep(50, this.ctx.signal);
      if (!(await paced(this.ctx, 1))) return;
    }
    if (result.state === 'open' || result.state === 'closed') this.ctx.noteReach?.(job.host, 'answered');
    else if (result.state === 'filtered') this.ctx.noteReach?.(job.host, 'timeout');
    else if (result.state === 'unreachable') this.ctx.noteReach?.(job.host, 'unreachable');
    if (result.rttMs !== null) {
      this.timer.observe(result.rttMs);
      (job.live ?? this.markLive(job.host))?.answered.add(job.port);
    }
    if (result.state === 'unreachable' && job.index !== undefined) this.gone[job.index] = 1;
    if (result.state === 'error')
      this.ctx.log.debug({ host: job.host, port: job.port, code: result.code }, 'connect error');
    if (result.state !== 'open') return;
    this.open++;
    this.ctx.emit({ host: job.host, key: 'tcp.open', value: job.port, port: job.port });
    if (banner && result.banner) {
      const text = bannerText(banner, result.banner);
      if (text !== null)
        this.ctx.emit({ host: job.host, key: `${banner}.banner`, value: text, port: job.port });
    }
  }

  /**
   * Records a host as live (once): enrichment learns of it, and in two-phase mode its whole
   * port list is queued right away. Null when it was found before and has settled since.
   */
  markLive(host: string): LiveHost | null {
    if (this.found.has(host)) return this.working.get(host) ?? null;
    this.found.add(host);
    this.ctx.alive(host);
    const live: LiveHost = {
      host,
      answered: new Set<number>(),
      todo: this.sweepOnFind ? this.set.ports : [],
      next: 0,
      busy: 0,
      retried: false,
    };
    this.working.set(host, live);
    if (this.sweepOnFind) this.queue.push(live);
    return live;
  }
}

/**
 * Port-major order over one pass: consecutive connects go to different hosts, so the per-host
 * cap rarely waits. `cursor` always says how far the pass got; `skip` drops hosts settled
 * while the pass runs (found live on an earlier port or by another probe).
 */
function* portMajor(
  hosts: readonly string[],
  ports: readonly number[],
  cursor: Cursor,
  skip: (host: string, port: number, index: number) => boolean,
  from = 0,
  to = ports.length,
): Generator<Job> {
  for (let p = from; p < to; p++) {
    cursor.portIndex = p;
    for (let h = 0; h < hosts.length; h++) {
      cursor.hostIndex = h;
      const host = hosts[h]!;
      if (!skip(host, ports[p]!, h)) yield { host, port: ports[p]!, index: h };
    }
  }
  cursor.portIndex = to;
  cursor.hostIndex = 0;
}

async function sweep(ctx: ProbeContext): Promise<void> {
  const set = settingsOf(ctx.config);
  const s = new Sweep(ctx, set, set.mode !== 'full');
  const hosts = ctx.scope.hosts;
  const phase1 = phase1Ports(set.phase1, hosts.length, ctx.packetsPerSecond, set.budgetMs);
  const cursor: Cursor = { stage: 'phase1', portIndex: 0, hostIndex: 0 };
  const since = { attempts: 0, at: performance.now() };
  const pace = setInterval(() => ctx.log.debug(s.paceSample(since), 'sweep pace'), 1000);
  pace.unref();
  const adoptLive = async () => {
    // Hosts other probes already heard (multicast answers, passive announcements) and on-link
    // hosts that answered ARP are live without a TCP answer.
    for (const host of ctx.known().keys()) if (ctx.scope.has(host)) s.markLive(host);
    for (const host of await neighbourAddresses(set.neighbourTable))
      if (ctx.scope.has(host)) s.markLive(host);
  };

  try {
    if (set.mode === 'full') {
      await s.run(
        portMajor(hosts, set.ports, cursor, () => false),
        false,
      );
      cursor.stage = 'phase2';
      s.releaseAll();
      await s.run(null, true);
    } else {
      // Phase 1: discovery ports on every address not yet known live, one port per pass, each
      // pass settled before the next so a host that answered is not asked again. Found hosts'
      // full port lists go out in between (phase 2), so they settle while phase 1 goes on.
      for (let p = 0; p < phase1.length && !ctx.signal.aborted; p++) {
        await adoptLive();
        await s.run(
          portMajor(hosts, phase1, cursor, (host, _, i) => s.gone[i] === 1 || s.found.has(host), p, p + 1),
          false,
        );
        ctx.log.debug({ port: phase1[p], live: s.found.size, attempts: s.attempts }, 'phase 1 pass done');
      }
      if (ctx.signal.aborted) return;
      await adoptLive();
      cursor.stage = 'phase2';
      await s.run(null, true);
    }
    if (!ctx.signal.aborted) cursor.stage = 'done';
  } finally {
    clearInterval(pace);
    if (ctx.signal.aborted)
      ctx.skipped(leftOver(cursor, set.mode === 'full' ? set.ports : phase1, set.ports, hosts, s));
    ctx.log.debug(
      { hosts: hosts.length, attempts: s.attempts, open: s.open, live: s.found.size, mode: set.mode, phase1 },
      'tcp sweep done',
    );
  }
}

/**
 * What the sweep had not done when it was stopped: the rest of its pass, and the ports of live
 * hosts not settled. Stopped in phase 1, every port is skipped on the hosts it never found.
 */
function leftOver(
  cursor: Cursor,
  passPorts: readonly number[],
  allPorts: readonly number[],
  hosts: readonly string[],
  s: Sweep,
) {
  const left = s.unsettled();
  if (cursor.stage !== 'phase1') {
    return {
      ports: [...left.ports],
      hosts: left.hosts.length,
      hostSample: left.hosts.slice(0, 16),
      attempts: left.attempts + s.inFlight,
    };
  }
  const pass = remainingWork(cursor, { hosts, ports: passPorts }, null, s.inFlight);
  return {
    ...pass,
    ports: [...new Set([...(pass.ports ?? []), ...allPorts, ...left.ports])],
    hosts: Math.max(pass.hosts ?? 0, left.hosts.length),
    attempts: (pass.attempts ?? 0) + left.attempts,
  };
}

export const tcpProbe: Probe = {
  id: 'tcp',
  title: 'TCP connect sweep of camera ports, with FTP/SSH/telnet banners',
  phase: 'discover',
  emits: ['tcp.open', 'telnet.banner', 'ftp.banner', 'ssh.banner'],
  config,
  enabledByDefault: true,
  run: sweep,
  estimateMs: (scope, cfg, packetsPerSecond) => {
    const set = settingsOf(cfg);
    return sweepEstimateMs(
      scope.hosts.length,
      set.ports.length,
      phase1Ports(set.phase1, scope.hosts.length, packetsPerSecond, set.budgetMs).length,
      set.mode,
      packetsPerSecond,
      set.maxMs,
    );
  },
};
