/**
 * Thin wrappers over iproute2 for the lab. Every command names the namespace it acts in
 * (`ip -n <ns>`), so nothing here can touch the namespace the lab runs from.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** `ip -n <ns> -batch -`: one process for many commands in one namespace. */
export async function ipBatch(ns: string, lines: readonly string[]): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const child = execFile('ip', ['-n', ns, '-batch', '-'], (err, _stdout, stderr) => {
      if (err)
        reject(
          new Error(
            `ip -n ${ns} -batch failed: ${stderr.trim() || err.message}\n  commands:\n  ${lines.join('\n  ')}`,
          ),
        );
      else resolvePromise();
    });
    child.stdin?.end(`${lines.join('\n')}\n`);
  });
}

export async function ip(args: readonly string[]): Promise<string> {
  try {
    return (await execFileAsync('ip', args)).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/**
 * Waits until a link has carrier. Node's os.networkInterfaces() (libuv) leaves out links that
 * are up but not yet RUNNING, so a scan started in that gap sees no interface at all; a veth
 * gains carrier a moment after both of its ends are set up.
 */
export async function waitForCarrier(ns: string, ifname: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [link] = JSON.parse(await ip(['-n', ns, '-j', 'link', 'show', 'dev', ifname])) as {
      flags?: string[];
    }[];
    if (link?.flags?.includes('LOWER_UP')) return;
    if (Date.now() > until) throw new Error(`${ns}/${ifname} has no carrier after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs a program inside a namespace and returns its stdout (for sysctl and the like). */
export async function inNs(ns: string, cmd: string, args: readonly string[]): Promise<string> {
  return ip(['netns', 'exec', ns, cmd, ...args]);
}

export async function addNamespace(ns: string): Promise<void> {
  await ip(['netns', 'add', ns]);
  // IPv6 off before any link exists: links moved in later inherit `default`, so the lab never
  // sends router solicitations or MLD reports on its own (keeps TX counters meaningful).
  await inNs(ns, 'sysctl', [
    '-q',
    '-w',
    'net.ipv6.conf.all.disable_ipv6=1',
    'net.ipv6.conf.default.disable_ipv6=1',
  ]);
}

export function namespaceExists(ns: string): boolean {
  return existsSync(`/run/netns/${ns}`);
}

/** Process ids whose network namespace is `ns` (every one of them was started by the lab). */
export function namespacePids(ns: string): number[] {
  if (!namespaceExists(ns)) return [];
  try {
    return execFileSync('ip', ['netns', 'pids', ns], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 1);
  } catch {
    return [];
  }
}

export function deleteNamespaceSync(ns: string): void {
  if (!namespaceExists(ns)) return;
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // gone meanwhile (another `down`), or busy: the caller checks what is left
  }
}

export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while the process runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
export function pidAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Blocks the thread: tear-down runs from `process.on('exit')`, where nothing async runs. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface LinkStats {
  readonly name: string;
  readonly txPackets: number;
  readonly rxPackets: number;
}

/** Packet counters of every link in a namespace (`ip -s -j link`). */
export async function linkStats(ns: string): Promise<LinkStats[]> {
  const links = JSON.parse(await ip(['-n', ns, '-s', '-j', 'link', 'show'])) as {
    ifname: string;
    stats64?: { tx: { packets: number }; rx: { packets: number } };
  }[];
  return links.map((l) => ({
    name: l.ifname,
    txPackets: l.stats64?.tx.packets ?? 0,
    rxPackets: l.stats64?.rx.packets ?? 0,
  }));
}

export async function commandExists(cmd: string): Promise<boolean> {
  try {
    await execFileAsync('sh', ['-c', 'command -v "$1"', 'sh', cmd]);
    return true;
  } catch {
    return false;
  }
}
