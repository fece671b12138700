/**
 * The probe contract (docs/architecture.md §6 practices 1–3). A probe is one folder, `src/agent/probes/<id>/`,
 * exporting a `Probe` from `index.ts` and listed once in `registry.ts`. Its id names its
 * config section (`probes.<id>`), its logger binding, its observation-key prefix, its test
 * and its fixtures.
 *
 * The runner owns deadlines, abort, the packet-rate cap, per-host concurrency and logging,
 * so a probe only speaks its protocol. Network outcomes (timeout, refused, malformed reply)
 * are data: a probe logs them at debug and carries on; it throws only for bugs or for a
 * local condition the user must fix (e.g. EACCES binding a port), which the runner records
 * as that probe's failure without stopping the others.
 */

import type { IdentityKeyDeclaration } from '../../../contract/identity.js';
import type { SkippedWork } from '../../../contract/types.js';
import type { ConfigSpec } from '../../../core/config-spec.js';
import type { Logger } from '../../../core/log.js';
import type { LocalInterface, Scope } from '../../../core/scope.js';
import type { HostCredentials, HostSecrets } from '../../credentials.js';

export type { HostCredentials };

export interface ObservationInput {
  readonly host: string;
  readonly key: string;
  readonly value: string | number | boolean;
  readonly port?: number;
  readonly path?: string;
  readonly iface?: string;
}

export interface ProbeContext {
  readonly scope: Scope;
  /** This probe's frozen, validated config section (`probes.<id>`). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Aborted on Ctrl-C/SIGTERM or when the probe's deadline passes. */
  readonly signal: AbortSignal;
  /** Absolute time (ms since epoch) by which the probe must have returned. */
  readonly deadline: number;
  readonly log: Logger;
  /** Waits until `packets` more packets fit under the global rate cap. Call before every send. */
  takePackets(packets?: number): Promise<void>;
  /** Runs `work` while holding one of the host's concurrency slots (the per-host cap). */
  withHost<T>(host: string, work: () => Promise<T>): Promise<T>;
  /** Records one observation. Keys outside the probe's `emits` are refused (a bug). */
  emit(observation: ObservationInput): void;
  /**
   * This probe's login for a host (the credentials file's section named after the probe id:
   * `http`, `onvif`), if the user supplied one for the host's CIDR.
   */
  credentialsFor(host: string): HostCredentials | null;
  /** Every secret the credentials file holds for a host (SNMP communities and v3 users too). */
  secretsFor(host: string): HostSecrets | null;
  /**
   * Hosts already known from earlier phases, with the TCP ports seen open. Enrichment probes
   * use it to aim at live hosts instead of the whole scope.
   */
  known(): ReadonlyMap<string, ReadonlySet<number>>;
  /**
   * Records that a host is alive without any fact worth an observation (it refused a connect,
   * or answered ARP), so enrichment probes aim at it too.
   */
  alive(host: string): void;
  /**
   * Says a host's discovery work is done (its ports are known), so enrichment may start on it
   * now rather than after the whole sweep. Optional: the runner's enrichment pipeline uses it,
   * test contexts may leave it out.
   */
  settled?(host: string): void;
  /** The scan's global packet-rate cap (0 = uncapped), for sizing in-flight work. */
  readonly packetsPerSecond: number;
  /**
   * Names the work the probe has not done yet (ports, hosts, attempts). Call it whenever the
   * probe stops early; the runner reports it if a deadline or an abort cut the probe short.
   */
  skipped(work: SkippedWork): void;
  /**
   * Records how one unicast attempt at a host ended, for the report's coverage section: a
   * subnet where every connect timed out is filtered, not empty. Optional so test contexts
   * may leave it out.
   */
  noteReach?(host: string, outcome: ReachOutcome): void;
  /** One run's record of which login each device was already asked with (see CredentialLedger). */
  readonly ledger?: CredentialLedger;
}

export type ReachOutcome = 'answered' | 'timeout' | 'unreachable';

/**
 * Never more than one attempt per credential per device per run (politeness,
 * docs/architecture.md §7): probes that share a protocol (snmp, switch) ask the ledger before
 * trying a credential. Keys stay in memory only; they may hold a community and are never logged.
 */
export interface CredentialLedger {
  /** `untried` claims the attempt for the caller; `worked`/`failed` report an earlier one. */
  claim(host: string, credentialKey: string): 'untried' | 'worked' | 'failed' | 'pending';
  settle(host: string, credentialKey: string, worked: boolean): void;
}

/**
 * `discover` probes run first, in parallel; `neighbours` (the neighbour-table reader) runs once
 * they have finished talking to every address, so hosts that answered only ARP are known;
 * `infrastructure` probes (switch and router tables) next, so the addresses they learn join the
 * hosts the `enrich` probes then ask.
 */
export type ProbePhase = 'discover' | 'neighbours' | 'infrastructure' | 'enrich';

/**
 * Receive-only decoding of announcements a protocol's devices send unasked (a WS-Discovery
 * Hello, an mDNS announcement). The daemon listens with it between scans; it never sends.
 */
export interface AnnouncementDecoder {
  /** Probe id the observations are credited to (`onvif`, `mdns`). */
  readonly id: string;
  readonly port: number;
  readonly group: string;
  /** Observations in a datagram, or none for noise (printers, PCs, queries, garbage). */
  decode(datagram: Buffer, source: string): ObservationInput[];
}

export interface Probe {
  /** Lower-case id: `onvif`, `sadp`, `dhip`, `mdns`, `snmp`, `http`, `rtsp`, `tcp`, `arp`. */
  readonly id: string;
  readonly title: string;
  /**
   * `discover` probes run first, in parallel (multicast, broadcast, the TCP sweep);
   * `infrastructure` probes read switches next; `enrich` probes run last against the hosts found.
   */
  readonly phase: ProbePhase;
  /**
   * The least time this probe needs for its work in this scope at this packet rate (ms), so
   * its deadline can be sized to the work, or the scan refused before any packet is sent.
   */
  estimateMs?(scope: Scope, config: Readonly<Record<string, unknown>>, packetsPerSecond: number): number;
  /** Observation-key patterns this probe may emit (from the registry). */
  readonly emits: readonly string[];
  /**
   * Which of its keys carry device identity (a MAC, a serial), so hosts are linked across
   * addresses by what the probes themselves declare (see src/contract/identity.ts).
   */
  readonly identityKeys?: IdentityKeyDeclaration;
  /**
   * The passive decoder of this protocol's announcements, given the probe's validated config
   * section; absent when its devices announce nothing worth hearing.
   */
  readonly passive?: (settings: Readonly<Record<string, unknown>>) => AnnouncementDecoder;
  /** The keys of its config section, their types, defaults and documentation. */
  readonly config: ConfigSpec;
  /** Whether the probe runs when the config does not say (`probes.<id>.enabled`). */
  readonly enabledByDefault: boolean;
  /**
   * `segment`: multicast, broadcast or the local neighbour table, so it sees only the agent's
   * own subnets; `routed` (default): unicast that crosses routers. Feeds the coverage section.
   */
  readonly reach?: 'segment' | 'routed';
  /**
   * True for probes that read other devices' tables (switch FDB/ARP): they may report private
   * addresses outside the scan scope, which no probe sends to (the scope still guards packets).
   */
  readonly reportsBeyondScope?: boolean;
  run(ctx: ProbeContext): Promise<void>;
}

export type { LocalInterface };
