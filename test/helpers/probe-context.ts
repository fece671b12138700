/**
 * A ProbeContext for unit tests: no rate cap, collects what the probe emits, and checks keys
 * against the probe's declaration exactly as the real runner does.
 */

import type { HostSecrets } from '../../src/agent/credentials.js';
import type {
  HostCredentials,
  ObservationInput,
  Probe,
  ProbeContext,
} from '../../src/agent/probes/shared/types.js';
import { isKnownKey, keyMatchesPatterns } from '../../src/contract/observation-keys.js';
import type { SkippedWork } from '../../src/contract/types.js';
import { defaultOf } from '../../src/core/config-spec.js';
import { silentLogger } from '../../src/core/log.js';
import { type LocalInterface, resolveScope } from '../../src/core/scope.js';

export interface FakeRun {
  readonly ctx: ProbeContext;
  readonly emitted: ObservationInput[];
  readonly refused: ObservationInput[];
  packets: number;
  /** What the probe said it left undone (its last `skipped` call). */
  skipped: SkippedWork | null;
}

export function fakeContext(
  probe: Probe,
  options: {
    targets: string[];
    interfaces?: LocalInterface[];
    config?: Record<string, unknown>;
    timeoutMs?: number;
    credentials?: (host: string) => HostCredentials | null;
    secrets?: (host: string) => HostSecrets | null;
    known?: Map<string, Set<number>>;
    signal?: AbortSignal;
    packetsPerSecond?: number;
  },
): FakeRun {
  const scope = resolveScope({ targets: options.targets, interfaces: options.interfaces ?? [] });
  const defaults = Object.fromEntries(Object.entries(probe.config).map(([k, f]) => [k, defaultOf(f)]));
  const timeoutMs = options.timeoutMs ?? 5000;
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)])
    : AbortSignal.timeout(timeoutMs);
  const emitted: ObservationInput[] = [];
  const refused: ObservationInput[] = [];
  const run: FakeRun = {
    emitted,
    refused,
    packets: 0,
    skipped: null,
    ctx: {
      scope,
      config: Object.freeze({
        enabled: true,
        deadline: timeoutMs,
        timeout: timeoutMs,
        ...defaults,
        ...options.config,
      }),
      signal,
      deadline: Date.now() + timeoutMs,
      log: silentLogger,
      takePackets: async (n = 1) => {
        run.packets += n;
      },
      withHost: (_host, work) => work(),
      emit: (o) => {
        if (keyMatchesPatterns(o.key, probe.emits) && isKnownKey(o.key) && scope.has(o.host)) emitted.push(o);
        else refused.push(o);
      },
      credentialsFor: (host) => options.credentials?.(host) ?? null,
      secretsFor: (host) => options.secrets?.(host) ?? null,
      known: () => options.known ?? new Map(),
      alive: () => {},
      packetsPerSecond: options.packetsPerSecond ?? 0,
      skipped: (work) => {
        run.skipped = work;
      },
    },
  };
  return run;
}
