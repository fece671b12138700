/**
 * `npm run lab -- up|scan|down|demo|status|exec` (test/lab/README.md). Human output on
 * stdout; problems on stderr with the fix. Exit codes: a `scan` passes camsweep's through.
 */
import { buildLab, execIn, findLab, findRepoRoot, type Lab, reapStaleLabs } from './lab.js';
import { namespaceExists, pidAlive } from './netns.js';
import { distPaths, LabSetupError } from './preflight.js';
import { isStale, type LabState, listStates, stateRoot, teardownSync } from './state.js';

const USAGE = `usage: npm run lab -- <command>
  up [--only a,b]        build the lab from test/fixtures/devices and leave it running
  status                 list labs, their namespaces and device processes
  scan [--lab ID] [ARGS] run \`camsweep scan ARGS\` inside the scanner namespace
  exec [--lab ID] CMD…   run any command inside the scanner namespace
  down [ID]              tear down a lab (no ID: the one \`up\` lab and any crashed lab)
  demo [--only a,b]      up, scan --format table, down
`;

function takeOption(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined) throw new LabSetupError(`${name} needs a value`);
  args.splice(i, 2);
  return value;
}

function describe(lab: Lab): string {
  const rows = lab.devices.map((d) => {
    const notes = [
      d.ready.missing.length > 0 ? `no simulator yet: ${d.ready.missing.join(', ')}` : '',
      d.ready.failed.length > 0
        ? `failed: ${d.ready.failed.map((f) => `${f.name} (${f.error})`).join('; ')}`
        : '',
    ].filter(Boolean);
    return `  ${d.name.padEnd(28)} ${d.ip.padEnd(12)} ${d.mac}  ${d.ns}  runs: ${d.ready.started.join(', ') || '-'}${notes.length ? `  [${notes.join('; ')}]` : ''}`;
  });
  return [
    `lab ${lab.id}`,
    `  scanner  ${lab.scannerIp} in ${lab.scannerNs} (route to 10.78.0.0/24 via the router)`,
    `  namespaces: ${lab.state.namespaces.join(' ')}`,
    ...rows,
  ].join('\n');
}

function labFor(repoRoot: string, id: string | undefined): LabState {
  const state = findLab(repoRoot, id);
  if (state) return state;
  throw new LabSetupError(
    id
      ? `no lab with id ${id} (see \`npm run lab -- status\`)`
      : 'no single running lab: start one with `npm run lab -- up`, or pass --lab ID',
  );
}

function status(repoRoot: string): void {
  const states = listStates(stateRoot(repoRoot));
  if (states.length === 0) {
    process.stdout.write('no labs\n');
    return;
  }
  for (const s of states) {
    const kind =
      s.owner === 0
        ? 'up (stays until down)'
        : isStale(s)
          ? `CRASHED (owner ${s.owner} gone)`
          : `owned by pid ${s.owner}`;
    const nsLeft = s.namespaces.filter(namespaceExists).length;
    process.stdout.write(
      `lab ${s.id}  ${kind}  created ${s.createdAt}  namespaces ${nsLeft}/${s.namespaces.length}\n`,
    );
    for (const d of s.devices) {
      process.stdout.write(
        `  ${d.name.padEnd(28)} ${d.ip.padEnd(12)} pid ${d.pid} ${pidAlive(d.pid) ? 'running' : 'stopped'}\n`,
      );
    }
  }
}

function down(repoRoot: string, id: string | undefined): number {
  // Without an id: the one `up` lab, if there is exactly one, and labs whose owner died.
  // Labs owned by a live process (another engineer's test run) are never touched.
  const single = findLab(repoRoot);
  const targets = id
    ? [labFor(repoRoot, id)]
    : listStates(stateRoot(repoRoot)).filter((s) => isStale(s) || s.id === single?.id);
  if (targets.length === 0) {
    process.stdout.write('nothing to tear down\n');
    return 0;
  }
  let failed = 0;
  for (const s of targets) {
    const left = teardownSync(s);
    if (left.length > 0) {
      failed++;
      process.stderr.write(`lab ${s.id}: could not delete ${left.join(', ')}\n`);
    } else {
      process.stdout.write(`lab ${s.id} torn down (${s.namespaces.length} namespaces)\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

async function runInScanner(repoRoot: string, args: string[], scan: boolean): Promise<number> {
  const state = labFor(repoRoot, takeOption(args, '--lab'));
  const [cmd, rest] = scan
    ? [process.execPath, [distPaths(repoRoot).agentCli, 'scan', ...args]]
    : [args[0], args.slice(1)];
  if (!cmd) throw new LabSetupError('exec needs a command');
  const r = await execIn(state.scannerNs, cmd, rest as string[]);
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r.code ?? 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const repoRoot = findRepoRoot();
  switch (command) {
    case 'up': {
      const only = takeOption(args, '--only')?.split(',');
      const lab = await buildLab({ only, persistent: true, repoRoot });
      process.stdout.write(
        `${describe(lab)}\n\nscan it:  npm run lab -- scan --format table\ntear down: npm run lab -- down ${lab.id}\n`,
      );
      return 0;
    }
    case 'status':
      status(repoRoot);
      return 0;
    case 'scan':
      return runInScanner(repoRoot, args, true);
    case 'exec':
      return runInScanner(repoRoot, args, false);
    case 'down':
      return down(repoRoot, args[0]);
    case 'demo': {
      const only = takeOption(args, '--only')?.split(',');
      const reaped = reapStaleLabs(repoRoot);
      if (reaped.length > 0) process.stdout.write(`removed crashed labs: ${reaped.join(', ')}\n`);
      const lab = await buildLab({ only, repoRoot });
      try {
        process.stdout.write(
          `${describe(lab)}\n\n$ camsweep scan --format table   (inside ${lab.scannerNs})\n`,
        );
        const r = await lab.scan(['--format', 'table', ...args]);
        process.stdout.write(r.stdout);
        process.stderr.write(
          r.stderr
            .split('\n')
            .filter((l) => !l.startsWith('{'))
            .join('\n'),
        );
        process.stdout.write(`\ncamsweep exit code ${r.code} after ${(r.durationMs / 1000).toFixed(1)} s\n`);
        return r.code ?? 1;
      } finally {
        await lab.down();
        process.stdout.write(`lab ${lab.id} torn down\n`);
      }
    }
    default:
      process.stdout.write(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`lab: ${message}\n`);
    process.exitCode = err instanceof LabSetupError ? 2 : 1;
  },
);
