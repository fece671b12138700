/**
 * The shared fake ProbeContext, re-aimed at 127.0.0.1: the scope guard (rightly) never lets a
 * scan target loopback, but the unit tests' peers live there. Key checks stay as in the runner.
 */

import { httpProbe } from '../../../../src/agent/probes/http/index.js';
import type {
  HostCredentials,
  ObservationInput,
  ProbeContext,
} from '../../../../src/agent/probes/shared/types.js';
import { isKnownKey, keyMatchesPatterns } from '../../../../src/contract/observation-keys.js';
import { fakeContext } from '../../../helpers/probe-context.js';

export const LOOPBACK = '127.0.0.1';

export interface LoopbackRun {
  readonly ctx: ProbeContext;
  readonly emitted: ObservationInput[];
  readonly refused: ObservationInput[];
  packets(): number;
}

export function loopbackContext(options: {
  ports: number[];
  tlsPorts?: number[];
  config?: Record<string, unknown>;
  credentials?: HostCredentials;
  timeoutMs?: number;
}): LoopbackRun {
  const fake = fakeContext(httpProbe, {
    targets: ['10.255.255.1'],
    config: { ports: options.ports, tlsPorts: options.tlsPorts ?? [], ...options.config },
    timeoutMs: options.timeoutMs ?? 8000,
    credentials: (host) => (host === LOOPBACK ? (options.credentials ?? null) : null),
    known: new Map([[LOOPBACK, new Set(options.ports)]]),
  });
  const emitted: ObservationInput[] = [];
  const refused: ObservationInput[] = [];
  const scope = { ...fake.ctx.scope, has: (ip: string) => ip === LOOPBACK };
  const ctx: ProbeContext = {
    ...fake.ctx,
    scope,
    emit: (o) => {
      if (keyMatchesPatterns(o.key, httpProbe.emits) && isKnownKey(o.key) && o.host === LOOPBACK)
        emitted.push(o);
      else refused.push(o);
    },
  };
  return { ctx, emitted, refused, packets: () => fake.packets };
}

/** Values of one key (optionally at one port/path), in emission order. */
export function valuesOf(
  emitted: readonly ObservationInput[],
  key: string,
  where: { port?: number; path?: string } = {},
) {
  return emitted
    .filter(
      (o) =>
        o.key === key &&
        (where.port === undefined || o.port === where.port) &&
        (where.path === undefined || o.path === where.path),
    )
    .map((o) => o.value);
}
