/**
 * The `push:` section of the agent config: where reports go, how the agent proves who it is,
 * and how much it may keep on disk while the collector is unreachable. src/agent/config/config.ts mounts
 * this spec; createPusher() receives the validated, frozen result (durations in milliseconds).
 */
import { defineSpec, type SectionOf } from '../../core/config-spec.js';

/** systemd sets STATE_DIRECTORY for units with `StateDirectory=camsweep` (systemd.exec(5)). */
export function defaultSpoolDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.STATE_DIRECTORY?.split(':')[0];
  return state ? `${state}/spool` : '/var/lib/camsweep/spool';
}

export const pushConfigSpec = defineSpec({
  url: {
    type: 'string',
    default: null,
    pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/,
    hint: 'a collector URL like https://collector.example.org:8443',
    doc: 'Collector base URL; reports are POSTed to <url>/api/v1/reports. Empty disables push.',
  },
  token: {
    type: 'string',
    default: null,
    doc: 'Agent token from `camsweep collector token create --site NAME` (prefer tokenFile).',
  },
  tokenFile: {
    type: 'string',
    default: null,
    doc: 'File holding the agent token (mode 0600); read at start, trailing newline ignored.',
  },
  ca: {
    type: 'string',
    default: null,
    doc: 'PEM file of the CA that signed the collector certificate; unset = system CAs.',
  },
  cert: {
    type: 'string',
    default: null,
    doc: 'PEM client certificate, when the collector requires mutual TLS.',
  },
  key: { type: 'string', default: null, doc: 'PEM private key of the client certificate.' },
  spoolDir: {
    type: 'string',
    default: defaultSpoolDir(),
    doc: 'Directory holding reports not yet acknowledged by the collector (survives restarts).',
  },
  spoolMaxReports: {
    type: 'integer',
    default: 1000,
    min: 1,
    max: 1_000_000,
    doc: 'Most reports the spool keeps; beyond it new reports are refused loudly, never dropped silently.',
  },
  spoolMaxBytes: {
    type: 'integer',
    default: 512 * 1024 * 1024,
    min: 1024,
    doc: 'Most bytes the spool keeps on disk.',
  },
  timeout: { type: 'duration', default: '30s', minMs: 100, maxMs: 600_000, doc: 'Deadline for one upload.' },
  retries: {
    type: 'integer',
    default: 3,
    min: 0,
    max: 20,
    doc: 'Extra attempts per report before it waits in the spool for the next flush.',
  },
  retryInitial: {
    type: 'duration',
    default: '1s',
    minMs: 1,
    doc: 'First retry delay; doubles each attempt, with full jitter.',
  },
  retryMax: { type: 'duration', default: '2m', minMs: 1, doc: 'Upper bound of one retry delay.' },
});

/** The validated section as createPusher() receives it (durations already in milliseconds). */
export type PushConfig = SectionOf<typeof pushConfigSpec>;
