/**
 * The live hosts of the discovery benchmark, run inside its devices namespace: one process
 * serving every live address. All of them answer on 80 (a Hikvision-like web server) and
 * 554 (RTSP); every other one also on 8000 (silent SDK port), every fourth on 22 (SSH
 * greeting). Closed ports answer RST, as on a real host. Usage: node devices.js ADDR…
 */
import { createServer, type Socket } from 'node:net';

const addresses = process.argv.slice(2);
const sockets = new Set<Socket>();

function serve(port: number, host: string, onConnect: (s: Socket) => void): Promise<void> {
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    s.setTimeout(10_000, () => s.destroy());
    onConnect(s);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: 4096 }, () => resolve());
  });
}

const http = (s: Socket) =>
  s.once('data', () =>
    s.end(
      'HTTP/1.1 401 Unauthorized\r\nServer: App-webs/\r\nWWW-Authenticate: Digest qop="auth", realm="IP Camera(C2385)", nonce="4e6a4d7a", stale="FALSE"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    ),
  );
const rtsp = (s: Socket) => {
  s.setEncoding('latin1');
  s.on('data', (d: string) => {
    const cseq = /CSeq:\s*(\d+)/i.exec(d)?.[1] ?? '1';
    s.write(
      `RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq}\r\nWWW-Authenticate: Digest realm="IP Camera(C2385)", nonce="ab", stale="FALSE"\r\n\r\n`,
    );
  });
};

async function main(): Promise<void> {
  await serve(80, '0.0.0.0', http);
  await serve(554, '0.0.0.0', rtsp);
  for (const [i, a] of addresses.entries()) {
    if (i % 2 === 0) await serve(8000, a, (s) => s.resume());
    if (i % 4 === 0) await serve(22, a, (s) => s.write('SSH-2.0-dropbear_2019.78\r\n'));
  }
  process.stdout.write('ready\n');
}

process.on('SIGTERM', () => process.exit(0));
main().catch((err) => {
  process.stderr.write(`devices: ${(err as Error).message}\n`);
  process.exit(1);
});
