/**
 * The config keys every probe section has (`probes.<id>.enabled`, `deadline`, `timeout`), and
 * `probeSettings`, which gives a probe its validated section typed by its own spec.
 */
import { type ConfigSpec, defineSpec, type SectionOf, sectionOf } from '../../../core/config-spec.js';

export const probeCommonSpec = defineSpec({
  enabled: { type: 'boolean', default: true, doc: 'run this probe' },
  // `deadline` bounds the whole probe; `timeout` is the probe's own wait (one request, or how
  // long a discovery probe listens) and each probe documents its meaning.
  deadline: {
    type: 'duration',
    default: '2m',
    minMs: 100,
    doc: 'the longest this probe may run in one scan',
  },
  timeout: {
    type: 'duration',
    default: '3s',
    minMs: 50,
    doc: 'per-request wait, or listening time for discovery probes',
  },
});

/** A probe's settings: the common keys plus its own, typed by the spec it declared. */
export type ProbeSettings<S extends ConfigSpec> = SectionOf<typeof probeCommonSpec & S>;

/** Reads a probe's validated section (`ctx.config`) as the type its spec declares. */
export function probeSettings<S extends ConfigSpec>(
  spec: S,
  values: Readonly<Record<string, unknown>>,
): ProbeSettings<S> {
  return sectionOf({ ...probeCommonSpec, ...spec }, values);
}
