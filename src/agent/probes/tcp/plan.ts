/**
 * How much connect work a sweep is, before it starts (for deadline sizing and the refusal
 * estimate) and while it runs (what was left undone when a deadline cut it short).
 */
import type { SkippedWork } from '../../../contract/types.js';

/** Connects per second assumed when the scan has no rate cap (what one core sustains). */
export const UNCAPPED_CONNECTS_PER_SECOND = 20_000;

export type DiscoveryMode = 'two-phase' | 'full';

/**
 * The discovery ports phase 1 actually tries (issue 15). Every pass over the scope costs
 * `addresses ÷ rate`; the first port is always tried, each further one only while the passes
 * so far still fit `budgetMs`. A /20 at the default 1,000/s gets every discovery port (4 s a
 * pass); a /16 there gets the first one alone (65 s), which keeps the whole scan near two
 * minutes instead of six, while on-link hosts are still found by ARP and announcing ones by
 * their multicast answers. The report names the ports used (`scan.discovery.phase1Ports`).
 */
export function phase1Ports(
  discoveryPorts: readonly number[],
  addresses: number,
  packetsPerSecond: number,
  budgetMs: number,
): readonly number[] {
  const rate = packetsPerSecond > 0 ? packetsPerSecond : UNCAPPED_CONNECTS_PER_SECOND;
  const passMs = (addresses / rate) * 1000;
  const fit = passMs > 0 ? Math.floor(budgetMs / passMs) : discoveryPorts.length;
  return discoveryPorts.slice(0, Math.max(1, Math.min(discoveryPorts.length, fit)));
}

/**
 * Least time the sweep needs (ms). Full: every port on every address. Two-phase: the worst
 * case of phase 1 (no address answers, so each gets every phase-1 port); phase 2 depends on
 * how many hosts are alive and is bounded by the deadline this estimate sizes.
 */
export function sweepEstimateMs(
  addresses: number,
  ports: number,
  phase1Ports: number,
  mode: DiscoveryMode,
  packetsPerSecond: number,
  timeoutMs: number,
): number {
  const rate = packetsPerSecond > 0 ? packetsPerSecond : UNCAPPED_CONNECTS_PER_SECOND;
  const connects = addresses * (mode === 'full' ? ports : phase1Ports);
  // One timeout per pass: the last connects of each pass wait it out.
  const passes = mode === 'full' ? 1 : phase1Ports + 1;
  return (connects / rate) * 1000 + passes * timeoutMs;
}

/** Where a port-major pass over `hosts` × `ports` stopped. */
export interface Cursor {
  stage: 'phase1' | 'phase2' | 'done';
  portIndex: number;
  hostIndex: number;
}

const SAMPLE = 16;

/** The work a pass left undone from `cursor` on (its own ports, then everything after it). */
export function remainingWork(
  cursor: Cursor,
  pass: { hosts: readonly string[]; ports: readonly number[] },
  later: { hosts: number; ports: readonly number[] } | null,
  inflight: number,
): SkippedWork {
  const { hosts, ports } = pass;
  const p = Math.min(cursor.portIndex, ports.length);
  const h = Math.min(cursor.hostIndex, hosts.length);
  const attemptsHere = Math.max(0, (ports.length - p) * hosts.length - h);
  const skippedPorts = new Set(ports.slice(p));
  for (const port of later?.ports ?? []) skippedPorts.add(port);
  // Port-major: on the current port only hosts from h on are left; on later ports, all of them.
  const hostsHere = p >= ports.length ? 0 : p < ports.length - 1 ? hosts.length : hosts.length - h;
  const sample = (p < ports.length - 1 ? hosts : hosts.slice(h)).slice(0, SAMPLE);
  return {
    ports: [...skippedPorts],
    hosts: Math.max(hostsHere, later?.hosts ?? 0),
    hostSample: sample,
    attempts: attemptsHere + inflight + (later ? later.hosts * later.ports.length : 0),
  };
}
