/**
 * `camsweep agent`: the daemon (issue 7), and `camsweep agent status`. This entry point parses
 * arguments, prepares the state directory and handles signals; the daemon's parts are composed
 * in src/agent/daemon/app.ts.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stateDirOf } from '../../src/agent/config/agent-section.js';
import type { Config } from '../../src/agent/config/config.js';
import { agentDaemonDeps, loadAgentConfig } from '../../src/agent/daemon/app.js';
import { Daemon } from '../../src/agent/daemon/daemon.js';
import { formatStatus, isAlive, readStatus, statusPath } from '../../src/agent/daemon/status.js';
import { CamsweepError, EXIT } from '../../src/core/errors.js';
import { VERSION } from '../../src/core/version.js';
import { parseCommandArgs } from './args.js';
import type { CommandIO } from './io.js';

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

function resolveStateDir(flag: string | undefined, config: Config | null, env: NodeJS.ProcessEnv): string {
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
  let config: Config | null = null;
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

  const deps = agentDaemonDeps(configFile, stateDir, config, io.env);

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
