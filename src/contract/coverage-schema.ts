/**
 * Issue 12's additions to `camsweep.report/v1`, both optional so older reports stay valid: a
 * device's `location` (the switch, port and VLAN its MAC was learned on) and the report's
 * `coverage` section (what the scan reached per target subnet, and its blind spots by name).
 * TypeBox values like the rest of report-schema.ts: JSON Schema at run time, types by inference.
 */
import { Type } from 'typebox';

const str = (maxLength: number) => Type.String({ maxLength });
const ipv4 = Type.String({ format: 'ipv4' });
const count = Type.Integer({ minimum: 0 });
const closed = <P extends Parameters<typeof Type.Object>[0]>(properties: P) =>
  Type.Object(properties, { additionalProperties: false });

/** maxItems of the coverage arrays (report-bounds.ts checks them before the schema does). */
export const COVERAGE_CAPS = { subnets: 4096, probeTrouble: 64, switches: 4096, blindSpots: 8192 } as const;

/** The access port a switch learned the device's MAC on: where an admin walks to unplug it. */
export const LocationSchema = closed({
  /** Address of the switch that was read. */
  switch: ipv4,
  /** The switch's sysName, when it gave one. */
  switchName: Type.Optional(str(255)),
  /** ifName (else ifDescr) of the port. */
  port: str(255),
  /** ifAlias of the port (the admin's label), when set. */
  portAlias: Type.Optional(str(255)),
  /** 802.1Q VLAN of the forwarding entry; null when the switch keeps one VLAN-unaware table. */
  vlan: Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 0, maximum: 4095 }),
});

export const SubnetCoverageSchema = closed({
  /** The target as given, or the connected subnet used by default. */
  target: str(64),
  /** Addresses of the target in scope (excludes applied). */
  inScope: count,
  /** Addresses that answered any probe. */
  answered: count,
  /** Addresses resolved to a MAC in the agent's neighbour table (its own segments only). */
  neighbours: count,
  /** Addresses known only because a switch or router table listed them. */
  viaSwitch: count,
  /** In-scope addresses that never answered anything. */
  silent: count,
  /** True when the agent has an interface on this subnet (multicast and broadcast reach it). */
  local: Type.Boolean(),
  /** Probe ids whose packets can reach this subnet (segment-only discovery only when local). */
  reachedBy: Type.Array(str(32), { maxItems: 64 }),
  /** How TCP connects ended: all timed out (filtered) or unroutable are blind spots. */
  connects: Type.Enum(['answered', 'all-timed-out', 'all-unreachable', 'none-tried']),
});

export const SwitchCoverageSchema = closed({
  address: ipv4,
  name: Type.Optional(str(255)),
  outcome: Type.Enum(['read', 'failed']),
  /** Why a read failed, or what was cut short. */
  detail: Type.Optional(str(1024)),
  /** MACs located on its ports. */
  macs: count,
  /** Of those, MACs with no IP in any neighbour table: reported nowhere else. */
  macsWithoutAddress: count,
  /** Tables that answered, e.g. ipNetToPhysical, dot1qTpFdbPort, lldpRemSysDesc. */
  tables: Type.Array(str(64), { maxItems: 32 }),
});

export const BlindSpotSchema = closed({
  kind: Type.Enum([
    'routed-no-multicast',
    'excluded',
    'filtered',
    'unreachable',
    'beyond-scope',
    'switch-unread',
  ]),
  /** The subnet, range or switch address it is about. */
  subject: str(64),
  detail: str(1024),
});

export const CoverageSchema = closed({
  subnets: Type.Array(SubnetCoverageSchema, { maxItems: COVERAGE_CAPS.subnets }),
  /** Probes that failed or stopped at their deadline: their part of the picture is missing. */
  probeTrouble: Type.Array(closed({ probe: str(32), outcome: str(32), message: Type.Optional(str(1024)) }), {
    maxItems: COVERAGE_CAPS.probeTrouble,
  }),
  switches: Type.Array(SwitchCoverageSchema, { maxItems: COVERAGE_CAPS.switches }),
  blindSpots: Type.Array(BlindSpotSchema, { maxItems: COVERAGE_CAPS.blindSpots }),
});
