/**
 * `camsweep identify`: offline identification of saved observations (design.md). JSON lines
 * on stdin, fused per host, one JSON line per host on stdout with identity, verdict, findings
 * and evidence. Bad input lines are reported as `line N: why` on stderr and make the exit
 * code non-zero; they are never skipped silently.
 */

import type { Observation } from '../../src/contract/types.js';
import { CamsweepError, EXIT } from '../../src/core/errors.js';
import { loadClassifier } from '../../src/knowledge/classify/index.js';
import { loadIdentifier } from '../../src/knowledge/identify/index.js';
import { MAX_LINE_CHARS, parseObservationLine, readLines } from '../../src/knowledge/identify/input.js';
import { parseCommandArgs } from './args.js';
import type { CommandIO } from './io.js';

const HELP = `Usage: camsweep identify [--profile ID] [--at DATE] [--signatures DIR] < observations.jsonl

Reads JSON lines {"host","key","value"} (optional "port", "path", "probe") on stdin, fuses all
lines of each host and writes one JSON line per host:
  {"host","identity":{manufacturer,brand,deviceType,model,firmware,serial,confidence},
   "verdict","findings","evidence"}
  --profile ID       rule profile for the verdict (default: the rules' default profile)
  --at DATE          classify as of this date (ISO 8601; default: now)
  --signatures DIR   signature directory (default: the installed signatures/)
Malformed lines are reported on stderr as "line N: why"; the exit code is then 2.
`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    { profile: { type: 'string' }, at: { type: 'string' }, signatures: { type: 'string' } },
    HELP,
    io,
    { positionals: false },
  );
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  const at = values.at === undefined ? new Date() : new Date(values.at);
  if (Number.isNaN(at.getTime()))
    throw new CamsweepError('E_USAGE', `--at "${values.at}" is not a date`, {
      fix: 'give an ISO 8601 date such as 2026-06-30',
    });

  const identifier = loadIdentifier(
    values.signatures === undefined ? {} : { signaturesDir: values.signatures },
  );
  const { classify } = loadClassifier(values.profile === undefined ? {} : { profile: values.profile });

  const hosts = new Map<string, Observation[]>();
  let bad = 0;
  let n = 0;
  for await (const { text, tooLong } of readLines(io.stdin)) {
    n++;
    if (io.signal.aborted) break;
    if (tooLong) {
      bad++;
      io.stderr.write(`line ${n}: longer than ${MAX_LINE_CHARS} characters\n`);
      continue;
    }
    const parsed = parseObservationLine(text);
    if (parsed.ok === 'blank') continue;
    if (parsed.ok === false) {
      bad++;
      io.stderr.write(`line ${n}: ${parsed.reason}\n`);
      continue;
    }
    const list = hosts.get(parsed.observation.host) ?? [];
    list.push(parsed.observation);
    hosts.set(parsed.observation.host, list);
  }

  for (const [host, observations] of hosts) {
    const { identity, evidence } = identifier.identify(observations);
    const { verdict, findings } = classify(identity, evidence, at);
    io.stdout.write(`${JSON.stringify({ host, identity, verdict, findings, evidence })}\n`);
  }
  if (bad > 0)
    io.stderr.write(`camsweep identify: ${bad} malformed line(s) of ${n}; fix them and run again\n`);
  return bad > 0 ? EXIT.usage : EXIT.ok;
}
