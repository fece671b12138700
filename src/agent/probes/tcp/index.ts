/**
 * TCP connect sweep (phase `discover`): which curated camera ports answer on each in-scope
 * address, plus the greeting of services that speak first (FTP, SSH, telnet). See README.md
 * for what goes on the wire.
 */
import { defineSpec } from '../../../core/config-spec.js';
import { probeSettings } from '../shared/common-config.js';
import { forEachLimit, paced, sleep } from '../shared/pool.js';
import type { Probe, ProbeContext } from '../shared/types.js';
import { BANNER_PORTS, bannerText } from './codec.js';
import { type ConnectResult, connectPort, Inflight } from './connect.js';
import { DEFAULT_PORTS } from './ports.js';
import { ConnectTimer } from './rtt.js';

const config = defineSpec({
  // A /20 at the default 1000 packets/s is ~90 s of connects; the common 2 min probe deadline
  // would cut a /19 short. The scan's own timeout still bounds it.
  deadline: {
    type: 'duration',
    default: '10m',
    minMs: 100,
    doc: 'the longest the sweep may run (at the packet-rate cap it takes hosts × ports ÷ rate seconds)',
  },
  ports: { type: 'ports', default: DEFAULT_PORTS, doc: 'TCP ports to try on every in-scope address' },
  timeout: {
    type: 'duration',
    default: '1s',
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
    default: 1024,
    min: 1,
    max: 16_384,
    doc: 'connects in flight at once (each holds a file descriptor); the packet-rate cap still applies',
  },
  retryLive: {
    type: 'boolean',
    default: true,
    doc: 'try unanswered ports once more, with the full timeout, on hosts that answered on another port',
  },
});

// Local resource exhaustion, not a network answer: wait and try the same port again.
const LOCAL_PRESSURE = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS']);

interface Job {
  readonly host: string;
  readonly port: number;
}

/** Port-major order: consecutive connects go to different hosts, so the per-host cap rarely waits. */
function* jobs(hosts: readonly string[], ports: readonly number[]): Generator<Job> {
  for (const port of ports) for (const host of hosts) yield { host, port };
}

async function sweep(ctx: ProbeContext): Promise<void> {
  const inflight = new Inflight(ctx.signal);
  const settings = probeSettings(config, ctx.config);
  const ports = settings.ports;
  const maxMs = settings.timeout;
  const bannerMs = settings.bannerTimeout;
  const timer = new ConnectTimer(settings.minTimeout, maxMs);
  /** Hosts that answered at least once, and the ports that answered (open or refused). */
  const answered = new Map<string, Set<number>>();
  let open = 0;
  let attempts = 0;

  const attempt = async (job: Job, timeoutMs: number): Promise<void> => {
    const banner = BANNER_PORTS.get(job.port);
    let result: ConnectResult;
    for (let tries = 0; ; tries++) {
      if (!(await paced(ctx, 1))) return;
      attempts++;
      result = await ctx.withHost(job.host, () =>
        connectPort(job.host, job.port, { timeoutMs, inflight, ...(banner ? { bannerMs } : {}) }),
      );
      if (result.state !== 'error' || !LOCAL_PRESSURE.has(result.code ?? '') || tries >= 20) break;
      await sleep(50, ctx.signal);
    }
    if (result.rttMs !== null) {
      timer.observe(result.rttMs);
      const seen = answered.get(job.host) ?? new Set<number>();
      answered.set(job.host, seen.add(job.port));
    }
    if (result.state === 'error')
      ctx.log.debug({ host: job.host, port: job.port, code: result.code }, 'connect error');
    if (result.state !== 'open') return;
    open++;
    ctx.emit({ host: job.host, key: 'tcp.open', value: job.port, port: job.port });
    if (banner && result.banner) {
      const text = bannerText(banner, result.banner);
      if (text !== null) ctx.emit({ host: job.host, key: `${banner}.banner`, value: text, port: job.port });
    }
  };

  const hosts = ctx.scope.hosts;
  const parallel = settings.parallel;
  await forEachLimit(jobs(hosts, ports), parallel, ctx.signal, (job) => attempt(job, timer.timeoutMs()));

  if (settings.retryLive && !ctx.signal.aborted) {
    // A lost SYN on a live host would hide a port; a dead address is not worth a second try.
    const retries: Job[] = [];
    for (const [host, seen] of answered)
      for (const port of ports) if (!seen.has(port)) retries.push({ host, port });
    await forEachLimit(retries, parallel, ctx.signal, (job) => attempt(job, maxMs));
  }
  ctx.log.debug({ hosts: hosts.length, attempts, open, live: answered.size }, 'tcp sweep done');
}

export const tcpProbe: Probe = {
  id: 'tcp',
  title: 'TCP connect sweep of camera ports, with FTP/SSH/telnet banners',
  phase: 'discover',
  emits: ['tcp.open', 'telnet.banner', 'ftp.banner', 'ssh.banner'],
  config,
  enabledByDefault: true,
  run: sweep,
};
