/**
 * A net-snmp session made safe for hostile networks (docs/protocols.md §6.3): an `error` listener
 * is attached before the first packet (a malformed reply otherwise throws out of the socket
 * handler and kills the process), every request has our own timer on top of the library's
 * (socket errors are swallowed by the library), and `close()` is idempotent.
 */

import snmp from 'net-snmp';
import type { SnmpV3Credential } from '../../credentials.js';

export type Varbind = snmp.Varbind;

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: 'timeout' | 'refused' | 'error'; readonly message: string };

export interface SessionOptions {
  readonly port: number;
  readonly timeoutMs: number;
  readonly retries: number;
}

export type Credential =
  | { readonly version: 'v1' | 'v2c'; readonly community: string }
  | ({ readonly version: 'v3' } & SnmpV3Credential);

/** A name for logs: never the community or secret. */
export function credentialLabel(c: Credential): string {
  return c.version === 'v3' ? `v3:${c.username}` : c.version;
}

/**
 * The credential's identity for the run's ledger (probes/types.ts): holds the community, so it
 * stays in memory and is never logged.
 */
export function credentialKey(c: Credential): string {
  return c.version === 'v3'
    ? `snmp:v3:${c.username}:${c.authKey ?? ''}:${c.privKey ?? ''}`
    : `snmp:${c.version}:${c.community}`;
}

function v3User(c: Extract<Credential, { version: 'v3' }>): snmp.User {
  if (c.authProtocol === 'none' || c.authKey === null)
    return { name: c.username, level: snmp.SecurityLevel.noAuthNoPriv };
  const authProtocol = snmp.AuthProtocols[c.authProtocol];
  if (c.privProtocol === 'none' || c.privKey === null)
    return { name: c.username, level: snmp.SecurityLevel.authNoPriv, authProtocol, authKey: c.authKey };
  return {
    name: c.username,
    level: snmp.SecurityLevel.authPriv,
    authProtocol,
    authKey: c.authKey,
    privProtocol: snmp.PrivProtocols[c.privProtocol],
    privKey: c.privKey,
  };
}

export class SafeSession {
  private readonly session: snmp.Session;
  private closed = false;
  /** The last error the socket layer raised (malformed reply), reported instead of crashing. */
  lastError: string | null = null;

  constructor(
    host: string,
    readonly credential: Credential,
    private readonly options: SessionOptions,
  ) {
    const common = {
      port: options.port,
      timeout: options.timeoutMs,
      retries: options.retries,
      transport: 'udp4' as const,
    };
    this.session =
      credential.version === 'v3'
        ? snmp.createV3Session(host, v3User(credential), { ...common, version: snmp.Version3 })
        : snmp.createSession(host, credential.community, {
            ...common,
            version: credential.version === 'v1' ? snmp.Version1 : snmp.Version2c,
          });
    this.session.on('error', (err: unknown) => {
      this.lastError = err instanceof Error ? err.message : String(err);
    });
  }

  /** How long one request may take with the library's retries, plus slack for our own timer. */
  private get guardMs(): number {
    return this.options.timeoutMs * (this.options.retries + 1) + 250;
  }

  private call<T>(start: (done: (err: Error | null, value?: T) => void) => void): Promise<Outcome<T>> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (o: Outcome<T>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const timer = setTimeout(
        () => settle({ ok: false, reason: 'timeout', message: 'no answer' }),
        this.guardMs,
      );
      try {
        start((err, value) => {
          if (!err) return settle({ ok: true, value: value as T });
          const name = err.name ?? '';
          const reason = name === 'RequestTimedOutError' ? 'timeout' : 'error';
          settle({ ok: false, reason, message: err.message });
        });
      } catch (err) {
        settle({ ok: false, reason: 'error', message: (err as Error).message });
      }
    });
  }

  get(oids: string[]): Promise<Outcome<Varbind[]>> {
    return this.call((done) => this.session.get(oids, (e, v) => done(e, v)));
  }

  getNext(oids: string[]): Promise<Outcome<Varbind[]>> {
    return this.call((done) => this.session.getNext(oids, (e, v) => done(e, v)));
  }

  /** GETBULK for one OID; the repetitions come back flattened, in order. */
  getBulk(oid: string, maxRepetitions: number): Promise<Outcome<Varbind[]>> {
    return this.call((done) =>
      this.session.getBulk([oid], 0, maxRepetitions, (e, v) =>
        done(e, v ? (v.flat() as Varbind[]) : undefined),
      ),
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.session.close();
    } catch {
      // already closed by the library after a socket error
    }
  }
}
