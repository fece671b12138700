/**
 * mDNS / DNS-SD browsing (phase `discover`): PTR queries for a curated list of service types
 * on each in-scope interface, re-sent while listening. Hikvision cameras answer `_CGI._tcp`
 * with model and full serial (docs/protocols.md §5.6). bonjour-service pitfalls (§6.2): one
 * instance per NIC, `{interface, bind: '0.0.0.0'}`, an error callback always, re-query.
 * See README.md.
 */
import { Bonjour, type Service } from 'bonjour-service';
import { defineSpec } from '../../../core/config-spec.js';
import { probeSettings } from '../shared/common-config.js';
import { paced, sleep } from '../shared/pool.js';
import type { LocalInterface, Probe, ProbeContext } from '../shared/types.js';
import { DEFAULT_SERVICE_TYPES, decodeTxt, dnsName, splitServiceType } from './codec.js';
import { mdnsAnnouncementDecoder } from './passive.js';

const config = defineSpec({
  services: {
    type: 'strings',
    default: DEFAULT_SERVICE_TYPES,
    doc: 'DNS-SD service types to browse, e.g. _CGI._tcp',
  },
  listen: {
    type: 'duration',
    default: '3s',
    minMs: 200,
    maxMs: 60_000,
    doc: 'how long to listen for answers',
  },
  requery: {
    type: 'duration',
    default: '1s',
    minMs: 100,
    maxMs: 60_000,
    doc: 'interval between repeated queries while listening (answers get lost)',
  },
});

type ServiceWithRaw = Service & { rawTxt?: unknown };

/** The address a service is about: an in-scope A record, else the in-scope UDP source. */
function hostOf(ctx: ProbeContext, service: ServiceWithRaw): string | null {
  for (const a of service.addresses ?? []) if (ctx.scope.has(a)) return a;
  const source = service.referer?.address;
  return source && ctx.scope.has(source) ? source : null;
}

function record(
  ctx: ProbeContext,
  iface: LocalInterface,
  serviceType: string,
  service: ServiceWithRaw,
): void {
  const host = hostOf(ctx, service);
  if (host === null) {
    ctx.log.debug(
      { iface: iface.name, source: service.referer?.address },
      'mdns answer about an out-of-scope address',
    );
    return;
  }
  const port =
    Number.isInteger(service.port) && service.port > 0 && service.port < 65536 ? service.port : undefined;
  const common = { host, iface: iface.name, ...(port ? { port } : {}) };
  ctx.emit({ ...common, key: 'mdns.service', value: serviceType });
  const instance = dnsName(service.name);
  if (instance) ctx.emit({ ...common, key: 'mdns.instance', value: instance });
  const target = dnsName(service.host);
  if (target) ctx.emit({ ...common, key: 'mdns.host', value: target });
  for (const [k, v] of decodeTxt(service.rawTxt)) ctx.emit({ ...common, key: `mdns.txt.${k}`, value: v });
}

async function browseInterface(ctx: ProbeContext, iface: LocalInterface, types: string[]): Promise<void> {
  let failed: Error | null = null;
  // An error callback always: the default one throws (EADDRINUSE on 5353, EACCES) (§6.2).
  const bonjour = new Bonjour({ interface: iface.address, bind: '0.0.0.0' } as never, (err: Error) => {
    failed ??= err;
    ctx.log.debug({ iface: iface.name, err: err.message }, 'mdns socket error');
  });
  const seen = new Set<string>();
  const browsers = [];
  try {
    for (const text of types) {
      const parsed = splitServiceType(text);
      if (!parsed) continue;
      if (!(await paced(ctx, 1))) break;
      const browser = bonjour.find(parsed, (service) => {
        const s = service as ServiceWithRaw;
        // One record per instance and interface; re-announcements repeat the same facts.
        const id = `${text}\n${s.name}\n${s.host}\n${s.referer?.address}`;
        if (seen.has(id)) return;
        seen.add(id);
        record(ctx, iface, text, s);
      });
      browsers.push(browser);
    }
    const { listen: listenMs, requery: requeryMs } = probeSettings(config, ctx.config);
    const until = Math.min(Date.now() + listenMs, ctx.deadline - 100);
    // The deadline shortened the listening window: announcements after it are never heard.
    if (Date.now() + listenMs - until > 250)
      ctx.skipped({ listenMs: Math.round(Date.now() + listenMs - until) });
    while (!ctx.signal.aborted && Date.now() < until) {
      await sleep(Math.min(requeryMs, until - Date.now()), ctx.signal);
      if (ctx.signal.aborted || Date.now() >= until) break;
      for (const b of browsers) {
        if (!(await paced(ctx, 1))) break;
        b.update();
      }
    }
  } finally {
    for (const b of browsers) b.stop();
    await new Promise<void>((resolve) => bonjour.destroy(() => resolve()));
  }
  if (failed)
    ctx.log.info(
      { iface: iface.name, err: (failed as Error).message },
      'mdns could not listen on this interface',
    );
}

async function run(ctx: ProbeContext): Promise<void> {
  const types = [...probeSettings(config, ctx.config).services];
  await Promise.all(ctx.scope.interfaces.map((iface) => browseInterface(ctx, iface, types)));
}

export const mdnsProbe: Probe = {
  id: 'mdns',
  title: 'mDNS / DNS-SD browsing for camera service types',
  phase: 'discover',
  reach: 'segment',
  emits: ['mdns.service', 'mdns.instance', 'mdns.host', 'mdns.txt.*'],
  // Listens for the same service types the active probe asks for.
  passive: (settings) => mdnsAnnouncementDecoder(probeSettings(config, settings).services),
  identityKeys: { serialInHost: ['mdns.host'] },
  config,
  enabledByDefault: true,
  run,
};
