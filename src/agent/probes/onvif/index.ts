/**
 * ONVIF: WS-Discovery Probe on every in-scope interface and to every in-scope host, then the
 * device service of each camera found (docs/protocols.md §1). Read-only: no Set*, no reboot.
 */
import { randomUUID } from 'node:crypto';
import { defineSpec } from '../../../core/config-spec.js';
import { cap } from '../../../core/text.js';
import { type ProbeSettings, probeSettings } from '../shared/common-config.js';
import { discoveryConfig, runDiscovery } from '../shared/discovery.js';
import { limiter } from '../shared/pool.js';
import { emitterFor } from '../shared/reply.js';
import type { Probe, ProbeContext } from '../shared/types.js';
import type { Datagram } from '../shared/udp.js';
import { buildProbe, isOnvifMatch, PROBE_TYPES, parseDiscovery, WSD_GROUP, WSD_PORT } from './codec.js';
import { createSoapAgent, readClock, readDeviceInformation } from './device.js';
import { emitMatch } from './observe.js';
import { wsdHelloDecoder } from './passive.js';

const config = defineSpec({
  ...discoveryConfig('Probe', '150ms', '5s'),
  listen: {
    type: 'duration',
    default: '2s',
    minMs: 200,
    maxMs: 60_000,
    doc: 'how long to listen for ProbeMatches after the last Probe; device-service calls use the rest of the timeout',
  },
  unicast: {
    type: 'boolean',
    default: true,
    doc: 'also send each Probe once to every in-scope host on a routed subnet (UDP 3702)',
  },
  deviceService: {
    type: 'boolean',
    default: true,
    doc: 'call GetSystemDateAndTime on each device found, and GetDeviceInformation when credentials are configured',
  },
  https: { type: 'boolean', default: true, doc: 'allow device-service calls to https:// XAddrs' },
  httpTimeout: {
    type: 'duration',
    default: '3s',
    minMs: 200,
    maxMs: 60_000,
    doc: 'timeout of one device-service call',
  },
});

type OnvifConfig = ProbeSettings<typeof config>;

/** Device-service calls run concurrently on at most this many devices. */
const DEVICE_CONCURRENCY = 8;

/**
 * The XAddrs worth calling for a device that answered from `source`: IPv4 http(s) URLs, those
 * naming the source first. An XAddr naming a foreign or out-of-scope address (stale static
 * config, NAT) is re-aimed at the source, which is where the device actually answered.
 */
export function serviceUrls(xaddrs: readonly string[], source: string, allowHttps: boolean): URL[] {
  const out: URL[] = [];
  for (const x of xaddrs) {
    let url: URL;
    try {
      url = new URL(x);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && !(allowHttps && url.protocol === 'https:')) continue;
    if (url.hostname.startsWith('[')) continue; // IPv6 link-local: out of scope (IPv4 only)
    url.username = '';
    url.password = '';
    url.hostname = source;
    if (!out.some((u) => u.href === url.href)) out.push(url);
  }
  return out.slice(0, 2);
}

async function enrich(
  ctx: ProbeContext,
  cfg: OnvifConfig,
  host: string,
  urls: URL[],
  attempted: Set<string>,
) {
  const agent = createSoapAgent(cfg.httpTimeout);
  try {
    for (const url of urls) {
      const signal = AbortSignal.any([
        ctx.signal,
        AbortSignal.timeout(Math.max(0, ctx.deadline - Date.now() - 50)),
      ]);
      const emit = (key: string, value: string | number) =>
        ctx.emit({
          host,
          key,
          value: typeof value === 'string' ? cap(value) : value,
          port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
          path: url.pathname,
        });
      const clock = await readClock(agent, url, signal);
      if (!clock.outcome.ok) {
        ctx.log.debug({ host, error: clock.outcome.error }, 'device service unreachable');
        continue; // try the next XAddr (https after http)
      }
      if (clock.time?.utc) emit('onvif.clock.offset', Math.round(clock.offsetMs / 1000));
      if (clock.time?.tz) emit('onvif.clock.tz', clock.time.tz);

      const credentials = ctx.credentialsFor(host);
      if (credentials && !attempted.has(host)) {
        attempted.add(host);
        const r = await readDeviceInformation(agent, url, credentials, clock.offsetMs, signal);
        if (r.kind === 'ok') {
          const fields = [
            ['onvif.device.manufacturer', r.info.manufacturer],
            ['onvif.device.model', r.info.model],
            ['onvif.device.firmware', r.info.firmware],
            ['onvif.device.serial', r.info.serial],
            ['onvif.device.hardwareId', r.info.hardwareId],
          ] as const;
          for (const [key, value] of fields) if (value) emit(key, value);
          ctx.log.debug({ host, via: r.via }, 'GetDeviceInformation answered');
        } else {
          ctx.log.info(
            { host, result: r.kind, status: 'status' in r ? r.status : undefined },
            'GetDeviceInformation refused; not retried',
          );
        }
      }
      return;
    }
  } finally {
    await agent.close().catch(() => undefined);
  }
}

export const onvifProbe: Probe = {
  id: 'onvif',
  title: 'ONVIF WS-Discovery and device service',
  phase: 'discover',
  reach: 'segment',
  emits: [
    'onvif.endpoint',
    'onvif.types',
    'onvif.xaddr',
    'onvif.scope.*',
    'onvif.device.manufacturer',
    'onvif.device.model',
    'onvif.device.firmware',
    'onvif.device.serial',
    'onvif.device.hardwareId',
    'onvif.clock.offset',
    'onvif.clock.tz',
    'mac.address',
  ],
  passive: () => wsdHelloDecoder,
  identityKeys: {
    mac: ['onvif.scope.mac', 'mac.address'],
    macInUuid: ['onvif.endpoint'],
    serial: ['onvif.device.serial'],
  },
  config,
  enabledByDefault: true,
  async run(ctx) {
    const cfg = probeSettings(config, ctx.config);
    const ourIds = new Set<string>();
    const payloads = PROBE_TYPES.map((type) => {
      const id = `uuid:${randomUUID()}`;
      ourIds.add(id);
      return Buffer.from(buildProbe(id, type), 'utf8');
    });
    const seen = new Set<string>();
    const enrichHosts = new Set<string>();
    const attempted = new Set<string>();
    const pending: Promise<void>[] = [];
    const limit = limiter(DEVICE_CONCURRENCY);
    const schedule = (host: string, urls: URL[]) => {
      const work = () => ctx.withHost(host, () => enrich(ctx, cfg, host, urls, attempted));
      pending.push(
        limit(work).catch((err: Error) =>
          ctx.log.debug({ host, err: err.message }, 'device-service call failed'),
        ),
      );
    };

    const onDatagram = (d: Datagram) => {
      const msg = parseDiscovery(d.data);
      // Our own Probes loop back to local listeners; other clients' Probes are not answers.
      if (msg.kind === 'probe' || (msg.messageId !== null && ourIds.has(msg.messageId))) return;
      if (msg.kind !== 'probe-matches' && msg.kind !== 'hello' && msg.kind !== 'resolve-matches') return;
      const emit = emitterFor(ctx, d);
      if (!emit) return;
      const host = d.from.address;
      for (const m of msg.matches) {
        if (!isOnvifMatch(m)) continue;
        const id = `${host}\n${m.endpointId}`;
        if (seen.has(id)) continue; // the same answer to our repeated Probes
        seen.add(id);
        emitMatch(emit, m);
        if (cfg.deviceService && !enrichHosts.has(host)) {
          const urls = serviceUrls(m.xaddrs, host, cfg.https);
          if (urls.length > 0) {
            enrichHosts.add(host);
            schedule(host, urls);
          }
        }
      }
      if (msg.relatesTo !== null && !ourIds.has(msg.relatesTo)) {
        ctx.log.debug({ host }, 'ProbeMatches for another client kept');
      }
    };

    await runDiscovery({
      ctx,
      port: WSD_PORT,
      group: WSD_GROUP,
      payloads,
      repeats: cfg.retries,
      gapMs: cfg.gap,
      unicast: cfg.unicast,
      unicastOnLink: cfg.unicastOnLink,
      listenMs: cfg.listen,
      onDatagram,
    });
    await Promise.all(pending);
  },
};
