/**
 * One TCP connect attempt, as `connect()` would do it from userland (no raw sockets, so no
 * privilege is needed). Every outcome is data: open, refused, timed out, unreachable.
 */
import { Socket } from 'node:net';
import { MAX_BANNER_BYTES } from './codec.js';

export type PortState = 'open' | 'closed' | 'filtered' | 'unreachable' | 'error';

export interface ConnectResult {
  readonly state: PortState;
  /** Milliseconds until the SYN was answered (SYN-ACK or RST); null when nothing came back. */
  readonly rttMs: number | null;
  /** First bytes the service sent unprompted, when a banner was asked for. */
  readonly banner?: Buffer;
  /** errno code for `error` outcomes (EMFILE, EADDRNOTAVAIL …), to let the caller back off. */
  readonly code?: string;
}

export interface ConnectOptions {
  readonly timeoutMs: number;
  /** When set, wait this long after connecting for the service to speak first. */
  readonly bannerMs?: number;
  readonly signal: AbortSignal;
}

// Errors that mean the host (not the port) is gone: ARP failed or a router said so.
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);

export function connectPort(host: string, port: number, opts: ConnectOptions): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = new Socket();
    const chunks: Buffer[] = [];
    let received = 0;
    let connectedAt: number | null = null;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    const finish = (result: ConnectResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('data');
      socket.destroy();
      resolve(result);
    };
    const opened = () =>
      finish({
        state: 'open',
        rttMs: connectedAt === null ? null : connectedAt - started,
        ...(opts.bannerMs !== undefined
          ? { banner: Buffer.concat(chunks).subarray(0, MAX_BANNER_BYTES) }
          : {}),
      });
    const onAbort = () => (connectedAt === null ? finish({ state: 'filtered', rttMs: null }) : opened());

    if (opts.signal.aborted) return finish({ state: 'filtered', rttMs: null });
    opts.signal.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => finish({ state: 'filtered', rttMs: null }), opts.timeoutMs);

    // A destroyed socket may still emit 'error'; the listener stays so it never goes unhandled.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (connectedAt !== null) return opened(); // reset after connect: still an open port
      const rtt = performance.now() - started;
      if (err.code === 'ECONNREFUSED') finish({ state: 'closed', rttMs: rtt });
      else if (err.code && UNREACHABLE.has(err.code)) finish({ state: 'unreachable', rttMs: null });
      else finish({ state: 'error', rttMs: null, ...(err.code ? { code: err.code } : {}) });
    });
    socket.on('connect', () => {
      connectedAt = performance.now();
      if (opts.bannerMs === undefined) return opened();
      clearTimeout(timer);
      timer = setTimeout(opened, opts.bannerMs);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      // A greeting line is complete at its line break; stop early rather than wait out the timer.
      if (received >= MAX_BANNER_BYTES || chunk.includes(0x0a)) opened();
    });
    socket.on('end', opened);
    socket.connect({ host, port });
  });
}
