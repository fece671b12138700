/**
 * The probe runner (design.md practice 2). It owns what every probe would otherwise get
 * subtly wrong: deadlines, abort, the global packet-rate cap, the per-host concurrency cap,
 * logging, key discipline and isolation — one probe failing or hanging never stops the others.
 */

import type { Observation, ProbeStatus } from '../../contract/types.js';
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
} from '../probes/shared/types.js';
import { createHostGate, createPacer, type PacketPacer } from './rate.js';

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
  /** True when the user aborted or the scan deadline cut probes short. */
  readonly partial: boolean;
  readonly packetsSent: number;
}

/** Time a probe gets after its deadline to return before the runner stops waiting for it. */
const GRACE_MS = 2000;
const PHASES: readonly ProbePhase[] = ['discover', 'enrich'];

export async function runProbes(options: RunOptions): Promise<RunResult> {
  const observations: Observation[] = [];
  const status: ProbeStatus[] = [];
  const known = new Map<string, Set<number>>();
  const pacer = createPacer(options.packetsPerSecond);
  const withHost = createHostGate(options.perHostConcurrency);
  let done = 0;
  let partial = false;

  const report = (phase: ProbePhase, running: Set<string>) =>
    options.onProgress?.({
      phase,
      running: [...running],
      done,
      total: options.probes.length,
      observations: observations.length,
      hosts: known.size,
    });

  for (const phase of PHASES) {
    const batch = options.probes.filter((p) => p.phase === phase);
    const running = new Set(batch.map((p) => p.id));
    report(phase, running);
    const results = await Promise.all(
      batch.map(async (probe) => {
        const result = await runOne(probe, options, pacer, withHost, observations, known);
        running.delete(probe.id);
        done++;
        report(phase, running);
        return result;
      }),
    );
    for (const r of results) {
      status.push(r);
      if (r.outcome === 'aborted') partial = true;
    }
    if (options.signal.aborted) {
      partial = true;
      break;
    }
  }
  for (const probe of options.probes) {
    if (!status.some((s) => s.probe === probe.id)) {
      status.push({
        probe: probe.id,
        outcome: 'skipped',
        observations: 0,
        durationMs: 0,
        message: 'scan aborted before this phase',
      });
    }
  }
  return { observations, status, partial, packetsSent: pacer.sent };
}

async function runOne(
  probe: Probe,
  options: RunOptions,
  pacer: PacketPacer,
  withHost: ReturnType<typeof createHostGate>,
  sink: Observation[],
  known: Map<string, Set<number>>,
): Promise<ProbeStatus> {
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

  const emit = (input: ObservationInput) => {
    if (!declares(probe, input.key)) {
      // A probe emitting an undeclared key is a bug; keep going but make it loud.
      refusedKeys++;
      log.error({ key: cap(input.key, 128) }, 'probe emitted an undeclared observation key; refused');
      return;
    }
    if (!options.scope.has(input.host)) {
      outOfScope++;
      log.debug({ host: cap(input.host, 64) }, 'reply from a host outside scope ignored');
      return;
    }
    const obs = toObservation(probe.id, input);
    sink.push(obs);
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
    known: () => known,
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
    } else if (own.aborted) {
      // Reaching the deadline is normal for listeners; what was heard is kept.
      message = `stopped at its ${Math.round(timeoutMs / 1000)}s deadline`;
    } else {
      outcome = 'failed';
      message = err instanceof Error ? err.message : String(err);
      log.error({ err }, 'probe failed; the other probes carry on');
    }
  }
  if (options.signal.aborted && outcome === 'ok') outcome = 'aborted';
  else if (outcome === 'ok' && own.aborted && !message)
    message = `stopped at its ${Math.round(timeoutMs / 1000)}s deadline`;
  const notes = [message];
  if (outOfScope > 0) notes.push(`${outOfScope} replies from hosts outside scope ignored`);
  if (refusedKeys > 0) notes.push(`${refusedKeys} observations with undeclared keys refused (bug)`);
  const text = notes.filter(Boolean).join('; ');
  const durationMs = Date.now() - started;
  log.info({ outcome, observations: count, durationMs }, 'probe finished');
  return {
    probe: probe.id,
    outcome,
    observations: count,
    durationMs,
    ...(text ? { message: cap(text, 1024) } : {}),
  };
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
