/**
 * The daemon's keys in the `agent:` section of the config (config.ts beside it mounts this spec
 * beside the core `agent.id` and `agent.site`). Durations arrive in milliseconds.
 */
import { defineSpec, type SectionOf } from '../../core/config-spec.js';
import { parseYamlWithLines } from '../../core/yaml.js';
import { probes } from '../probes/registry.js';

const PASSIVE_PROTOCOLS: readonly string[] = probes.filter((p) => p.passive !== undefined).map((p) => p.id);

export const agentConfigSpec = defineSpec({
  schedule: {
    type: 'strings',
    default: ['6h'],
    doc: 'when to scan: an interval like 6h (start to start), or local times of day like ["02:00", "14:00"]',
  },
  runAtStart: {
    type: 'boolean',
    default: true,
    doc: 'scan once as soon as the agent starts, then follow the schedule',
  },
  passive: {
    type: 'boolean',
    default: true,
    doc: 'between scans, listen (never send) for WS-Discovery Hello/Bye and mDNS announcements on in-scope interfaces',
  },
  passiveProtocols: {
    type: 'strings',
    default: ['onvif', 'mdns'],
    // The probes that declare a passive decoder in the registry.
    allowed: PASSIVE_PROTOCOLS,
    doc: 'which announcements to listen for: onvif (UDP 3702), mdns (UDP 5353)',
  },
  passiveMaxHosts: {
    type: 'integer',
    default: 4096,
    min: 1,
    max: 1_000_000,
    doc: 'most announcing hosts remembered between two scans (a flood of forged announcements cannot grow memory)',
  },
  onStop: {
    type: 'enum',
    values: ['abort', 'finish'],
    default: 'abort',
    doc: 'on SIGTERM during a scan: abort it and spool the partial report, or let it finish (up to stopTimeout)',
  },
  stopTimeout: {
    type: 'duration',
    default: '45s',
    minMs: 1000,
    maxMs: 600_000,
    doc: 'with onStop: finish, how long to wait before aborting anyway (keep below systemd TimeoutStopSec)',
  },
  stateDir: {
    type: 'string',
    default: null,
    doc: 'where the status file lives (default: $STATE_DIRECTORY from systemd, else /var/lib/camsweep)',
  },
  pushRetry: {
    type: 'duration',
    default: '5m',
    minMs: 1000,
    doc: 'how often to retry delivering spooled reports while the collector is unreachable',
  },
});

/** The validated `agent:` section as the daemon reads it (with the core `id` and `site`). */
export type AgentConfig = SectionOf<typeof agentConfigSpec> & { readonly id: string; readonly site: string };

/** systemd sets STATE_DIRECTORY for `StateDirectory=camsweep` (systemd.exec(5)). */
export function stateDirOf(
  agent: Pick<AgentConfig, 'stateDir'>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return agent.stateDir ?? env.STATE_DIRECTORY?.split(':')[0] ?? '/var/lib/camsweep';
}

/**
 * The 1-based line of a key path in a YAML file, for `file:line key: message` errors about
 * values the generic field types cannot check (the schedule's mix of intervals and times).
 */
export function lineOfKey(text: string, path: readonly string[]): number | null {
  return parseYamlWithLines(text).lineOfPath(path);
}
