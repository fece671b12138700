/**
 * A real third-party web server dressed as a Hikvision web UI: Debian's lighttpd with
 * `server.tag = "App-webs/"`, an HTTP Digest realm in front of `/ISAPI/`, static answer files,
 * and HTTPS with a Hikvision-like self-signed certificate made by openssl at start (never
 * committed). Configuration verified in docs/protocols.md §7.2; lighttpd's nonce format and its
 * extra `charset` parameter differ from real devices, which is the point: the probe must not
 * depend on Hikvision's exact challenge shape.
 *
 * Spec (`services.lighttpd` in device.yaml):
 *   port: 80                      # plain HTTP
 *   tlsPort: 443                  # optional HTTPS
 *   tlsSubject: "/C=CN/…"         # default: the Hikvision DVR/NVR subject (§5.4)
 *   server: App-webs/             # Server header
 *   realm: DS-7608NI-K2           # Digest realm for the protected prefixes
 *   user: admin                   # the one account in the htdigest file
 *   password: lab-only-secret
 *   protect: [/ISAPI/]            # URL prefixes behind Digest
 *   files:                        # URL path → answer file in the fixture (placeholders filled)
 *     /index.html: http/index.html
 *     /ISAPI/System/deviceInfo: http/device-info.xml
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { readAnswer } from './answers.js';
import type { RunningSim, SimContext } from './types.js';

const execFileAsync = promisify(execFile);

export const requires = ['lighttpd', 'openssl'];

export const HIKVISION_SUBJECT = '/C=CN/ST=ZheJiang/L=HangZhou/O=HIKVISION/OU=DVRNVR/CN=www.hikvision.com';

export interface LighttpdOptions {
  readonly ip: string;
  readonly port: number;
  readonly tlsPort: number | null;
  readonly tlsSubject: string;
  readonly server: string;
  readonly realm: string;
  readonly user: string;
  readonly password: string;
  readonly protect: readonly string[];
  /** URL path → file contents. */
  readonly files: Readonly<Record<string, string>>;
  /** Run inside this named network namespace (`ip netns exec`); default: the current one. */
  readonly netns?: string;
  readonly log: (line: string) => void;
}

/**
 * A throwaway self-signed RSA certificate for `subject` (openssl syntax, `/C=CN/…/CN=x`),
 * written as `cert.pem` and `key.pem` into `dir`. Made at test time: no key is ever committed.
 */
export async function writeSelfSignedCert(dir: string, subject: string): Promise<void> {
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    subject,
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
}

/** lighttpd config string literal. */
function q(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`lighttpd: value with a line break: ${JSON.stringify(value)}`);
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

function config(dir: string, o: LighttpdOptions): string {
  const protect = o.protect
    .map(
      (prefix) =>
        `${q(prefix)} => ( "method" => "digest", "realm" => ${q(o.realm)}, "require" => "valid-user", "algorithm" => "MD5" )`,
    )
    .join(',\n  ');
  const lines = [
    `server.document-root = ${q(join(dir, 'www'))}`,
    `server.bind = ${q(o.ip)}`,
    `server.port = ${o.port}`,
    `server.tag = ${q(o.server)}`,
    `server.errorlog = ${q(join(dir, 'error.log'))}`,
    'server.modules = ( "mod_auth", "mod_authn_file", "mod_openssl", "mod_accesslog" )',
    `accesslog.filename = ${q(join(dir, 'access.log'))}`,
    // Method, path, status and the authenticated user: what tests count login attempts by.
    'accesslog.format = "%m %U%q %>s %u"',
    'index-file.names = ( "index.html" )',
    // Extensionless ISAPI/SDK paths are XML, like the device's answers.
    'mimetype.assign = ( ".html" => "text/html", ".asp" => "text/html", ".ico" => "image/x-icon", "" => "application/xml" )',
    'auth.backend = "htdigest"',
    `auth.backend.htdigest.userfile = ${q(join(dir, 'htdigest'))}`,
    `auth.require = (\n  ${protect}\n)`,
  ];
  if (o.tlsPort !== null) {
    lines.push(
      `$SERVER["socket"] == ${q(`${o.ip}:${o.tlsPort}`)} {`,
      '  ssl.engine = "enable"',
      `  ssl.pemfile = ${q(join(dir, 'cert.pem'))}`,
      `  ssl.privkey = ${q(join(dir, 'key.pem'))}`,
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Listening TCP ports of a process's network namespace, from /proc/<pid>/net/tcp. */
function listeningPorts(pid: number): Set<number> {
  const ports = new Set<number>();
  let table = '';
  try {
    table = readFileSync(`/proc/${pid}/net/tcp`, 'utf8');
  } catch {
    return ports;
  }
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // local_address is HEXIP:HEXPORT; state 0A is LISTEN.
    if (cols[3] === '0A' && cols[1]) ports.add(Number.parseInt(cols[1].split(':')[1] ?? '', 16));
  }
  return ports;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface LighttpdSim extends RunningSim {
  /**
   * Access log lines, `METHOD /pathquery STATUS USER` (USER `-` when none). lighttpd buffers
   * the log, so it is complete only after `stop()`.
   */
  accessLog(): string[];
}

export async function startLighttpd(o: LighttpdOptions): Promise<LighttpdSim> {
  const dir = mkdtempSync(join(tmpdir(), 'camsweep-lighttpd-'));
  let child: ChildProcess | null = null;
  try {
    mkdirSync(join(dir, 'www'), { recursive: true });
    for (const [path, body] of Object.entries(o.files)) {
      const rel = normalize(path).replace(/^\/+/, '');
      if (rel.startsWith('..') || rel === '') throw new Error(`lighttpd: bad file path ${path}`);
      const file = join(dir, 'www', rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
    }
    const ha1 = createHash('md5').update(`${o.user}:${o.realm}:${o.password}`).digest('hex');
    writeFileSync(join(dir, 'htdigest'), `${o.user}:${o.realm}:${ha1}\n`, { mode: 0o600 });
    if (o.tlsPort !== null) {
      await writeSelfSignedCert(dir, o.tlsSubject);
    }
    const conf = join(dir, 'lighttpd.conf');
    writeFileSync(conf, config(dir, o));
    const argv = ['lighttpd', '-D', '-f', conf];
    const [cmd, ...args] = o.netns ? ['ip', 'netns', 'exec', o.netns, ...argv] : argv;
    child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    let exited: number | null = null;
    child.on('exit', (code) => {
      exited = code ?? -1;
    });
    // `ip netns exec` execs lighttpd in place, so the pid's /proc/net is the device's.
    const want = [o.port, ...(o.tlsPort === null ? [] : [o.tlsPort])];
    const until = Date.now() + 5000;
    while (!want.every((p) => listeningPorts(child!.pid!).has(p))) {
      if (exited !== null || Date.now() > until) {
        let log = '';
        try {
          log = readFileSync(join(dir, 'error.log'), 'utf8');
        } catch {}
        throw new Error(
          `lighttpd did not start (exit ${exited}): ${stderr.trim()} ${log.trim()}`.slice(0, 2000),
        );
      }
      await sleep(25);
    }
    o.log(`lighttpd on ${o.ip}:${want.join(',')} realm ${o.realm}`);
    const running = child;
    let finalLog: string[] | null = null;
    const readLog = (): string[] => {
      try {
        return readFileSync(join(dir, 'access.log'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    };
    return {
      accessLog: () => finalLog ?? readLog(),
      async stop() {
        if (running.exitCode === null && running.signalCode === null) {
          const gone = new Promise((resolve) => running.once('exit', resolve));
          running.kill('SIGTERM');
          await Promise.race([gone, sleep(1500)]);
          if (running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
        }
        // lighttpd buffers its access log and flushes it on exit: keep it past the folder.
        if (finalLog === null) finalLog = readLog();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function text(spec: Record<string, unknown>, key: string, fallback?: string): string {
  const v = spec[key] ?? fallback;
  if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`lighttpd: ${key} must be text`);
  return String(v);
}

/** Reads the device.yaml spec into options; answer files get the fixture's placeholders. */
export function optionsFromSpec(ctx: SimContext): LighttpdOptions {
  const spec = ctx.spec;
  const files: Record<string, string> = {};
  const listed = spec.files ?? {};
  if (typeof listed !== 'object' || listed === null || Array.isArray(listed))
    throw new Error('lighttpd: files must map URL paths to answer files');
  for (const [path, file] of Object.entries(listed)) files[path] = readAnswer(ctx, String(file));
  const protect = spec.protect ?? ['/ISAPI/'];
  if (!Array.isArray(protect)) throw new Error('lighttpd: protect must be a list of URL prefixes');
  return {
    ip: ctx.ip,
    port: Number(spec.port ?? 80),
    tlsPort: spec.tlsPort === undefined || spec.tlsPort === null ? null : Number(spec.tlsPort),
    tlsSubject: text(spec, 'tlsSubject', HIKVISION_SUBJECT),
    server: text(spec, 'server', 'App-webs/'),
    realm: text(spec, 'realm'),
    user: text(spec, 'user', 'admin'),
    password: text(spec, 'password'),
    protect: protect.map(String),
    files,
    log: ctx.log,
  };
}

export function start(ctx: SimContext): Promise<RunningSim> {
  return startLighttpd(optionsFromSpec(ctx));
}
