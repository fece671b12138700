/**
 * The report's coverage section (issue 12): for each target subnet, how much of it answered,
 * which probes could reach it at all, and the places the scan could not see, named. A clean
 * report only means something next to this: "nothing covered found" on a subnet where every
 * connect timed out says nothing about that subnet.
 *
 * Pure: built from what the run recorded, so it is reproducible from a saved run. Other
 * stages add what they know through `CoverageInput` (one field each), never by editing the
 * output afterwards.
 */
import type {
  BlindSpot,
  Coverage,
  Observation,
  ProbeStatus,
  SubnetCoverage,
  SwitchCoverage,
} from '../../contract/types.js';
import { formatIpv4, type Ipv4Range, isPrivate, parseIpv4 } from '../../core/ipv4.js';
import type { LocalInterface } from '../../core/scope.js';
import { parseTarget } from '../../core/scope.js';
import { parseSwitchRead } from '../probes/switch/read-value.js';

export interface CoverageProbe {
  readonly id: string;
  /** `segment`: multicast, broadcast or the local neighbour table; `routed`: unicast. */
  readonly reach: 'segment' | 'routed';
}

export interface HostReachCounts {
  readonly answered: number;
  readonly timeout: number;
  readonly unreachable: number;
}

export interface CoverageInput {
  /** The scope's targets as given (or the connected subnets used by default). */
  readonly targets: readonly string[];
  /** The config's exclude list, as given. */
  readonly exclude: readonly string[];
  /** Every in-scope address. */
  readonly hosts: readonly string[];
  /** The agent's own up IPv4 interfaces: the segments multicast and broadcast reach. */
  readonly interfaces: readonly LocalInterface[];
  /** The probes that ran. */
  readonly probes: readonly CoverageProbe[];
  readonly status: readonly ProbeStatus[];
  readonly observations: readonly Observation[];
  /** Per host, how unicast connects ended (the TCP sweep records these). */
  readonly reach: { get(host: string): HostReachCounts | undefined };
}

/** Probe ids whose observations come from other devices' tables, not from the host itself. */
const TABLE_PROBES = new Set(['switch']);

function overlaps(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

function within(n: number, r: Ipv4Range): boolean {
  return n >= r.first && n <= r.last;
}

/** The /24 around an address: the unit a beyond-scope blind spot is named in. */
function slash24(ip: string): string {
  const n = parseIpv4(ip)!;
  return `${formatIpv4((n & 0xffffff00) >>> 0)}/24`;
}

interface HostFacts {
  direct: boolean;
  neighbour: boolean;
  viaTable: boolean;
}

function factsByHost(observations: readonly Observation[]): Map<string, HostFacts> {
  const out = new Map<string, HostFacts>();
  for (const o of observations) {
    let f = out.get(o.host);
    if (!f) {
      f = { direct: false, neighbour: false, viaTable: false };
      out.set(o.host, f);
    }
    if (o.key === 'switch.read') f.direct = true;
    else if (TABLE_PROBES.has(o.probe)) f.viaTable = true;
    else if (o.probe === 'arp') f.neighbour = true;
    else f.direct = true;
  }
  return out;
}

function connectsOf(hosts: readonly string[], reach: CoverageInput['reach']): SubnetCoverage['connects'] {
  let timeout = 0;
  let unreachable = 0;
  for (const h of hosts) {
    const r = reach.get(h);
    if (!r) continue;
    if (r.answered > 0) return 'answered';
    timeout += r.timeout;
    unreachable += r.unreachable;
  }
  if (timeout === 0 && unreachable === 0) return 'none-tried';
  return unreachable > timeout ? 'all-unreachable' : 'all-timed-out';
}

export function buildCoverage(input: CoverageInput): Coverage {
  const facts = factsByHost(input.observations);
  const ranges = input.targets.map((t) => ({ target: t, range: parseTarget(t) }));
  const hostsOf = new Map<string, string[]>(ranges.map((r) => [r.target, []]));
  for (const h of input.hosts) {
    const n = parseIpv4(h)!;
    // A host in two overlapping targets counts in the first, so totals add up.
    const r = ranges.find((x) => within(n, x.range));
    if (r) hostsOf.get(r.target)!.push(h);
  }
  const segmentProbes = input.probes.filter((p) => p.reach === 'segment').map((p) => p.id);
  const blindSpots: BlindSpot[] = [];

  const subnets: SubnetCoverage[] = ranges.map(({ target, range }) => {
    const hosts = hostsOf.get(target)!;
    const local = input.interfaces.some((i) => overlaps(i.subnet, range));
    let answered = 0;
    let neighbours = 0;
    for (const h of hosts) {
      const f = facts.get(h);
      const r = input.reach.get(h);
      if (f?.direct || f?.neighbour || (r && r.answered > 0)) answered++;
      if (f?.neighbour) neighbours++;
    }
    let viaSwitch = 0;
    for (const [h, f] of facts) {
      if (f.viaTable && !f.direct && !f.neighbour && within(parseIpv4(h)!, range)) viaSwitch++;
    }
    const connects = connectsOf(hosts, input.reach);
    const reachedBy = input.probes.filter((p) => p.reach === 'routed' || local).map((p) => p.id);
    if (!local && segmentProbes.length > 0)
      blindSpots.push({
        kind: 'routed-no-multicast',
        subject: target,
        detail: `no interface of this agent is on ${target}, so ${segmentProbes.join(', ')} (multicast, broadcast, neighbour table) never reach it; only unicast probes looked`,
      });
    if (connects === 'all-timed-out' && answered === 0 && hosts.length > 0)
      blindSpots.push({
        kind: 'filtered',
        subject: target,
        detail: `every TCP connect to its ${hosts.length} addresses timed out: a firewall drops them, or nothing is there; this scan cannot tell which`,
      });
    if (connects === 'all-unreachable' && answered === 0 && hosts.length > 0)
      blindSpots.push({
        kind: 'unreachable',
        subject: target,
        detail: `the agent has no route to ${target} (every connect failed as unreachable): nothing there was probed; place an agent there or read its switches`,
      });
    return {
      target,
      inScope: hosts.length,
      answered,
      neighbours,
      viaSwitch,
      silent: hosts.length - answered,
      local,
      reachedBy,
      connects,
    };
  });

  for (const x of input.exclude) {
    blindSpots.push({
      kind: 'excluded',
      subject: x.slice(0, 64),
      detail: 'excluded by the config: never probed',
    });
  }

  // Addresses switch tables named outside every target: seen, never probed.
  const beyond = new Map<string, number>();
  for (const [h, f] of facts) {
    const n = parseIpv4(h);
    if (n === null || !f.viaTable || ranges.some((r) => within(n, r.range)) || !isPrivate(n)) continue;
    beyond.set(slash24(h), (beyond.get(slash24(h)) ?? 0) + 1);
  }
  for (const [subnet, n] of [...beyond].sort((a, b) => parseIpv4(a[0])! - parseIpv4(b[0])!)) {
    blindSpots.push({
      kind: 'beyond-scope',
      subject: subnet,
      detail: `${n} device${n === 1 ? '' : 's'} known only from switch and router tables: outside the scan targets, so never probed; identified from MAC, OUI and LLDP alone`,
    });
  }

  const switches: SwitchCoverage[] = [];
  for (const o of input.observations) {
    if (o.key !== 'switch.read') continue;
    const v = parseSwitchRead(o.value);
    if (!v) continue;
    const name = input.observations.find((x) => x.host === o.host && x.key === 'snmp.sysName')?.value;
    switches.push({
      address: o.host,
      ...(name ? { name: name.slice(0, 255) } : {}),
      outcome: v.outcome,
      ...(v.detail ? { detail: v.detail } : {}),
      macs: v.macs,
      macsWithoutAddress: v.withoutAddress,
      tables: v.tables,
    });
    if (v.outcome === 'failed')
      blindSpots.push({
        kind: 'switch-unread',
        subject: o.host,
        detail: `switch could not be read (${v.detail}): devices behind it are only seen if probes reach them`,
      });
  }

  const probeTrouble = input.status
    .filter((s) => s.outcome === 'failed' || s.outcome === 'aborted' || /deadline/.test(s.message ?? ''))
    .map((s) => ({
      probe: s.probe,
      outcome: s.outcome === 'ok' ? 'deadline' : s.outcome,
      ...(s.message ? { message: s.message } : {}),
    }));

  return { subnets, probeTrouble, switches, blindSpots };
}
