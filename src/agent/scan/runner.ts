/**
 * The probe runner (docs/architecture.md §6 practice 2). It owns what every probe would otherwise get
 * subtly wrong: deadlines, abort, the global packet-rate cap, the per-host concurrency cap,
 * logging, key discipline and isolation — one probe failing or hanging never stops the others.
 */

import type {
  CutShortReason,
  Observation,
  ProbeStatus,
  ScanSkipped,
  SkippedWork,
} from '../../contract/types.js';
import type { Logger } from '../../core/log.js';
import type { Scope } from '../../core/scope.js';
import { cap } from '../../core/text.js';
import type { HostSecrets } from '../credentials.js';
import { declares, toObservation } from '../probes/shared/observation.js';
import type {
  HostCredentials,
  ObservationInput,
  Probe,
  ProbeContext,
  ProbePhase,
  ReachOutcome,
} from '../probes/shared/types.js';
import { createLedger } from './ledger.js';
import { HostObservations, MAX_PER_HOST } from './observations.js';
import { createHostGate, createPacer, type PacketPacer } from './rate.js';
import { createReachTally, type ReachLookup, type ReachTally } from './reach.js';

export interface RunOptions {
  readonly probes: readonly Probe[];
  readonly scope: Scope;
  /** The frozen `probes.<id>` config section for each probe (`deadline` in ms bounds its run). */
  readonly probeConfig: (id: string) => Readonly<Record<string, unknown>>;
  /** Secrets from the credentials file for a host; each probe sees its own section. */
  readonly secretsFor?: (host: string) => HostSecrets | null;
  /** Global cap in packets per second; 0 means uncapped. */
  readonly packetsPerSecond: number;
  readonly perHostConcurrency: number;
  /** Absolute deadline for the whole scan (ms since epoch). */
  readonly deadline: number;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly onProgress?: (progress: Progress) => void;
  /**
   * Hosts already known to be alive before any probe runs (heard passively between daemon
   * scans): enrichment reaches them even if no discovery probe hears them again.
   */
  readonly liveHosts?: readonly string[];
  /** For probes with `reportsBeyondScope`: which out-of-scope addresses they may report. */
  readonly mayReportBeyondScope?: (ip: string) => boolean;
}

export interface Progress {
  readonly phase: ProbePhase;
  readonly running: readonly string[];
  readonly done: number;
  readonly total: number;
  readonly observations: number;
  readonly hosts: number;
}

export interface RunResult {
  readonly observations: Observation[];
  readonly status: ProbeStatus[];
  /** True when the user aborted or any deadline cut a probe short. */
  readonly partial: boolean;
  /** What was not done, when `partial`; absent on a complete run. */
  readonly skipped?: ScanSkipped;
  readonly packetsSent: number;
  /** Hosts known alive when enrichment began (what the enrich probes were aimed at). */
  readonly liveHosts: number;
  /** Per host, how unicast attempts ended (for the coverage section). */
  readonly reach: ReachLookup;
}

/** Time a probe gets after its deadline to return before the runner stops waiting for it. */
const GRACE_MS = 2000;
/**
 * `neighbours` follows discovery so enrichment reaches hosts seen only in the ARP table;
 * `infrastructure` (switch and router tables) follows so the addresses it learns are enriched too.
 */
const PHASES: readonly ProbePhase[] = ['discover', 'neighbours', 'infrastructure', 'enrich'];
const HOST_SAMPLE = 16;
/** A phase that would start with less time than this left cannot do its work: skip it, by name. */
const MIN_PHASE_MS = 1000;

export async function runProbes(options: RunOptions): Promise<RunResult> {
  const observations = new HostObservations();
  const status: ProbeStatus[] = [];
  const known = new Map<string, Set<number>>();
  for (const host of options.liveHosts ?? []) if (options.scope.has(host)) known.set(host, new Set());
  const pacer = createPacer(options.packetsPerSecond);
  const withHost = createHostGate(options.perHostConcurrency);
  const enrich = options.probes.filter((p) => p.phase === 'enrich');
  // Switch and router reads come before enrichment (their SNMP ledger and the hosts they add),
  // so with an infrastructure probe on, enrichment waits for them as it always did.
  const streamed = options.probes.some((p) => p.phase === 'infrastructure')
    ? []
    : enrich.filter((p) => options.probeConfig(p.id).allTargets !== true);
  const stream = createEnrichStream();
  const shared: Shared = { reach: createReachTally(), ledger: createLedger(), settled: stream.add };
  let done = 0;
  let partial = false;
  let liveHosts = 0;

  const report = (phase: ProbePhase, running: Set<string>) =>
    options.onProgress?.({
      phase,
      running: [...running],
      done,
      total: options.probes.length,
      observations: observations.size,
      hosts: known.size,
    });
  const sink: Sink = { observations, known };
  const state: RunState = { options, pacer, withHost, sink, shared };
  // Enrichment of each host starts as soon as discovery settles it (its ports are known),
  // one batch at a time per probe, while the sweep goes on with other addresses.
  const streaming = streamed.map((probe) =>
    runStreamed(probe, stream, state).then((r) => {
      done++;
      return r;
    }),
  );

  for (const phase of PHASES) {
    const batch = options.probes.filter((p) => p.phase === phase && !streamed.includes(p));
    if (phase === 'enrich') {
      liveHosts = known.size;
      // Hosts discovery never settled one by one (heard only, ARP only, or no TCP sweep).
      for (const host of known.keys()) stream.add(host);
      stream.close();
    }
    if (batch.length === 0) continue;
    if (options.signal.aborted || options.deadline - Date.now() < MIN_PHASE_MS) {
      partial = true;
      break;
    }
    const running = new Set(batch.map((p) => p.id));
    report(phase, running);
    const results = await Promise.all(
      batch.map(async (probe) => {
        const result = await runOne(probe, state);
        running.delete(probe.id);
        done++;
        report(phase, running);
        return result;
      }),
    );
    for (const r of results) {
      status.push(r);
      if (r.outcome === 'aborted' || r.cutShort) partial = true;
    }
  }
  // Cut short before the enrich phase: hosts found but never settled still await enrichment,
  // and the streamed probes must name them as not done rather than finish "ok" without them.
  for (const host of known.keys()) stream.add(host);
  stream.close();
  for (const r of await Promise.all(streaming)) {
    if (r === null) continue;
    status.push(r);
    if (r.outcome === 'aborted' || r.cutShort) partial = true;
  }
  const never: CutShortReason = options.signal.aborted ? 'abort' : 'scan-deadline';
  for (const probe of options.probes) {
    if (!status.some((s) => s.probe === probe.id)) {
      partial = true;
      status.push({
        probe: probe.id,
        outcome: 'skipped',
        observations: 0,
        durationMs: 0,
        message:
          never === 'abort' ? 'scan aborted before this phase' : 'the scan deadline passed before this phase',
        cutShort: never,
      });
    }
  }
  const skipped = partial ? summariseSkipped(status) : undefined;
  if (liveHosts === 0) liveHosts = known.size;
  return {
    observations: observations.toArray(),
    status,
    partial,
    ...(skipped ? { skipped } : {}),
    packetsSent: pacer.sent,
    liveHosts,
    reach: shared.reach,
  };
}

/** Most hosts handed to one enrichment run: bounds what a probe holds per host at once. */
const ENRICH_BATCH = 256;

/**
 * Hosts ready for enrichment, in the order discovery settled them. Each enrichment probe reads
 * the list at its own pace; the list holds live hosts only (each once), never the address range.
 */
interface EnrichStream {
  add(host: string): void;
  close(): void;
  batches(max: number): AsyncGenerator<string[]>;
  /** Hosts added so far. */
  readonly size: number;
}

function createEnrichStream(): EnrichStream {
  const ready: string[] = [];
  const queued = new Set<string>();
  let closed = false;
  let waiters: (() => void)[] = [];
  const wakeAll = () => {
    const w = waiters;
    waiters = [];
    for (const fn of w) fn();
  };
  return {
    add(host) {
      if (closed || queued.has(host)) return;
      queued.add(host);
      ready.push(host);
      wakeAll();
    },
    close() {
      closed = true;
      wakeAll();
    },
    get size() {
      return ready.length;
    },
    async *batches(max) {
      let next = 0;
      for (;;) {
        if (next < ready.length) {
          const batch = ready.slice(next, next + max);
          next += batch.length;
          yield batch;
          continue;
        }
        if (closed) return;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

/**
 * One enrichment probe over the stream: a run per batch of settled hosts, each seeing only its
 * batch in `known()`, and one status for them all. Stops early on abort, on the scan deadline
 * and when the probe fails (a local fault would fail every batch the same way).
 */
async function runStreamed(probe: Probe, stream: EnrichStream, run: RunState): Promise<ProbeStatus | null> {
  const total = await streamBatches(probe, stream, run);
  if (total !== null)
    run.options.log
      .child({ probe: probe.id })
      .info(
        { outcome: total.outcome, observations: total.observations, durationMs: total.durationMs },
        'probe finished',
      );
  return total;
}

async function streamBatches(probe: Probe, stream: EnrichStream, run: RunState): Promise<ProbeStatus | null> {
  const { options, sink } = run;
  let total: ProbeStatus | null = null;
  let enriched = 0;
  for await (const hosts of stream.batches(ENRICH_BATCH)) {
    if (options.signal.aborted || options.deadline - Date.now() < MIN_PHASE_MS) {
      const left = stream.size - enriched;
      const cut: CutShortReason = options.signal.aborted ? 'abort' : 'scan-deadline';
      // Never started: skipped, like any probe whose phase the scan did not reach.
      return mergeStatus(total, {
        probe: probe.id,
        outcome: total === null ? 'skipped' : 'aborted',
        observations: 0,
        durationMs: 0,
        message: `${cut === 'abort' ? 'scan aborted' : 'the scan deadline passed'} before ${left} hosts were enriched`,
        cutShort: cut,
        skipped: { hosts: left, hostSample: hosts.slice(0, HOST_SAMPLE) },
      });
    }
    const view = new Map<string, ReadonlySet<number>>();
    for (const h of hosts) view.set(h, sink.known.get(h) ?? new Set());
    const r = await runOne(probe, run, view);
    enriched += hosts.length;
    total = mergeStatus(total, r);
    if (r.outcome === 'failed') return total;
  }
  return total;
}

/** One status for several runs of a probe: the worst outcome, summed counts, the first cut. */
function mergeStatus(a: ProbeStatus | null, b: ProbeStatus): ProbeStatus {
  if (a === null) return b;
  const rank = { ok: 0, skipped: 1, aborted: 2, failed: 3 } as const;
  const messages = [...new Set([a.message, b.message].filter((m): m is string => Boolean(m)))];
  const cutShort = a.cutShort ?? b.cutShort;
  const skipped = b.skipped ?? a.skipped;
  return {
    probe: a.probe,
    outcome: rank[b.outcome] > rank[a.outcome] ? b.outcome : a.outcome,
    observations: a.observations + b.observations,
    durationMs: a.durationMs + b.durationMs,
    ...(messages.length > 0 ? { message: cap(messages.join('; '), 1024) } : {}),
    ...(cutShort ? { cutShort } : {}),
    ...(cutShort && skipped ? { skipped } : {}),
  };
}

/** One scan-level account of what the cut-short probes left undone. */
export function summariseSkipped(status: readonly ProbeStatus[]): ScanSkipped {
  const cut = status.filter((s) => s.cutShort !== undefined);
  const ports = new Set<number>();
  const sample = new Set<string>();
  let hosts = 0;
  for (const s of cut) {
    for (const p of s.skipped?.ports ?? []) ports.add(p);
    for (const h of s.skipped?.hostSample ?? []) if (sample.size < HOST_SAMPLE) sample.add(h);
    hosts = Math.max(hosts, s.skipped?.hosts ?? 0);
  }
  return {
    reasons: [...new Set(cut.map((s) => s.cutShort!))],
    probes: cut.map((s) => s.probe),
    ports: [...ports].sort((a, b) => a - b),
    hosts,
    hostSample: [...sample],
  };
}

/** State every probe of one run shares besides observations. */
interface Shared {
  readonly reach: ReachTally;
  readonly ledger: ReturnType<typeof createLedger>;
  /** Hands a host whose discovery is done to enrichment. */
  readonly settled: (host: string) => void;
}

/** What every probe run of one scan shares: the options, the caps, the sink, shared state. */
interface RunState {
  readonly options: RunOptions;
  readonly pacer: PacketPacer;
  readonly withHost: ReturnType<typeof createHostGate>;
  readonly sink: Sink;
  readonly shared: Shared;
}

/** Where observations go and which hosts are known alive (with their open TCP ports). */
interface Sink {
  readonly observations: HostObservations;
  readonly known: Map<string, Set<number>>;
}

async function runOne(
  probe: Probe,
  run: RunState,
  /** The hosts this run may aim at (an enrichment batch); all known hosts when absent. */
  view?: ReadonlyMap<string, ReadonlySet<number>>,
): Promise<ProbeStatus> {
  const { options, pacer, withHost, sink, shared } = run;
  const { known } = sink;
  const started = Date.now();
  const config = options.probeConfig(probe.id);
  const timeoutMs = typeof config.deadline === 'number' ? config.deadline : 120_000;
  const deadline = Math.min(options.deadline, started + timeoutMs);
  const own = AbortSignal.timeout(Math.max(0, deadline - started));
  const signal = AbortSignal.any([options.signal, own]);
  const log = options.log.child({ probe: probe.id });
  let count = 0;
  let outOfScope = 0;
  let refusedKeys = 0;
  let overCap = 0;
  let skipped: SkippedWork | undefined;

  const emit = (input: ObservationInput) => {
    if (!declares(probe, input.key)) {
      // A probe emitting an undeclared key is a bug; keep going but make it loud.
      refusedKeys++;
      log.error({ key: cap(input.key, 128) }, 'probe emitted an undeclared observation key; refused');
      return;
    }
    const beyond = probe.reportsBeyondScope === true && options.mayReportBeyondScope?.(input.host) === true;
    if (!options.scope.has(input.host) && !beyond) {
      outOfScope++;
      log.debug({ host: cap(input.host, 64) }, 'reply from a host outside scope ignored');
      return;
    }
    const obs = toObservation(probe.id, input);
    if (!sink.observations.add(obs)) {
      overCap++;
      return;
    }
    count++;
    const ports = known.get(obs.host) ?? new Set<number>();
    known.set(obs.host, ports);
    if (obs.key === 'tcp.open') ports.add(Number(obs.value));
  };

  const ctx: ProbeContext = {
    scope: options.scope,
    config,
    signal,
    deadline,
    log,
    takePackets: (n = 1) => pacer.take(n, signal),
    withHost,
    emit,
    credentialsFor: (host) => loginFor(probe.id, options.secretsFor?.(host) ?? null),
    secretsFor: (host) => options.secretsFor?.(host) ?? null,
    known: () => view ?? known,
    alive: (host) => {
      if (!known.has(host) && options.scope.has(host)) known.set(host, new Set());
    },
    packetsPerSecond: options.packetsPerSecond,
    skipped: (work) => {
      skipped = capSkipped(work);
    },
    settled: (host) => {
      if (known.has(host)) shared.settled(host);
    },
    noteReach: (host: string, outcome: ReachOutcome) => shared.reach.note(host, outcome),
    ledger: shared.ledger,
  };

  log.debug({ deadline: new Date(deadline).toISOString() }, 'probe starting');
  let outcome: ProbeStatus['outcome'] = 'ok';
  let message: string | undefined;
  try {
    await raceWithDeadline(probe.run(ctx), deadline + GRACE_MS);
  } catch (err) {
    if (options.signal.aborted) {
      outcome = 'aborted';
      message = 'scan aborted';
    } else if (err instanceof Error && err.message === 'deadline') {
      outcome = 'failed';
      message = `did not return within ${GRACE_MS / 1000}s of its deadline (bug: it ignores its abort signal)`;
      log.error('probe ignored its deadline; moving on without it');
    } else if (!own.aborted) {
      outcome = 'failed';
      message = err instanceof Error ? err.message : String(err);
      log.error({ err }, 'probe failed; the other probes carry on');
    }
  }
  // Probes plan to return before their deadline (listeners stop listening a little early), so
  // one still running when it fired did not finish its work: never report that as complete.
  // A probe that named skipped work stopped early for its deadline even if it then returned in time.
  let cutShort: CutShortReason | undefined;
  if (options.signal.aborted) cutShort = 'abort';
  else if (own.aborted || skipped !== undefined)
    cutShort = deadline >= options.deadline ? 'scan-deadline' : 'deadline';
  if (cutShort !== undefined && outcome !== 'failed') {
    outcome = 'aborted';
    if (cutShort !== 'abort') {
      const which = cutShort === 'deadline' ? `its ${describeMs(timeoutMs)} deadline` : 'the scan deadline';
      message = `cut short by ${which} before finishing${describeSkipped(skipped)}`;
      log.warn({ skipped }, 'probe cut short by a deadline; the report will be partial');
    } else message ??= 'scan aborted';
  }
  const notes = [message];
  if (outOfScope > 0) notes.push(`${outOfScope} replies from hosts outside scope ignored`);
  if (refusedKeys > 0) notes.push(`${refusedKeys} observations with undeclared keys refused (bug)`);
  if (overCap > 0) notes.push(`${overCap} observations dropped: over ${MAX_PER_HOST} for one host`);
  const text = notes.filter(Boolean).join('; ');
  const durationMs = Date.now() - started;
  // A batch of streamed enrichment is one of many runs: its summary is runStreamed's.
  if (view) log.debug({ outcome, observations: count, durationMs, hosts: view.size }, 'batch finished');
  else log.info({ outcome, observations: count, durationMs }, 'probe finished');
  return {
    probe: probe.id,
    outcome,
    observations: count,
    durationMs,
    ...(text ? { message: cap(text, 1024) } : {}),
    ...(cutShort ? { cutShort } : {}),
    ...(cutShort && skipped ? { skipped } : {}),
  };
}

function capSkipped(work: SkippedWork): SkippedWork {
  return {
    ...work,
    ...(work.ports ? { ports: [...new Set(work.ports)].sort((a, b) => a - b) } : {}),
    ...(work.hostSample ? { hostSample: work.hostSample.slice(0, HOST_SAMPLE) } : {}),
  };
}

function describeSkipped(work: SkippedWork | undefined): string {
  if (!work) return '';
  const parts: string[] = [];
  if (work.attempts) parts.push(`${work.attempts} attempts`);
  if (work.hosts) parts.push(`${work.hosts} hosts`);
  if (work.ports?.length) parts.push(`ports ${work.ports.slice(0, 24).join(',')}`);
  if (work.listenMs) parts.push(`${describeMs(work.listenMs)} of listening`);
  return parts.length > 0 ? ` (not done: ${parts.join(', ')})` : '';
}

function describeMs(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/** The credentials file section named after the probe (`http`, `onvif`), when it is a login. */
function loginFor(probeId: string, secrets: HostSecrets | null): HostCredentials | null {
  const section = (secrets as Record<string, unknown> | null)?.[probeId] as
    | Partial<HostCredentials>
    | null
    | undefined;
  return section && typeof section.username === 'string' && typeof section.password === 'string'
    ? (section as HostCredentials)
    : null;
}

function raceWithDeadline<T>(work: Promise<T>, at: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('deadline')), Math.max(0, at - Date.now()));
  });
  return Promise.race([work, expiry]).finally(() => clearTimeout(timer));
}
