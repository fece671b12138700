/**
 * The send-and-listen loop the three UDP discovery probes share: multicast (and optionally
 * directed broadcast) on every in-scope interface, repeated a few times against UDP loss,
 * unicast once to every in-scope host in parallel, then listen until the quiet period or the
 * deadline ends. Every send first takes a token from the runner's packet-rate cap.
 */
import { defineSpec, type SectionOf, sectionOf } from '../../../core/config-spec.js';
import { formatIpv4 } from '../../../core/ipv4.js';
import { probeCommonSpec } from './common-config.js';
import { sleep } from './pool.js';
import type { ProbeContext } from './types.js';
import {
  type Datagram,
  interfaceFor,
  openDiscoverySockets,
  openGroupListener,
  type SenderSocket,
} from './udp.js';

export interface DiscoveryPlan {
  readonly ctx: ProbeContext;
  /** The device port (3702, 37020, 37810). */
  readonly port: number;
  readonly group: string;
  /** Datagrams sent in each round (one per probe type). */
  readonly payloads: readonly Uint8Array[];
  /** Multicast rounds (docs/protocols.md §1.2: 2–3, ~150 ms apart). */
  readonly repeats: number;
  readonly gapMs: number;
  /** Also send every payload once to each in-scope host on a routed (not directly connected) subnet. */
  readonly unicast: boolean;
  /**
   * Unicast to hosts on directly connected subnets too. Off by default: they already get the
   * multicast, and a datagram to each empty address waits in the kernel for an ARP answer that
   * never comes — a few hundred of those fill the socket's send buffer and stall every send
   * behind them for seconds (measured in the lab: 17 s for a /24 instead of under 1 s).
   */
  readonly unicastOnLink?: boolean;
  /** Also send to each in-scope interface's directed broadcast address. */
  readonly broadcast?: boolean;
  /** Also bind the well-known port and join the group, for replies sent to the group. */
  readonly listenOnGroup?: boolean;
  /** How long to keep listening after the last send (cut short by the deadline). */
  readonly listenMs: number;
  readonly onDatagram: (d: Datagram) => void;
}

/**
 * Config fields every UDP discovery probe has; `request` names what it sends, in the docs.
 * `timeout` is the probe's whole time budget: the runner stops the probe there, so a probe
 * listens until shortly before it.
 */
export function discoveryConfig(request: string, gapDefault: string, timeoutDefault = '3s') {
  return defineSpec({
    timeout: {
      type: 'duration',
      default: timeoutDefault,
      minMs: 200,
      maxMs: 120_000,
      doc: `time budget of the whole probe: ${request}s, then listening for replies until it ends`,
    },
    retries: {
      type: 'integer',
      default: 3,
      min: 1,
      max: 5,
      doc: `times each multicast ${request} is sent (UDP loss)`,
    },
    gap: {
      type: 'duration',
      default: gapDefault,
      minMs: 10,
      maxMs: 5000,
      doc: `pause between repeated ${request}s`,
    },
    unicastOnLink: {
      type: 'boolean',
      default: false,
      doc: `with unicast on, also send the ${request} to hosts on directly connected subnets (they get the multicast already)`,
    },
  });
}

/** The `listenGroup` field of a probe whose devices may answer to the group. */
export function listenGroupField(port: number, group: string) {
  return {
    type: 'boolean' as const,
    default: true,
    doc: `bind UDP ${port} (shared, reuseAddr) and join ${group} for replies sent to the group`,
  };
}

/** The validated values of `discoveryConfig` (durations in milliseconds). */
export type DiscoveryConfig = SectionOf<ReturnType<typeof discoveryConfig>>;

/** Margin kept before the runner's deadline so closing sockets never overruns it. */
const DEADLINE_MARGIN_MS = 50;
/** A listening window shortened by less than this is not worth calling the scan partial. */
const SHORTFALL_MS = 250;

export interface DiscoveryOutcome {
  readonly sent: number;
  readonly failed: number;
}

export async function runDiscovery(plan: DiscoveryPlan): Promise<DiscoveryOutcome> {
  const { ctx } = plan;
  const interfaces = ctx.scope.interfaces;
  const sockets = await openDiscoverySockets({
    interfaces,
    log: ctx.log,
    onDatagram: plan.onDatagram,
    broadcast: plan.broadcast ?? false,
    routed: plan.unicast,
  });
  const listener = plan.listenOnGroup
    ? await openGroupListener({
        port: plan.port,
        group: plan.group,
        interfaces,
        log: ctx.log,
        onDatagram: plan.onDatagram,
      })
    : null;
  let sent = 0;
  let failed = 0;
  // `timeout` is this probe's whole discovery budget (discoveryConfig), inside the runner's deadline.
  const wanted = Date.now() + sectionOf(probeCommonSpec, ctx.config).timeout;
  const until = Math.min(ctx.deadline, wanted) - DEADLINE_MARGIN_MS;
  // The deadline shortened the listening window: replies after it are never heard. Say so.
  if (wanted - ctx.deadline > SHORTFALL_MS) ctx.skipped({ listenMs: Math.round(wanted - ctx.deadline) });
  const stopped = () => ctx.signal.aborted || Date.now() >= until;
  const send = async (socket: SenderSocket, payload: Uint8Array, address: string) => {
    await ctx.takePackets(1);
    if (stopped()) return;
    if (await socket.send(payload, plan.port, address)) sent++;
    else failed++;
  };

  const multicastRounds = async () => {
    for (let round = 0; round < plan.repeats && !stopped(); round++) {
      if (round > 0) await sleep(plan.gapMs, ctx.signal);
      for (const payload of plan.payloads) {
        for (const socket of sockets.perInterface) {
          if (stopped()) return;
          await send(socket, payload, plan.group);
          if (plan.broadcast && socket.iface) {
            // Directed broadcast of this interface's subnet, never 255.255.255.255, which would
            // leave by the default route whatever the scope says.
            await send(socket, payload, formatIpv4(socket.iface.subnet.last));
          }
        }
      }
    }
  };
  const unicastSweep = async () => {
    if (!plan.unicast) return;
    const hosts = plan.unicastOnLink
      ? ctx.scope.hosts
      : ctx.scope.hosts.filter((h) => !interfaceFor(h, interfaces));
    for (const host of hosts) {
      const socket = sockets.senderFor(host);
      if (!socket) continue;
      for (const payload of plan.payloads) {
        if (stopped()) return;
        await send(socket, payload, host);
      }
    }
  };

  try {
    await Promise.all([multicastRounds(), unicastSweep()]);
    const remaining = until - Date.now();
    await sleep(Math.min(plan.listenMs, remaining), ctx.signal);
  } finally {
    sockets.close();
    listener?.close();
  }
  ctx.log.debug({ sent, failed, interfaces: sockets.perInterface.length }, 'discovery finished');
  return { sent, failed };
}
