/**
 * The discovery benchmark's own lab (issues 3 and 15): a /20 — 4,096 addresses, one in 16
 * live — or a /16 — 65,536 addresses, one in 100 live — behind one veth, built only from
 * namespaces created here, with no route anywhere else. The drawing shows the /20.
 *
 *   scanner ns  eth0 10.64.0.2/20 ── veth ── eth0 10.64.0.1  devices ns
 *               routes 10.64.0.0/21 and 10.64.8.0/21 via       256 addresses `local` on lo,
 *               10.64.0.1 (one neighbour entry, not 4,096)     blackhole 10.64.0.0/20
 *
 * The scanner sees the /20 as its connected LAN (so multicast probes have an in-scope
 * interface, as on a real site), but every unicast goes to the devices namespace, where the
 * live addresses are local routes and everything else falls into a blackhole: silently
 * dropped, no RST and no ICMP, the worst case for a sweep. netem adds latency both ways
 * where the kernel has it.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const SCANNER_IP = '10.64.0.2';
const GATEWAY_IP = '10.64.0.1';

/** The two lab sizes: prefix length, how many addresses, and one live in `every`. */
export interface LabSize {
  readonly prefix: 16 | 20;
  readonly addresses: number;
  readonly every: number;
}
export const LAB_SIZES: Readonly<Record<'20' | '16', LabSize>> = {
  '20': { prefix: 20, addresses: 4096, every: 16 },
  '16': { prefix: 16, addresses: 65_536, every: 100 },
};

export function subnetOf(size: LabSize): string {
  return `10.64.0.0/${size.prefix}`;
}

function addressAt(k: number): string {
  return `10.64.${k >> 8}.${k & 255}`;
}

export interface BenchLab {
  readonly scannerNs: string;
  readonly devicesNs: string;
  /** Live device addresses (local routes in the devices namespace). */
  readonly live: readonly string[];
  /** What latency the link has, in words (netem may be missing from the kernel). */
  readonly latency: string;
  teardown(): void;
}

function run(args: readonly string[], input?: string): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** One address in `every` is alive (/20: 256 hosts; /16: 656), spread over every /24. */
export function liveAddresses(size: LabSize = LAB_SIZES['20']): string[] {
  const out: string[] = [];
  for (let k = 0; k < size.addresses; k++) if (k % size.every === 5) out.push(addressAt(k));
  return out;
}

export function buildLab(delayMs: number, size: LabSize = LAB_SIZES['20']): BenchLab {
  const id = randomBytes(3).toString('hex');
  const scannerNs = `csb${id}-scan`;
  const devicesNs = `csb${id}-dev`;
  const live = liveAddresses(size);
  // Two halves of the subnet via the devices namespace: more specific than the connected
  // prefix, so one neighbour entry serves every address.
  const half = size.prefix + 1;
  const halves = [`10.64.0.0/${half}`, `${addressAt(size.addresses / 2)}/${half}`];
  const created: string[] = [];
  let latency = delayMs > 0 ? `${delayMs} ms each way (netem)` : 'none';
  const teardown = () => {
    for (const ns of created.reverse()) {
      try {
        // Kill what we started in it, then remove it (the veth pair goes with it).
        const pids = run(['ip', 'netns', 'pids', ns]).split('\n').filter(Boolean);
        for (const pid of pids) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // already gone
          }
        }
        run(['ip', 'netns', 'del', ns]);
      } catch (err) {
        process.stderr.write(`bench: could not delete namespace ${ns}: ${(err as Error).message}\n`);
      }
    }
    created.length = 0;
  };
  try {
    for (const ns of [scannerNs, devicesNs]) {
      run(['ip', 'netns', 'add', ns]);
      created.push(ns);
    }
    // The veth is created inside the scanner namespace and its peer moved straight into the
    // devices namespace: no interface ever exists in the host's namespace.
    run([
      'ip',
      '-n',
      scannerNs,
      'link',
      'add',
      'eth0',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      devicesNs,
    ]);
    const batch = (ns: string, cmds: string[]) =>
      run(['ip', '-n', ns, '-batch', '-'], `${cmds.join('\n')}\n`);
    batch(scannerNs, [
      'link set lo up',
      `addr add ${SCANNER_IP}/${size.prefix} dev eth0`,
      'link set eth0 up',
      ...halves.map((h) => `route add ${h} via ${GATEWAY_IP} dev eth0`),
      'route add 224.0.0.0/4 dev eth0',
    ]);
    batch(devicesNs, [
      'link set lo up',
      `addr add ${GATEWAY_IP}/32 dev eth0`,
      'link set eth0 up',
      `route add ${SCANNER_IP}/32 dev eth0`,
      `route add blackhole ${subnetOf(size)}`,
      ...live.map((a) => `route add local ${a}/32 dev lo`),
    ]);
    for (const ns of [scannerNs, devicesNs]) {
      run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      if (delayMs > 0) {
        try {
          run([
            'tc',
            '-n',
            ns,
            'qdisc',
            'add',
            'dev',
            'eth0',
            'root',
            'netem',
            'delay',
            `${delayMs}ms`,
            'limit',
            '100000',
          ]);
        } catch (err) {
          // Kernels built without sch_netem (some CI sandboxes): same lab, no added latency.
          latency = `none (netem unavailable: ${String((err as { stderr?: string }).stderr ?? err).trim()})`;
        }
      }
    }
    // Silent drops must stay silent: no ICMP "unreachable" from the devices namespace.
    run(['ip', 'netns', 'exec', devicesNs, 'sysctl', '-qw', 'net.ipv4.icmp_ratelimit=0']);
  } catch (err) {
    teardown();
    throw err;
  }
  return { scannerNs, devicesNs, live, latency, teardown };
}

/** Packets the scanner namespace has transmitted on its LAN interface so far. */
export function scannerTxPackets(lab: BenchLab): number {
  return scannerCounters(lab).tx;
}

/**
 * What the scanner namespace has sent so far, by kind (its own /proc/net/snmp and netstat):
 * enough to tell first SYNs from SYN retransmissions, the rest of TCP (ACKs, FINs, requests),
 * UDP and whatever else left the interface (ARP, IGMP).
 */
export interface TxCounters {
  /** Frames sent on the LAN interface. */
  readonly tx: number;
  /** Connects that sent a first SYN (Tcp ActiveOpens). */
  readonly syn: number;
  /** SYNs sent again by the kernel because nothing answered in time (TcpExt TCPSynRetrans). */
  readonly synRetrans: number;
  /** Every TCP segment but retransmissions (Tcp OutSegs, which includes first SYNs and RSTs). */
  readonly tcpSegs: number;
  /** Every TCP retransmission (Tcp RetransSegs, SYN retransmissions included). */
  readonly tcpRetrans: number;
  readonly udp: number;
  readonly icmp: number;
}

function snmpTable(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.split(/\s+/);
    const values = lines[i + 1]!.split(/\s+/);
    const group = names[0]!.replace(/:$/, '');
    for (let k = 1; k < names.length; k++) out.set(`${group}.${names[k]}`, Number(values[k]));
  }
  return out;
}

export function scannerCounters(lab: BenchLab): TxCounters {
  const text = run([
    'ip',
    'netns',
    'exec',
    lab.scannerNs,
    'sh',
    '-c',
    'cat /sys/class/net/eth0/statistics/tx_packets /proc/net/snmp /proc/net/netstat',
  ]);
  const [tx, ...rest] = text.split('\n');
  const t = snmpTable(rest.join('\n'));
  const n = (k: string) => t.get(k) ?? 0;
  return {
    tx: Number(tx),
    syn: n('Tcp.ActiveOpens'),
    synRetrans: n('TcpExt.TCPSynRetrans'),
    tcpSegs: n('Tcp.OutSegs'),
    tcpRetrans: n('Tcp.RetransSegs'),
    udp: n('Udp.OutDatagrams'),
    icmp: n('Icmp.OutMsgs'),
  };
}

/** The counters sent between two readings. */
export function counterDelta(after: TxCounters, before: TxCounters): TxCounters {
  return {
    tx: after.tx - before.tx,
    syn: after.syn - before.syn,
    synRetrans: after.synRetrans - before.synRetrans,
    tcpSegs: after.tcpSegs - before.tcpSegs,
    tcpRetrans: after.tcpRetrans - before.tcpRetrans,
    udp: after.udp - before.udp,
    icmp: after.icmp - before.icmp,
  };
}

/** One line: first SYNs, SYN retransmissions, other TCP, UDP, the rest (ARP, IGMP). */
export function describeCounters(c: TxCounters): string {
  const otherTcp = c.tcpSegs - c.syn + (c.tcpRetrans - c.synRetrans);
  const rest = c.tx - c.tcpSegs - c.tcpRetrans - c.udp - c.icmp;
  return `SYN ${c.syn}, SYN again ${c.synRetrans}, other TCP ${otherTcp}, UDP ${c.udp}, ICMP ${c.icmp}, other ${rest}`;
}
