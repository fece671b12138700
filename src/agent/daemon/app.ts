/**
 * The agent daemon's parts, composed: the config loader with its schedule check, one scan
 * (with what was heard passively folded in before identification), the passive listeners the
 * probe registry declares, the push spool and the status file. `camsweep agent` only parses
 * its arguments, handles signals and hands these to the Daemon loop.
 *
 * Signatures and rules are loaded once per config: when the config loads (at start and on
 * SIGHUP), so a broken signature file fails the reload and the running engines stay.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Observation } from '../../contract/types.js';
import { CamsweepError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { resolveScope } from '../../core/scope.js';
import { VERSION } from '../../core/version.js';
import { lineOfKey } from '../config/agent-section.js';
import { type Config, loadConfig } from '../config/config.js';
import { probeById } from '../probes/registry.js';
import { declares, toObservation } from '../probes/shared/observation.js';
import { createPusher } from '../push/index.js';
import { loadEngines, runScan, type ScanEngines } from '../scan/pipeline.js';
import type { DaemonDeps } from './daemon.js';
import { type Listener, startListener } from './listen.js';
import { parseSchedule } from './schedule.js';
import { statusPath, writeFileAtomic, writeStatus } from './status.js';

/** The config loader plus the one check its field types cannot express: the schedule. */
export function loadAgentConfig(file: string | null): Config {
  const config = loadConfig(file);
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

function scopeOf(config: Config) {
  return resolveScope({
    targets: config.scan.targets,
    exclude: config.scan.exclude,
    allowPublic: config.scan.allowPublic,
    maxHosts: config.scan.maxHosts,
  });
}

/**
 * Starts a receive-only listener for each protocol in `agent.passiveProtocols` whose probe
 * declares a passive decoder; what it hears becomes observations exactly as in a scan.
 */
export async function startPassiveListeners(
  config: Config,
  onHeard: (o: Observation) => void,
  log: Logger,
): Promise<Listener[]> {
  const interfaces = scopeOf(config).interfaces;
  const started: Listener[] = [];
  for (const id of config.agent.passiveProtocols) {
    const probe = probeById(id);
    const decoder = probe?.passive?.(config.probes[id] ?? {});
    if (!probe || !decoder) {
      log.warn({ listener: id }, 'no passive listener for this protocol in this build');
      continue;
    }
    const listener = await startListener(
      decoder,
      interfaces,
      (inputs) => {
        // The same key check as the scan's runner: a decoder emitting an undeclared key is dropped.
        for (const i of inputs) if (declares(probe, i.key)) onHeard(toObservation(decoder.id, i));
      },
      log,
    );
    if (listener) started.push(listener);
  }
  return started;
}

/**
 * Everything the Daemon loop needs, wired to the real loader, scanner, spool and status file.
 * `initial` is the config the daemon starts with; its engines load here, so broken signature
 * data stops the start rather than the first scan.
 */
export function agentDaemonDeps(
  configFile: string | null,
  stateDir: string,
  initial: Config,
  env: NodeJS.ProcessEnv = process.env,
): DaemonDeps<Config> {
  // Engines belong to the config they were loaded with; a reload brings new ones.
  const engines = new WeakMap<Config, ScanEngines>();
  const enginesFor = (config: Config) => {
    let loaded = engines.get(config);
    if (loaded === undefined) {
      loaded = loadEngines(config);
      engines.set(config, loaded);
    }
    return loaded;
  };
  enginesFor(initial);
  return {
    configFile,
    version: VERSION,
    loadConfig() {
      const config = loadAgentConfig(configFile);
      enginesFor(config);
      return config;
    },
    async scan(config, hooks, heard) {
      const { report, heardPassively } = await runScan(config, hooks, { engines: enginesFor(config), heard });
      return { report, heardPassively };
    },
    createPusher: (c, log) => createPusher(c.push, log, env),
    startListeners: startPassiveListeners,
    writeStatus: (s) => writeStatus(statusPath(stateDir), s),
    saveReport: (r) => writeFileAtomic(join(stateDir, 'last-report.json'), `${JSON.stringify(r)}\n`),
  };
}
