/**
 * Debian's rsyslogd as a test peer: its own config, pid file and work directory in a temp
 * folder, listening only on 127.0.0.1 (imtcp; TLS through the gtls stream driver when a PKI is
 * given), writing every message it receives, exactly as received, one per line, to a file.
 * Started in the foreground (`-n`) as a child of the test, never the system service.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { TestPki } from '../../helpers/pki.js';

export const RSYSLOGD = '/usr/sbin/rsyslogd';

/** Why rsyslog tests cannot run here, or null. */
export function rsyslogMissing(): string | null {
  if (!existsSync(RSYSLOGD)) return 'rsyslogd not installed (apt-get install rsyslog rsyslog-gnutls)';
  // Debian keeps rsyslog's modules under the multiarch directory (/usr/lib/<triplet>/rsyslog).
  const libs = ['/usr/lib', ...readdirSync('/usr/lib').map((d) => join('/usr/lib', d))];
  if (!libs.some((d) => existsSync(join(d, 'rsyslog', 'lmnsd_gtls.so'))))
    return 'the rsyslog gtls driver is not installed (apt-get install rsyslog-gnutls)';
  return null;
}

export interface RsyslogPeer {
  readonly port: number;
  /** Messages received so far (the raw message, framing removed), in order. */
  messages(): string[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

function config(dir: string, port: number, pki: TestPki | null, clientAuth: boolean): string {
  const q = (s: string) => JSON.stringify(s);
  const tlsGlobal = pki
    ? ` defaultNetstreamDriverCAFile=${q(pki.ca)} defaultNetstreamDriverCertFile=${q(pki.serverCert)} defaultNetstreamDriverKeyFile=${q(pki.serverKey)}`
    : '';
  const driver = pki
    ? ` streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode=${q(clientAuth ? 'x509/certvalid' : 'anon')}`
    : '';
  return [
    `global(workDirectory=${q(join(dir, 'work'))} maxMessageSize="8k"${tlsGlobal})`,
    `module(load="imtcp"${driver})`,
    `template(name="raw" type="string" string="%rawmsg%\\n")`,
    `ruleset(name="received") { action(type="omfile" file=${q(join(dir, 'received.log'))} template="raw") }`,
    `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="received")`,
    '',
  ].join('\n');
}

/** Whether something listens on 127.0.0.1:port inside `netns` (a lab namespace), by ss. */
function listeningIn(netns: string, port: number): boolean {
  try {
    return (
      execFileSync('ip', ['netns', 'exec', netns, 'ss', '-Hltn', `sport = :${port}`], {
        encoding: 'utf8',
      }).trim() !== ''
    );
  } catch {
    return false;
  }
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export function rsyslogPeer(
  dir: string,
  port: number,
  options: { pki?: TestPki; clientAuth?: boolean; netns?: string } = {},
): RsyslogPeer {
  mkdirSync(join(dir, 'work'), { recursive: true });
  const conf = join(dir, 'rsyslog.conf');
  const out = join(dir, 'received.log');
  writeFileSync(conf, config(dir, port, options.pki ?? null, options.clientAuth ?? false));
  // Fails here, with rsyslog's own words, on a config it does not accept.
  execFileSync(RSYSLOGD, ['-N1', '-f', conf], { stdio: 'pipe' });
  let child: ChildProcess | null = null;
  let stderr = '';
  return {
    port,
    messages: () =>
      existsSync(out)
        ? readFileSync(out, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
        : [],
    async start() {
      stderr = '';
      const args = ['-f', conf, '-i', join(dir, 'rsyslogd.pid'), '-n'];
      // `ip netns exec` execs rsyslogd itself, so the child's pid is rsyslogd's.
      const ns = options.netns;
      child = ns
        ? spawn('ip', ['netns', 'exec', ns, RSYSLOGD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
        : spawn(RSYSLOGD, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const end = Date.now() + 15_000;
      while (!(ns ? listeningIn(ns, port) : await accepting(port))) {
        if (child.exitCode !== null || Date.now() > end)
          throw new Error(`rsyslogd did not start listening on 127.0.0.1:${port}: ${stderr.slice(-1000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    },
  };
}
