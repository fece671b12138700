/**
 * `camsweep explain --report FILE (IP|MAC|serial)`: prints why a device got its verdict, from
 * a saved JSON report, as rule → identity → signatures → observations → probe. Offline; the
 * tracing itself lives in src/agent/output/explain.ts.
 */

import { type CurrentRules, explain, readReport } from '../../src/agent/output/explain.js';
import { CamsweepError, EXIT } from '../../src/core/errors.js';
import { loadRuleSet } from '../../src/knowledge/classify/load.js';
import { parseCommandArgs } from './args.js';
import type { CommandIO } from './io.js';

const HELP = `Usage: camsweep explain --report FILE DEVICE

Explains one device's verdict from a saved JSON report (camsweep scan --format json --out FILE):
the rules that apply, the identity they judged, the signatures that read it, the observations
they matched and the probes that saw them.

DEVICE is the device's IPv4 address, its MAC (44:19:b6:01:02:03, 44-19-B6-01-02-03 or
4419b6010203) or its serial number.

Options:
  -r, --report FILE   the JSON report to read ("-" reads it from stdin)
  -h, --help          this help

Exit codes: 0 explained, 2 report or device not found.
`;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
}

/** Installed rule data, for caveats; explain still works from the report alone if it is broken. */
function currentRules(io: CommandIO): CurrentRules | undefined {
  const { set, problems } = loadRuleSet();
  if (problems.length === 0) return { version: set.version, rules: set.rules };
  io.log.warn(
    { problems: problems.length },
    'rule data has problems (run `camsweep verify`); explaining from the report alone',
  );
  return undefined;
}

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, { report: { type: 'string', short: 'r' } }, HELP, io);
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  if (!values.report)
    throw new CamsweepError('E_USAGE', 'explain needs --report FILE', {
      fix: 'run `camsweep explain --help`',
    });
  if (positionals.length !== 1) {
    throw new CamsweepError('E_USAGE', 'explain needs exactly one device: an IP address, a MAC or a serial', {
      fix: 'e.g. `camsweep explain --report scan.json 10.0.0.21`',
    });
  }
  const fromStdin = values.report === '-';
  const report = readReport(
    fromStdin ? 'stdin' : values.report,
    fromStdin ? await readAll(io.stdin) : undefined,
  );
  io.stdout.write(
    explain(report, positionals[0] as string, fromStdin ? 'stdin' : values.report, currentRules(io)),
  );
  return EXIT.ok;
}
