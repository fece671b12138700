/**
 * `camsweep agent`: the daemon (issue 7), and `camsweep agent status`. This module only wires
 * the real pieces into src/agent/daemon's loop: the config loader, the scan pipeline, the push
 * spool, the passive listeners and the status file.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/agent/config/config.js';
import { type AgentConfig, lineOfKey, stateDirOf } from '../../src/agent/daemon/config.js';
import { Daemon, type DaemonDeps } from '../../src/agent/daemon/daemon.js';
import { mdnsAnnouncementDecoder, wsdHelloDecoder } from '../../src/agent/daemon/decoders.js';
import { foldHeard } from '../../src/agent/daemon/fold.js';
import { type AnnouncementDecoder, type Listener, startListener } from '../../src/agent/daemon/listen.js';
import { parseSchedule } from '../../src/agent/daemon/schedule.js';
import {
  formatStatus,
  isAlive,
  readStatus,
  statusPath,
  writeFileAtomic,
  writeStatus,
} from '../../src/agent/daemon/status.js';
import type { ObservationInput } from '../../src/agent/probes/types.js';
import { createPusher } from '../../src/agent/push/index.js';
import { runScan } from '../../src/agent/scan/pipeline.js';
import { isKnownKey } from '../../src/contract/observation-keys.js';
import type { Observation, Report } from '../../src/contract/types.js';
import { CamsweepError, EXIT } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/log.js';
import { resolveScope } from '../../src/core/scope.js';
import { VERSION } from '../../src/core/version.js';
import { loadClassifier } from '../../src/knowledge/classify/index.js';
import { loadIdentifier } from '../../src/knowledge/identify/index.js';
import { parseCommandArgs } from '../args.js';
import type { CommandIO } from '../io.js';

const HELP = `Usage: camsweep agent [--config FILE] [--state-dir DIR]
       camsweep agent status [--config FILE] [--state-dir DIR] [--json]

Runs as a daemon: scans on the schedule in the config's agent section (an interval like 6h,
or times of day like ["02:00", "14:00"]), listens between scans for devices announcing
themselves (WS-Discovery Hello, mDNS), and hands every report to the push spool.

Signals: SIGHUP reloads the config (an invalid file keeps the running one and logs why);
SIGTERM stops (the running scan is aborted or finished per agent.onStop, and its partial
report is spooled); SIGUSR2 starts a scan now.

Options:
  --config FILE      YAML config (default: $CONFIGURATION_DIRECTORY/camsweep.yaml, else
                     /etc/camsweep/camsweep.yaml when it exists, else built-in defaults)
  --state-dir DIR    status file and last report (default: agent.stateDir, $STATE_DIRECTORY,
                     /var/lib/camsweep)
  --json             (status) print the raw status document
  -h, --help         this help

\`camsweep agent status\` exits 0 when the agent is running, 1 when it is not.
`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    { config: { type: 'string' }, 'state-dir': { type: 'string' }, json: { type: 'boolean' } },
    HELP,
    io,
  );
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  const [sub, ...rest] = positionals;
  if ((sub !== undefined && sub !== 'status') || rest.length > 0) {
    throw new CamsweepError(
      'E_USAGE',
      `unexpected argument "${sub === 'status' ? rest[0] : sub}"; the only subcommand is status`,
    );
  }
  const configFile = values.config ?? defaultConfigFile(io.env);
  if (sub === 'status') return showStatus(configFile, values['state-dir'], values.json === true, io);
  return runDaemon(configFile, values['state-dir'], io);
}

/** systemd's ConfigurationDirectory=camsweep sets CONFIGURATION_DIRECTORY (systemd.exec(5)). */
function defaultConfigFile(env: NodeJS.ProcessEnv): string | null {
  const dir = env.CONFIGURATION_DIRECTORY?.split(':')[0];
  if (dir) return join(dir, 'camsweep.yaml');
  return existsSync('/etc/camsweep/camsweep.yaml') ? '/etc/camsweep/camsweep.yaml' : null;
}

type AgentAppConfig = Config & {
  readonly agent: AgentConfig;
  readonly push?: { readonly url: string | null };
};

/** The lead's loader plus the one check its field types cannot express: the schedule. */
function loadAgentConfig(file: string | null): AgentAppConfig {
  const config = loadConfig(file) as AgentAppConfig;
  if (!Array.isArray(config.agent.schedule)) {
    // src/agent/config/sections.ts must mount src/agent/daemon/config.ts's agentConfigSpec as `agent`.
    throw new CamsweepError(
      'E_INTERNAL',
      'the agent section of the config schema is not mounted (build problem)',
    );
  }
  const schedule = parseSchedule(config.agent.schedule);
  if ('error' in schedule) {
    let where = file ?? '<defaults>';
    if (file !== null) {
      const line = lineOfKey(readFileSync(file, 'utf8'), ['agent', 'schedule']);
      if (line !== null) where = `${file}:${line}`;
    }
    throw new CamsweepError(
      'E_CONFIG',
      `invalid configuration:\n  ${where} agent.schedule: ${schedule.error}`,
    );
  }
  return config;
}

function resolveStateDir(
  flag: string | undefined,
  config: AgentAppConfig | null,
  env: NodeJS.ProcessEnv,
): string {
  if (flag) return flag;
  return stateDirOf(config?.agent ?? { stateDir: null }, env);
}

function showStatus(
  configFile: string | null,
  stateFlag: string | undefined,
  json: boolean,
  io: CommandIO,
): number {
  // The config only matters for agent.stateDir; a broken config must not hide the status.
  let config: AgentAppConfig | null = null;
  if (!stateFlag && configFile) {
    try {
      config = loadAgentConfig(configFile);
    } catch {
      config = null;
    }
  }
  const file = statusPath(resolveStateDir(stateFlag, config, io.env));
  const status = readStatus(file);
  if (!status) {
    io.stdout.write(
      `camsweep agent: no status at ${file} (the agent has not run here, or --state-dir points elsewhere)\n`,
    );
    return EXIT.failure;
  }
  const alive = status.state !== 'stopped' && isAlive(status.pid);
  io.stdout.write(
    json
      ? `${JSON.stringify({ ...status, running: alive }, null, 2)}\n`
      : formatStatus(status, alive, Date.now()),
  );
  return alive ? EXIT.ok : EXIT.failure;
}

async function runDaemon(
  configFile: string | null,
  stateFlag: string | undefined,
  io: CommandIO,
): Promise<number> {
  const config = loadAgentConfig(configFile); // invalid at start: exit 2, systemd does not loop
  // CAMSWEEP_LOG_LEVEL in the environment wins over the file, as for `camsweep scan`.
  if (!io.env.CAMSWEEP_LOG_LEVEL) io.log.level = config.log.level;
  if (configFile === null)
    io.log.warn('no config file found; running with built-in defaults (push disabled)');
  const stateDir = resolveStateDir(stateFlag, config, io.env);
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o750 });
  } catch (err) {
    throw new CamsweepError(
      'E_CONFIG',
      `cannot create the state directory ${stateDir}: ${(err as Error).message}`,
      {
        fix: 'set agent.stateDir or --state-dir to a writable directory (systemd: StateDirectory=camsweep)',
      },
    );
  }

  const deps: DaemonDeps<AgentAppConfig> = {
    configFile,
    version: VERSION,
    loadConfig: () => loadAgentConfig(configFile),
    scan: scanWithHeard,
    createPusher: (c, log) => createPusher(c.push as never, log),
    startListeners,
    writeStatus: (s) => writeStatus(statusPath(stateDir), s),
    saveReport: (r) => writeFileAtomic(join(stateDir, 'last-report.json'), `${JSON.stringify(r)}\n`),
  };

  const daemon = new Daemon(config, deps, io.log);
  const onHup = () => {
    io.log.info('SIGHUP: reloading the config');
    void daemon.reload();
  };
  const onUsr2 = () => {
    io.log.info('SIGUSR2: scanning now');
    daemon.scanNow();
  };
  process.on('SIGHUP', onHup);
  process.on('SIGUSR2', onUsr2);
  io.log.info({ configFile, stateDir, schedule: config.agent.schedule, version: VERSION }, 'agent starting');
  try {
    await daemon.run(io.signal);
  } finally {
    process.off('SIGHUP', onHup);
    process.off('SIGUSR2', onUsr2);
  }
  // Everything is closed; should a library still hold a handle, do not hang systemd's stop.
  setTimeout(() => process.exit(EXIT.ok), 5000).unref();
  return EXIT.ok;
}

function scopeOf(config: AgentAppConfig) {
  return resolveScope({
    targets: config.scan.targets,
    exclude: config.scan.exclude,
    allowPublic: config.scan.allowPublic,
    maxHosts: config.scan.maxHosts,
  });
}

async function scanWithHeard(
  config: AgentAppConfig,
  hooks: { signal: AbortSignal; log: Logger },
  heard: readonly Observation[],
): Promise<{ report: Report; heardPassively: number }> {
  // Hosts heard between scans are live: the scan's enrichment reaches them too.
  const { report } = await runScan(config, { ...hooks, liveHosts: [...new Set(heard.map((o) => o.host))] });
  if (heard.length === 0) return { report, heardPassively: 0 };
  const identifier = loadIdentifier();
  const classifier = loadClassifier({ profile: config.classify.profile, customRules: config.classify.rules });
  return foldHeard(report, heard, scopeOf(config), {
    identify: (obs) => identifier.identify(obs),
    classify: (identity, evidence, at) => classifier.classify(identity, evidence, at),
  });
}

function decoderFor(id: string, config: AgentAppConfig): AnnouncementDecoder | undefined {
  if (id === 'onvif') return wsdHelloDecoder;
  // The same service types the active mdns probe asks for.
  if (id === 'mdns')
    return mdnsAnnouncementDecoder((config.probes.mdns?.services as readonly string[] | undefined) ?? []);
  return undefined;
}

async function startListeners(
  config: AgentAppConfig,
  onHeard: (o: Observation) => void,
  log: Logger,
): Promise<Listener[]> {
  const interfaces = scopeOf(config).interfaces;
  const started: Listener[] = [];
  for (const id of config.agent.passiveProtocols) {
    const decoder = decoderFor(id, config);
    if (!decoder) {
      log.warn({ listener: id }, 'no passive listener for this protocol in this build');
      continue;
    }
    const toObservation = (i: ObservationInput): Observation | null =>
      isKnownKey(i.key)
        ? {
            host: i.host,
            key: i.key,
            value: String(i.value),
            probe: decoder.id,
            at: new Date().toISOString(),
            ...(i.port !== undefined ? { port: i.port } : {}),
            ...(i.path !== undefined ? { path: i.path } : {}),
            ...(i.iface !== undefined ? { iface: i.iface } : {}),
          }
        : null;
    const listener = await startListener(
      decoder,
      interfaces,
      (inputs) => {
        for (const i of inputs) {
          const o = toObservation(i);
          if (o) onHeard(o);
        }
      },
      log,
    );
    if (listener) started.push(listener);
  }
  return started;
}
