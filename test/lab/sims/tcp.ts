/**
 * Silent TCP ports of a lab device: Hikvision's SDK CommandPort 8000 and Dahua's 37777 accept
 * connections but wait for the client to speak first (docs/protocols.md §3.3), so all a scanner
 * can see is "open". An optional `banner` is sent on connect for services that do speak
 * first (telnet, FTP). Spec: `ports: [8000]`, `banner: "…"`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { RunningSim, SimContext } from './types.js';

const IDLE_MS = 30_000;

export async function start(ctx: SimContext): Promise<RunningSim> {
  const ports = ctx.spec.ports;
  if (!Array.isArray(ports) || ports.length === 0 || !ports.every((p) => Number.isInteger(p))) {
    throw new Error('tcp: ports must be a non-empty list of port numbers');
  }
  const banner = typeof ctx.spec.banner === 'string' ? ctx.spec.banner : null;
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  for (const port of ports as number[]) {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      socket.setTimeout(IDLE_MS, () => socket.destroy());
      socket.resume(); // read and ignore: we never implement the proprietary login
      if (banner !== null) socket.write(banner);
    });
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(port, ctx.ip, () => resolvePromise());
    });
    servers.push(server);
  }
  ctx.log(`listening on ${ctx.ip} ports ${ports.join(', ')}`);
  return {
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
