/**
 * Bounds a report's work before full schema validation. The report parser on the collector
 * first refuses JSON whose shape is too large to parse cheaply (REPORT_JSON_BOUNDS, used with
 * core/json-bounds.ts), then checkReportBounds compares every array's length with its schema
 * cap, reading lengths only, so a million empty devices cost one comparison instead of a
 * million item validations. The caps equal the schema's maxItems (test/unit/contract checks).
 */
import type { JsonBounds } from '../core/json-bounds.js';
import { COVERAGE_CAPS } from './coverage-schema.js';

export const REPORT_MAX_DEVICES = 70_000;

/** maxItems of each array in camsweep.report/v1, by where it sits. */
export const REPORT_ARRAY_CAPS = {
  'scan.targets': 4096,
  'scan.probes': 64,
  'scan.probeStatus': 64,
  devices: REPORT_MAX_DEVICES,
  'device.hostnames': 32,
  'device.identity.alternatives': 16,
  'device.findings': 64,
  'device.evidence': 512,
  'device.observations': 4096,
  'coverage.subnets': COVERAGE_CAPS.subnets,
  'coverage.probeTrouble': COVERAGE_CAPS.probeTrouble,
  'coverage.switches': COVERAGE_CAPS.switches,
  'coverage.blindSpots': COVERAGE_CAPS.blindSpots,
} as const;

/**
 * Shape bounds for report JSON text: a report nests six levels (report, devices, device,
 * evidence list, evidence item); 4 million values covers 70,000 small devices or a 32 MiB
 * report of typical ones, and parses in well under 256 MiB of heap whatever the shape
 * (measured: `npm run attack`, scenario memory).
 */
export const REPORT_JSON_BOUNDS: JsonBounds = {
  maxDepth: 16,
  maxArrayItems: REPORT_MAX_DEVICES,
  maxObjectMembers: 256,
  maxValues: 4_000_000,
};

export interface BoundsProblem {
  readonly field: string;
  readonly message: string;
}

function over(value: unknown, cap: number, field: string): BoundsProblem | null {
  return Array.isArray(value) && value.length > cap
    ? { field, message: `must NOT have more than ${cap} items` }
    : null;
}

function member(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** The first array longer than its cap, or null. Reads lengths only; never walks items twice. */
export function checkReportBounds(candidate: unknown): BoundsProblem | null {
  const scan = member(candidate, 'scan');
  for (const key of ['targets', 'probes', 'probeStatus'] as const) {
    const p = over(member(scan, key), REPORT_ARRAY_CAPS[`scan.${key}`], `/scan/${key}`);
    if (p) return p;
  }
  const coverage = member(candidate, 'coverage');
  for (const key of ['subnets', 'probeTrouble', 'switches', 'blindSpots'] as const) {
    const p = over(member(coverage, key), REPORT_ARRAY_CAPS[`coverage.${key}`], `/coverage/${key}`);
    if (p) return p;
  }
  const devices = member(candidate, 'devices');
  if (!Array.isArray(devices)) return null;
  const top = over(devices, REPORT_ARRAY_CAPS.devices, '/devices');
  if (top) return top;
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i];
    for (const key of ['hostnames', 'findings', 'evidence', 'observations'] as const) {
      const p = over(member(d, key), REPORT_ARRAY_CAPS[`device.${key}`], `/devices/${i}/${key}`);
      if (p) return p;
    }
    const alt = over(
      member(member(d, 'identity'), 'alternatives'),
      REPORT_ARRAY_CAPS['device.identity.alternatives'],
      `/devices/${i}/identity/alternatives`,
    );
    if (alt) return alt;
  }
  return null;
}
