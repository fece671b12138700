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
import { neighbourAddresses } from './neighbours.js';
import { type Cursor, type DiscoveryMode, remainingWork, sweepEstimateMs } from './plan.js';
import { DEFAULT_PORTS, DISCOVERY_PORTS } from './ports.js';
import { ConnectTimer } from './rtt.js';

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
    doc: 'two-phase only: ports tried on every address to find live hosts, in order; an address that answers (even refused) is live and is not tried further here',
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
  /** Position in the scope's host list (phase 1), to mark the address settled without a map. */
  readonly index?: number;
}

interface Settings {
  readonly ports: readonly number[];
  readonly phase1: readonly number[];
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
 * One sweep's state. Memory follows the live hosts, not the address count: a silent address
 * leaves nothing behind once its connect settles.
 */
class Sweep {
  private readonly inflight: Inflight;
  private readonly timer: ConnectTimer;
  /** Live hosts and the ports that answered on each (open or refused). */
  readonly answered = new Map<string, Set<number>>();
  /**
   * Phase 1: addresses proven absent (ARP failed, or a router said unreachable), one byte per
   * scope address, so later discovery ports skip them.
   */
  readonly gone: Uint8Array;
  /** Connects started and not yet settled. */
  private active = 0;
  private wake: (() => void) | null = null;
  /** Lowered when the kernel runs out of descriptors, so the sweep stops hammering it. */
  private ceiling: number;
  attempts = 0;
  open = 0;

  constructor(
    private readonly ctx: ProbeContext,
    private readonly set: Settings,
  ) {
    this.inflight = new Inflight(ctx.signal);
    this.timer = new ConnectTimer(set.minMs, set.maxMs);
    this.ceiling = set.maxParallel;
    this.gone = new Uint8Array(ctx.scope.hosts.length);
  }

  get inFlight(): number {
    return this.active;
  }

  /**
   * Connects in flight follow rate × timeout (Little's law): enough that the rate cap, not a
   * fixed lane count, sets the pace, and no more descriptors than that.
   */
  private limit(): number {
    const rate = this.ctx.packetsPerSecond;
    const want = rate > 0 ? Math.ceil((rate * this.timer.timeoutMs()) / 1000) * 1.25 : this.ceiling;
    return Math.min(this.ceiling, Math.max(MIN_INFLIGHT, Math.ceil(want)));
  }

  /** Sends every job (paced), keeping at most `limit()` in flight; resolves when all settled. */
  async run(jobs: Iterable<Job>, timeoutMs: (() => number) | number): Promise<void> {
    const pending = new Set<Promise<void>>();
    for (const job of jobs) {
      while (this.active >= this.limit() && !this.ctx.signal.aborted)
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      if (this.ctx.signal.aborted || !(await paced(this.ctx, 1))) break;
      this.active++;
      const t = typeof timeoutMs === 'number' ? timeoutMs : timeoutMs();
      const p: Promise<void> = this.attempt(job, t).finally(() => {
        this.active--;
        pending.delete(p);
        const wake = this.wake;
        this.wake = null;
        wake?.();
      });
      pending.add(p);
    }
    await Promise.all(pending);
  }

  currentTimeout = (): number => this.timer.timeoutMs();

  private async attempt(job: Job, timeoutMs: number): Promise<void> {
    const banner = BANNER_PORTS.get(job.port);
    let result: ConnectResult;
    for (let tries = 0; ; tries++) {
      this.attempts++;
      result = await this.ctx.withHost(job.host, () =>
        connectPort(job.host, job.port, {
          timeoutMs,
          inflight: this.inflight,
          ...(banner ? { bannerMs: this.set.bannerMs } : {}),
        }),
      );
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
      this.markLive(job.host).add(job.port);
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

  markLive(host: string): Set<number> {
    let seen = this.answered.get(host);
    if (!seen) {
      seen = new Set<number>();
      this.answered.set(host, seen);
      this.ctx.alive(host);
    }
    return seen;
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
  const s = new Sweep(ctx, set);
  const hosts = ctx.scope.hosts;
  const cursor: Cursor = { stage: 'phase1', portIndex: 0, hostIndex: 0 };
  let phase2Hosts: string[] = [];
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
        s.currentTimeout,
      );
    } else {
      // Phase 1: discovery ports on every address not yet known live, one port per pass, each
      // pass settled before the next so a host that answered is not asked again.
      for (let p = 0; p < set.phase1.length && !ctx.signal.aborted; p++) {
        await adoptLive();
        await s.run(
          portMajor(
            hosts,
            set.phase1,
            cursor,
            (host, _, i) => s.gone[i] === 1 || s.answered.has(host),
            p,
            p + 1,
          ),
          s.currentTimeout,
        );
        ctx.log.debug(
          { port: set.phase1[p], live: s.answered.size, attempts: s.attempts },
          'phase 1 pass done',
        );
      }
      if (ctx.signal.aborted) return;
      await adoptLive();
      // Phase 2: the rest of the port list on live hosts only.
      cursor.stage = 'phase2';
      phase2Hosts = [...s.answered.keys()];
      ctx.log.debug({ live: phase2Hosts.length, timeoutMs: s.currentTimeout() }, 'phase 2 starting');
      await s.run(
        portMajor(phase2Hosts, set.ports, cursor, (host, port) => s.answered.get(host)?.has(port) === true),
        s.currentTimeout,
      );
    }
    if (set.retryLive && !ctx.signal.aborted) {
      // A lost SYN on a live host would hide a port; a dead address is not worth a second try.
      cursor.stage = 'done';
      const retries: Job[] = [];
      // Hosts live only by ARP or another protocol filter TCP: a second try finds nothing there.
      for (const [host, seen] of s.answered)
        if (seen.size > 0) for (const port of set.ports) if (!seen.has(port)) retries.push({ host, port });
      await s.run(retries, set.maxMs);
    }
  } finally {
    if (ctx.signal.aborted) ctx.skipped(leftOver(cursor, set, hosts, phase2Hosts, s.inFlight));
    ctx.log.debug(
      { hosts: hosts.length, attempts: s.attempts, open: s.open, live: s.answered.size, mode: set.mode },
      'tcp sweep done',
    );
  }
}

/** What the sweep had not done when it was stopped, by stage. */
function leftOver(
  cursor: Cursor,
  set: Settings,
  hosts: readonly string[],
  phase2Hosts: readonly string[],
  inflight: number,
) {
  if (set.mode === 'full' || cursor.stage === 'done')
    return cursor.stage === 'done'
      ? { attempts: inflight }
      : remainingWork(cursor, { hosts, ports: set.ports }, null, inflight);
  if (cursor.stage === 'phase1')
    // Phase 2 never ran: every live host still lacks the rest of the port list.
    return remainingWork(cursor, { hosts, ports: set.phase1 }, { hosts: 0, ports: set.ports }, inflight);
  return remainingWork(cursor, { hosts: phase2Hosts, ports: set.ports }, null, inflight);
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
      set.phase1.length,
      set.mode,
      packetsPerSecond,
      set.maxMs,
    );
  },
};
