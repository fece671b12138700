/**
 * One TCP connect attempt, as `connect()` would do it from userland (no raw sockets, so no
 * privilege is needed). Every outcome is data: open, refused, timed out, unreachable.
 *
 * A sweep runs a thousand of these at once, tens of thousands in a row, so the attempt keeps
 * its allocations few (one socket, one timer, one set entry) and shares a single abort
 * listener through `Inflight` rather than adding one per socket.
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

/** The attempts in flight, ended together when the sweep is aborted. */
export class Inflight {
  private readonly ends = new Set<() => void>();
  private aborted = false;

  constructor(signal: AbortSignal) {
    const abort = () => {
      this.aborted = true;
      for (const end of this.ends) end();
      this.ends.clear();
    };
    if (signal.aborted) this.aborted = true;
    else signal.addEventListener('abort', abort, { once: true });
  }

  /** Registers `end`; false when already aborted (the caller must not start). */
  add(end: () => void): boolean {
    if (this.aborted) return false;
    this.ends.add(end);
    return true;
  }

  delete(end: () => void): void {
    this.ends.delete(end);
  }
}

export interface ConnectOptions {
  readonly timeoutMs: number;
  /** When set, wait this long after connecting for the service to speak first. */
  readonly bannerMs?: number;
  readonly inflight: Inflight;
}

// Errors that mean the host (not the port) is gone: ARP failed or a router said so.
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);
const FILTERED: ConnectResult = Object.freeze({ state: 'filtered', rttMs: null });

export function connectPort(host: string, port: number, opts: ConnectOptions): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = new Socket();
    let chunks: Buffer[] | null = null;
    let received = 0;
    let connectedAt = -1;
    let settled = false;

    const opened = (): ConnectResult => {
      const rttMs = connectedAt - started;
      if (opts.bannerMs === undefined) return { state: 'open', rttMs };
      const banner = chunks ? Buffer.concat(chunks).subarray(0, MAX_BANNER_BYTES) : Buffer.alloc(0);
      return { state: 'open', rttMs, banner };
    };
    const finish = (result: ConnectResult | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.inflight.delete(end);
      socket.destroy();
      resolve(result ?? opened());
    };
    // Timer or abort: what we have so far is the answer.
    const end = () => finish(connectedAt < 0 ? FILTERED : null);
    if (!opts.inflight.add(end)) {
      resolve(FILTERED);
      return;
    }
    // The timer only schedules the verdict: on a busy event loop an answer that has already
    // arrived waits in the same loop turn as the expired timer, and timers run before I/O
    // callbacks. setImmediate runs after them, so that answer wins over "filtered".
    const expire = () => setImmediate(end);
    let timer = setTimeout(expire, opts.timeoutMs);

    // A destroyed socket may still emit 'error'; the listener stays so it never goes unhandled.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (connectedAt >= 0) return finish(null); // reset after connect: still an open port
      if (err.code === 'ECONNREFUSED') finish({ state: 'closed', rttMs: performance.now() - started });
      else if (err.code && UNREACHABLE.has(err.code)) finish({ state: 'unreachable', rttMs: null });
      else finish({ state: 'error', rttMs: null, ...(err.code ? { code: err.code } : {}) });
    });
    socket.once('connect', () => {
      connectedAt = performance.now();
      if (opts.bannerMs === undefined) return finish(null);
      clearTimeout(timer);
      timer = setTimeout(expire, opts.bannerMs);
      socket.on('data', (chunk: Buffer) => {
        if (chunks === null) chunks = [];
        chunks.push(chunk);
        received += chunk.length;
        // A greeting line is complete at its line break; stop early rather than wait out the timer.
        if (received >= MAX_BANNER_BYTES || chunk.includes(0x0a)) finish(null);
      });
      socket.once('end', () => finish(null));
    });
    socket.connect(port, host);
  });
}
