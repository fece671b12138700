/**
 * `camsweep scan [TARGET…]`: one scan, one report. Exit codes (docs/architecture.md §5): 0 nothing covered,
 * 3 covered or suspect found, 2 usage or config error, 1 failure (including a scan cut short
 * with nothing covered found — the report is still written).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { type Config, loadConfig, type Overrides } from '../../src/agent/config/config.js';
import { type ReportFormat, renderReport } from '../../src/agent/output/render.js';
import { runScan } from '../../src/agent/scan/pipeline.js';
import type { Progress } from '../../src/agent/scan/runner.js';
import type { Report } from '../../src/contract/types.js';
import { CamsweepError, EXIT } from '../../src/core/errors.js';
import { parseCommandArgs } from './args.js';
import type { CommandIO } from './io.js';

const HELP = `Usage: camsweep scan [TARGET…] [options]

TARGET is an IPv4 address, CIDR (10.0.0.0/24) or range (10.0.0.1-10.0.0.50 or 10.0.0.1-50).
With no targets, camsweep scans the directly connected RFC 1918 subnets of up interfaces.

Options:
  --format table|json|csv   output format (default: table; from --out's extension if given)
  --out FILE                write the report to FILE instead of stdout
  --config FILE             YAML config (see agent/camsweep.example.yaml)
  --push URL                push the report to a collector (token: push.token or
                            push.tokenFile in the config, else env CAMSWEEP_TOKEN)
  --profile NAME            rule profile (default us-local-government)
  --exclude TARGET          never touch TARGET (repeatable)
  --allow-public            allow non-RFC 1918 targets you are authorised to scan
  --max-hosts N             refuse scopes larger than N hosts (default 65536)
  --rate N                  global packet-rate cap per second (0 = uncapped)
  --per-host N              probe operations in flight per host
  --timeout DURATION        hard deadline for the whole scan, e.g. 5m
  --discovery MODE          two-phase (default: live hosts first, then every port on them)
                            or full (every port on every address, for networks that drop
                            unsolicited connects to closed ports)
  --probes a,b,c            run only these probes
  --skip a,b,c              do not run these probes
  --site NAME               site name in the report
  --credentials FILE        credentials file keyed by CIDR (mode 600)
  -h, --help                this help

Exit codes: 0 nothing covered, 3 covered or suspect found, 2 usage/config error, 1 failure
(including a scan cut short by a deadline or Ctrl-C unless something covered was found).
`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, OPTIONS, HELP, io);
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;

  const overrides: Record<string, unknown> = {
    'scan.targets': positionals.length > 0 ? positionals : undefined,
    'scan.exclude': values.exclude,
    'scan.allowPublic': values['allow-public'] ? true : undefined,
    'scan.maxHosts': values['max-hosts'],
    'scan.rate': values.rate,
    'scan.perHostConcurrency': values['per-host'],
    'scan.timeout': values.timeout,
    'probes.tcp.discovery': values.discovery,
    'output.format': values.format ?? formatFromExtension(values.out),
    'output.out': values.out,
    'classify.profile': values.profile,
    'agent.site': values.site,
    'credentials.file': values.credentials,
    'push.url': values.push,
  };
  const only = splitList(values.probes);
  const skip = splitList(values.skip);
  const config0 = loadConfig(values.config ?? null, overrides as Overrides);
  for (const id of [...only, ...skip]) {
    if (!(id in config0.probes)) {
      throw new CamsweepError(
        'E_USAGE',
        `unknown probe "${id}"; known: ${Object.keys(config0.probes).join(', ')}`,
      );
    }
  }
  const probeToggles: Record<string, unknown> = {};
  for (const id of Object.keys(config0.probes)) {
    if (only.length > 0) probeToggles[`probes.${id}.enabled`] = only.includes(id);
    if (skip.includes(id)) probeToggles[`probes.${id}.enabled`] = false;
  }
  const config = Object.keys(probeToggles).length
    ? loadConfig(values.config ?? null, { ...overrides, ...probeToggles } as Overrides)
    : config0;
  // CAMSWEEP_LOG_LEVEL in the environment wins over the file, for one-off debugging.
  if (!io.env.CAMSWEEP_LOG_LEVEL) io.log.level = config.log.level;

  const progress = createProgressLine(io);
  const { report, schemaProblems } = await runScan(config, {
    signal: io.signal,
    log: io.log,
    onProgress: progress.update,
  });
  progress.clear();

  const text = renderReport(report, config.output.format as ReportFormat, {
    colour: io.isTTY && !io.env.NO_COLOR,
  });
  if (config.output.out) {
    // Write then rename, so a reader never sees half a report.
    const tmp = `${config.output.out}.tmp-${process.pid}`;
    writeFileSync(tmp, text, { mode: 0o640 });
    renameSync(tmp, config.output.out);
    io.log.info({ file: config.output.out, format: config.output.format }, 'report written');
  } else {
    io.stdout.write(text);
  }

  const pushUrl = config.push.url;
  let pushFailed = false;
  if (pushUrl) pushFailed = !(await pushReport(config, report, io));

  if (schemaProblems.length > 0) return EXIT.failure;
  if (report.summary.covered > 0) return EXIT.found;
  // A cut-short scan proves nothing about what it skipped: never a clean or "suspect only" exit.
  if (report.scan.partial) {
    io.stderr.write(`camsweep: ${describePartial(report)}\n`);
    return EXIT.failure;
  }
  if (report.summary.suspect > 0) return EXIT.found;
  if (pushFailed) return EXIT.failure;
  return EXIT.ok;
}

const OPTIONS = {
  format: { type: 'string' },
  out: { type: 'string' },
  config: { type: 'string' },
  push: { type: 'string' },
  profile: { type: 'string' },
  exclude: { type: 'string', multiple: true },
  'allow-public': { type: 'boolean' },
  'max-hosts': { type: 'string' },
  rate: { type: 'string' },
  'per-host': { type: 'string' },
  timeout: { type: 'string' },
  discovery: { type: 'string' },
  probes: { type: 'string' },
  skip: { type: 'string' },
  site: { type: 'string' },
  credentials: { type: 'string' },
} as const;

/** One line naming what a partial scan skipped, so the exit code 1 never goes unexplained. */
function describePartial(report: Report): string {
  const s = report.scan.skipped;
  if (!s) return 'the scan was cut short; the report is partial';
  const parts = [`probes ${s.probes.join(', ') || 'none'}`];
  if (s.ports.length > 0) parts.push(`ports ${s.ports.join(',')}`);
  if (s.hosts > 0) parts.push(`${s.hosts} hosts`);
  return `the scan was cut short (${s.reasons.join(', ')}) and is partial; not done: ${parts.join('; ')}. Nothing found is not proof that nothing is there`;
}

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function formatFromExtension(out: string | undefined): string | undefined {
  if (out?.endsWith('.json')) return 'json';
  if (out?.endsWith('.csv')) return 'csv';
  return undefined;
}

/** A single self-overwriting status line on a terminal; nothing at all when stderr is not one. */
function createProgressLine(io: CommandIO) {
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  let last = 0;
  return {
    update(p: Progress) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const running = p.running.length > 0 ? ` running ${p.running.join(', ')}` : '';
      io.stderr.write(
        `\r\x1b[K[${p.phase}] ${p.done}/${p.total} probes done,${running} — ${p.hosts} hosts, ${p.observations} observations`,
      );
    },
    clear() {
      if (tty) io.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * Sends older spooled reports, then spools and sends this one. False when this report did not
 * reach the collector: it stays in the spool (or is refused) and the user must see why.
 */
async function pushReport(config: Config, report: Report, io: CommandIO): Promise<boolean> {
  const { createPusher, describeOutcome } = await import('../../src/agent/push/index.js');
  const pusher = createPusher(config.push, io.log, io.env);
  try {
    const backlog = await pusher.flush(io.signal);
    if (backlog.delivered > 0) io.log.info(backlog, 'delivered reports left over from earlier runs');
    const { ok, text } = describeOutcome(await pusher.submit(report));
    if (ok) io.log.info(text);
    else {
      io.log.error(text);
      io.stderr.write(`camsweep: ${text}\n`);
    }
    return ok;
  } finally {
    await pusher.close();
  }
}
