/**
 * RTSP server of a lab camera or recorder, answering from the fixture's re-typed captures
 * (docs/protocols.md §5.5): OPTIONS → `options`, DESCRIBE → `describe` (usually the 401 Digest
 * challenge). Any other method (SETUP, PLAY …) gets `455 Method Not Valid in This State` and
 * a log line, since camsweep must never send one. Several requests may share a connection.
 *
 * Spec: `port` (default 554), `options`, `describe` (answer files; placeholders `{{cseq}}`,
 * `{{nonce}}` besides the common ones).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { readAnswer } from './answers.js';
import type { RunningSim, SimContext } from './types.js';

const MAX_REQUEST_BYTES = 8 * 1024;

function answerFor(ctx: SimContext, method: string, cseq: string): string {
  const file =
    method === 'OPTIONS' ? ctx.spec.options : method === 'DESCRIBE' ? ctx.spec.describe : undefined;
  if (typeof file !== 'string') {
    ctx.log(`rtsp: ${method} is not answered by this device (camsweep must only send OPTIONS/DESCRIBE)`);
    return `RTSP/1.0 455 Method Not Valid in This State\r\nCSeq: ${cseq}\r\n\r\n`;
  }
  // Hikvision-style nonce: 32 hex digits, fresh per challenge.
  return readAnswer(ctx, file, { cseq, nonce: randomBytes(16).toString('hex') });
}

function serve(ctx: SimContext, socket: Socket): void {
  let pending = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    if (pending.length > MAX_REQUEST_BYTES) return socket.destroy();
    for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
      const head = pending.slice(0, end);
      pending = pending.slice(end + 4);
      const method = head.split(' ', 1)[0] ?? '';
      const cseq = /^CSeq:\s*(\d{1,9})\s*$/im.exec(head)?.[1] ?? '0';
      ctx.log(`rtsp: ${method} CSeq ${cseq}`);
      socket.write(answerFor(ctx, method, cseq), 'latin1');
    }
  });
}

export async function start(ctx: SimContext): Promise<RunningSim> {
  const port = ctx.spec.port === undefined ? 554 : Number(ctx.spec.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error('rtsp: port must be a port number');
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(30_000, () => socket.destroy());
    serve(ctx, socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ctx.ip, () => resolve());
  });
  ctx.log(`rtsp: listening on ${ctx.ip}:${port}`);
  return {
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
