/**
 * RTSP (phase `enrich`): OPTIONS and DESCRIBE on each live host's RTSP ports, for the Server
 * and Public headers and the realm of the DESCRIBE challenge (docs/protocols.md §5.5). Never
 * SETUP or PLAY. See README.md.
 */
import { Socket } from 'node:net';
import { whenAborted } from '../../../core/abort.js';
import { defineSpec } from '../../../core/config-spec.js';
import { probeSettings } from '../shared/common-config.js';
import { forEachLimit, paced } from '../shared/pool.js';
import type { Probe, ProbeContext } from '../shared/types.js';
import {
  buildRequest,
  challengeRealm,
  headEnd,
  MAX_HEAD_BYTES,
  parseReply,
  type RtspMethod,
} from './codec.js';

const config = defineSpec({
  ports: {
    type: 'ports',
    default: [554, 8554, 10554],
    doc: 'RTSP ports; a host is asked on those the TCP sweep found open (554 when the sweep did not run)',
  },
  timeout: {
    type: 'duration',
    default: '3s',
    minMs: 100,
    maxMs: 60_000,
    doc: 'connect plus reply, per request',
  },
  parallel: { type: 'integer', default: 64, min: 1, max: 4096, doc: 'hosts asked at once' },
});

// Headers that only echo our request or frame the body: no device information.
const SKIP_HEADERS = new Set(['cseq', 'content-length', 'session']);

/** Sends one request on a fresh connection and reads the reply head. Null on any failure. */
function exchange(host: string, port: number, request: Buffer, timeoutMs: number, signal: AbortSignal) {
  return new Promise<Buffer | null>((resolve) => {
    if (signal.aborted) return resolve(null);
    const socket = new Socket();
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (value: Buffer | null) => {
      clearTimeout(timer);
      cancel();
      socket.destroy();
      resolve(value);
    };
    const collected = () => (size > 0 ? Buffer.concat(chunks) : null);
    const timer = setTimeout(() => finish(collected()), timeoutMs);
    // Many connections share the probe's signal: one listener for all (core/abort.ts).
    const cancel = whenAborted(signal, () => finish(collected()));
    socket.on('error', () => finish(collected()));
    socket.on('end', () => finish(collected()));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      const all = Buffer.concat(chunks);
      if (size >= MAX_HEAD_BYTES || headEnd(all) !== -1) finish(all.subarray(0, MAX_HEAD_BYTES));
    });
    socket.connect({ host, port }, () => socket.write(request));
  });
}

async function askPort(ctx: ProbeContext, host: string, port: number): Promise<void> {
  const url = `rtsp://${host}:${port}/`;
  const methods: RtspMethod[] = ['OPTIONS', 'DESCRIBE'];
  const seen = new Set<string>();
  const emit = (key: string, value: string | number) => {
    const id = `${key}\n${value}`;
    if (seen.has(id)) return;
    seen.add(id);
    ctx.emit({ host, key, value, port });
  };
  for (const [i, method] of methods.entries()) {
    if (ctx.signal.aborted) return;
    if (!(await paced(ctx, 2))) return; // the connect and the request
    const raw = await exchange(
      host,
      port,
      buildRequest(method, url, i + 1),
      probeSettings(config, ctx.config).timeout,
      ctx.signal,
    );
    const reply = raw ? parseReply(raw) : null;
    if (!reply) {
      ctx.log.debug({ host, port, method, bytes: raw?.length ?? 0 }, 'no RTSP reply');
      if (i === 0 && raw !== null) return; // something else speaks on this port
      continue;
    }
    emit('rtsp.status', reply.status);
    for (const [name, value] of reply.headers) {
      if (SKIP_HEADERS.has(name)) continue;
      emit(`rtsp.header.${name}`, value);
      if (name === 'www-authenticate') {
        const realm = challengeRealm(value);
        if (realm !== null) emit('rtsp.auth.realm', realm);
      }
    }
  }
}

/** Which ports to ask on a host: its open RTSP ports, or 554 when no sweep result exists. */
function portsFor(open: ReadonlySet<number>, rtspPorts: readonly number[]): number[] {
  if (open.size === 0) return [554];
  return rtspPorts.filter((p) => open.has(p));
}

async function run(ctx: ProbeContext): Promise<void> {
  const rtspPorts = probeSettings(config, ctx.config).ports;
  const work: { host: string; ports: number[] }[] = [];
  for (const [host, open] of ctx.known()) {
    if (!ctx.scope.has(host)) continue;
    const ports = portsFor(open, rtspPorts);
    if (ports.length > 0) work.push({ host, ports });
  }
  await forEachLimit(work, probeSettings(config, ctx.config).parallel, ctx.signal, ({ host, ports }) =>
    ctx.withHost(host, async () => {
      for (const port of ports) await askPort(ctx, host, port);
    }),
  );
}

export const rtspProbe: Probe = {
  id: 'rtsp',
  title: 'RTSP OPTIONS and DESCRIBE: server, methods and authentication realm',
  phase: 'enrich',
  emits: ['rtsp.status', 'rtsp.header.*', 'rtsp.auth.realm'],
  identityKeys: { serialInRealm: ['rtsp.auth.realm'] },
  config,
  enabledByDefault: true,
  run,
};
