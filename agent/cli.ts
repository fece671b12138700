#!/usr/bin/env node
/**
 * camsweep entry point: dispatches to one module per subcommand (agent/commands/<name>.ts,
 * each exporting `run(argv, io)`). Thin by design (docs/architecture.md §2: the composition root holds no
 * protocol or matching logic).
 */
import { tuneHeapForSweep } from '../src/agent/scan/heap.js';
import { CamsweepError, describeError, EXIT } from '../src/core/errors.js';
import { createLogger } from '../src/core/log.js';
import { VERSION } from '../src/core/version.js';
import type { CommandIO, CommandMain } from './commands/io.js';

interface Command {
  summary: string;
  load: () => Promise<{ run: CommandMain }>;
  /** Sweeps a network: V8 is tuned for it before the command's modules load (scan/heap.ts). */
  sweeps?: true;
}

const COMMANDS: Record<string, Command> = {
  scan: {
    summary: 'one-shot scan of targets (default: connected private subnets)',
    load: () => import('./commands/scan.js'),
    sweeps: true,
  },
  agent: {
    summary: 'run as a daemon: scheduled scans, passive listening, push',
    load: () => import('./commands/agent.js'),
    sweeps: true,
  },
  identify: {
    summary: 'offline: saved observations or nmap XML → one device per host',
    load: () => import('./commands/identify.js'),
  },
  verify: {
    summary: 'check signatures/ and rules (examples, counterexamples, vocabulary)',
    load: () => import('./commands/verify.js'),
  },
  explain: {
    summary: 'explain a device verdict from a saved report: rule → identity → evidence',
    load: () => import('./commands/explain.js'),
  },
  report: {
    summary: 'attestation HTML/PDF of a site (collector or report JSON); sign and verify it',
    load: () => import('./commands/report.js'),
  },
  collector: {
    summary: 'run the central collector and dashboard',
    load: () => import('./commands/collector.js'),
  },
};

/**
 * The agent package (`npm run package:agent`, the .deb) leaves out the collector and its
 * server dependencies, so a field box needs no compiler; `camsweep collector` there must say
 * so and what to install, not print a module-resolution stack trace.
 */
const COLLECTOR_PACKAGES = 'fastify, @fastify/cookie, @fastify/formbody, eta, better-sqlite3, pg';

async function loadCommand(name: string, load: () => Promise<{ run: CommandMain }>) {
  try {
    return await load();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    const missing =
      /Cannot find (?:package|module) '([^']+)'/.exec((err as Error).message)?.[1] ?? 'a module';
    if (name === 'collector' || name === 'report')
      throw new CamsweepError(
        'E_USAGE',
        `camsweep ${name} is not part of this installation (${missing} is missing): the agent package leaves out the collector and its dependencies (${COLLECTOR_PACKAGES})`,
        {
          fix: 'run the collector from the full camsweep package (npm install -g camsweep-<version>.tgz, made by `npm pack` in a checkout; see systemd/README.md)',
        },
      );
    throw new CamsweepError('E_INTERNAL', `camsweep ${name}: ${missing} is missing from this installation`, {
      fix: 'reinstall camsweep; the package is incomplete',
    });
  }
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `camsweep ${VERSION}\n\nUsage: camsweep <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`camsweep <command> --help\` for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  const log = createLogger();
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130); // second Ctrl-C: the user means it
    log.warn({ signal: sig }, 'stopping: finishing up and writing what we have');
    controller.abort(new Error(`received ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CommandIO = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stdout.isTTY === true,
    log,
    env: process.env,
    signal: controller.signal,
  };
  try {
    if (!command) throw new CamsweepError('E_USAGE', `unknown command "${name}"`);
    if (command.sweeps) tuneHeapForSweep();
    const mod = await loadCommand(name, command.load);
    return await mod.run(rest, io);
  } catch (err) {
    const { text, exitCode } = describeError(err);
    process.stderr.write(`${text}\n`);
    return exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`${describeError(err).text}\n`);
    process.exitCode = EXIT.failure;
  },
);
