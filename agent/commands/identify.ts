/**
 * `camsweep identify`: offline identification of saved observations (docs/architecture.md §1) or of another
 * scanner's output. Input is JSON lines (stdin or files) or nmap XML; observations are fused
 * per host, and each host is written as one JSON line (identity, verdict, findings, evidence)
 * or as a row of the scan's table. Bad input lines are reported as `line N: why` on stderr and
 * make the exit code non-zero; they are never skipped silently. A file that is not usable as a
 * whole (not nmap XML, truncated, too large) is an error naming the file.
 */

import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { renderTable } from '../../src/agent/output/table.js';
import { summarise } from '../../src/agent/scan/assemble.js';
import { type Device, type Observation, REPORT_SCHEMA_ID, type Report } from '../../src/contract/types.js';
import { CamsweepError, EXIT } from '../../src/core/errors.js';
import { normaliseMac } from '../../src/core/mac.js';
import { VERSION } from '../../src/core/version.js';
import { loadClassifier } from '../../src/knowledge/classify/index.js';
import { loadIdentifier } from '../../src/knowledge/identify/index.js';
import { MAX_LINE_CHARS, parseObservationLine, readLines } from '../../src/knowledge/identify/input.js';
import { importNmapXml } from '../../src/knowledge/import/nmap.js';
import { InputTooLarge, readCapped } from '../../src/knowledge/import/read.js';
import { DEFAULT_XML_LIMITS, XmlError } from '../../src/knowledge/import/xml.js';
import { parseCommandArgs } from './args.js';
import type { CommandIO } from './io.js';

const HELP = `Usage: camsweep identify [--from jsonl|nmap-xml] [FILE…] [--format json|table]
                         [--profile ID] [--at DATE] [--signatures DIR]

Identifies and classifies devices from saved observations or another scanner's output, through
the same signatures and rules as \`camsweep scan\`, one device per host. Reads the FILEs given
(several are merged per host), or stdin when there are none or a FILE is "-".

  --from jsonl       (default) JSON lines {"host","key","value"} with optional "port", "path",
                     "probe", "at": the observations a scan saved (--format json, "observations")
  --from nmap-xml    nmap's XML output: nmap -sV -oX FILE [--script http-title,ssl-cert,
                     rtsp-methods,snmp-sysdescr,http-server-header] TARGETS
                     Ports, service product/version, MAC, and those scripts' output are read;
                     the mapping is in src/knowledge/import/README.md.
  --format json      (default) one JSON line per host:
                       {"host","identity":{manufacturer,brand,deviceType,model,firmware,serial,
                        confidence},"verdict","findings","evidence"}
  --format table     the scan's table: one row per device, evidence and rules underneath
  --profile ID       rule profile for the verdict (default: the rules' default profile)
  --at DATE          classify as of this date (ISO 8601; default: now)
  --signatures DIR   signature directory (default: the installed signatures/)
Malformed JSON lines are reported on stderr as "line N: why" (with the file name when there
are several inputs); the exit code is then 2. An unreadable, truncated or oversized file is an
error (exit 2) that names it. A host nmap timed out on is named on stderr, marked
"partial":true, and makes the exit code 1.
`;

type Source = 'jsonl' | 'nmap-xml';
const SOURCES: readonly Source[] = ['jsonl', 'nmap-xml'];
const FORMATS = ['json', 'table'] as const;

function openInput(file: string, io: CommandIO): NodeJS.ReadableStream {
  return file === '-' ? io.stdin : createReadStream(file);
}

/** A file that cannot be opened or read, as the usage error the user can act on. */
function unreadable(file: string, err: unknown): CamsweepError {
  const cause = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new CamsweepError('E_INPUT', `cannot read ${file}: ${cause}`, {
    fix: 'check the path and that the file is readable',
  });
}

/** Reads one nmap XML file; returns the hosts nmap timed out on (their results are partial). */
async function readNmap(
  file: string,
  io: CommandIO,
  add: (host: string, o?: Observation) => void,
): Promise<string[]> {
  let text: string;
  try {
    text = await readCapped(openInput(file, io), DEFAULT_XML_LIMITS.maxChars);
  } catch (err) {
    if (err instanceof InputTooLarge)
      throw new CamsweepError('E_INPUT', `${file} is ${err.message}`, {
        fix: 'split the nmap run (for example one file per subnet) and give the files together',
      });
    throw unreadable(file, err);
  }
  try {
    const hosts = importNmapXml(text);
    // A host nmap saw up is a device even when nothing about it was read.
    for (const host of hosts) {
      add(host.host);
      for (const o of host.observations) add(host.host, o);
    }
    return hosts.filter((h) => h.timedOut).map((h) => h.host);
  } catch (err) {
    throw new CamsweepError('E_INPUT', `${file} is not usable nmap XML: ${(err as Error).message}`, {
      fix:
        err instanceof XmlError
          ? 'give the complete file nmap wrote with -oX; a run cut short must be run again'
          : 'give a file written by nmap -oX, or use --from jsonl for observation lines',
    });
  }
}

/** Reads JSON lines; returns how many were malformed (each already reported on stderr). */
async function readJsonl(
  file: string,
  label: string,
  io: CommandIO,
  add: (o: Observation) => void,
): Promise<{ bad: number; lines: number }> {
  let bad = 0;
  let n = 0;
  try {
    for await (const { text, tooLong } of readLines(openInput(file, io))) {
      n++;
      if (io.signal.aborted) break;
      if (tooLong) {
        bad++;
        io.stderr.write(`${label}line ${n}: longer than ${MAX_LINE_CHARS} characters\n`);
        continue;
      }
      const parsed = parseObservationLine(text);
      if (parsed.ok === 'blank') continue;
      if (parsed.ok === false) {
        bad++;
        io.stderr.write(`${label}line ${n}: ${parsed.reason}\n`);
        continue;
      }
      add(parsed.observation);
    }
  } catch (err) {
    throw unreadable(file, err);
  }
  return { bad, lines: n };
}

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      from: { type: 'string' },
      format: { type: 'string' },
      profile: { type: 'string' },
      at: { type: 'string' },
      signatures: { type: 'string' },
    },
    HELP,
    io,
  );
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  const from = (values.from ?? 'jsonl') as Source;
  if (!SOURCES.includes(from))
    throw new CamsweepError('E_USAGE', `--from "${values.from}" is not an input format`, {
      fix: `use one of: ${SOURCES.join(', ')}`,
    });
  const format = values.format ?? 'json';
  if (!(FORMATS as readonly string[]).includes(format))
    throw new CamsweepError('E_USAGE', `--format "${format}" is not an output format`, {
      fix: `use one of: ${FORMATS.join(', ')}`,
    });
  const at = values.at === undefined ? new Date() : new Date(values.at);
  if (Number.isNaN(at.getTime()))
    throw new CamsweepError('E_USAGE', `--at "${values.at}" is not a date`, {
      fix: 'give an ISO 8601 date such as 2026-06-30',
    });

  const identifier = loadIdentifier(
    values.signatures === undefined ? {} : { signaturesDir: values.signatures },
  );
  const { classify, rulesVersion } = loadClassifier(
    values.profile === undefined ? {} : { profile: values.profile },
  );

  const started = new Date().toISOString();
  const hosts = new Map<string, Observation[]>();
  const add = (host: string, o?: Observation) => {
    const list = hosts.get(host) ?? [];
    if (o !== undefined) list.push(o);
    hosts.set(host, list);
  };
  const files = positionals.length > 0 ? positionals : ['-'];
  let bad = 0;
  let lines = 0;
  const partial = new Set<string>();
  for (const file of files) {
    if (from === 'nmap-xml') {
      for (const host of await readNmap(file, io, add)) {
        partial.add(host);
        io.stderr.write(`${file}: nmap timed out on ${host} (--host-timeout): its result is partial\n`);
      }
    } else {
      const label = files.length > 1 ? `${file}: ` : '';
      const counts = await readJsonl(file, label, io, (o) => add(o.host, o));
      bad += counts.bad;
      lines += counts.lines;
    }
  }

  const devices: Device[] = [];
  for (const [host, observations] of hosts) {
    const { identity, evidence } = identifier.identify(observations);
    const { verdict, findings } = classify(identity, evidence, at);
    if (format === 'json') {
      const cut = partial.has(host) ? { partial: true } : {};
      io.stdout.write(`${JSON.stringify({ host, identity, verdict, findings, evidence, ...cut })}\n`);
    }
    const mac = observations.find((o) => o.key === 'mac.address');
    devices.push({
      ip: host,
      mac: mac === undefined ? null : normaliseMac(mac.value),
      hostnames: [],
      identity,
      verdict,
      findings,
      evidence,
    });
  }
  if (format === 'table') {
    const report: Report = {
      schema: REPORT_SCHEMA_ID,
      reportId: randomUUID(),
      agent: { id: 'camsweep-identify', site: '', version: VERSION },
      scan: {
        startedAt: started,
        finishedAt: new Date().toISOString(),
        targets: [],
        probes: [from],
        rulesVersion,
        ...(partial.size > 0 ? { partial: true } : {}),
      },
      summary: summarise(hosts.size, devices),
      devices,
    };
    io.stdout.write(renderTable(report, { colour: io.isTTY && io.env.NO_COLOR === undefined }));
  }
  if (bad > 0)
    io.stderr.write(`camsweep identify: ${bad} malformed line(s) of ${lines}; fix them and run again\n`);
  if (bad > 0) return EXIT.usage;
  // Like a scan cut short: the verdicts of a timed-out host may be missing evidence.
  return partial.size > 0 ? EXIT.failure : EXIT.ok;
}
