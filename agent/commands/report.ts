/**
 * `camsweep report`: the audit-ready attestation (HTML or PDF) of one site or all, from the
 * collector's database or from report JSON files; and the organisation's Ed25519 signature
 * over it (`keygen`, `sign`, `verify`).
 */
import { writeFileSync } from 'node:fs';
import { generateKeys, readEmbedded, signFile, verifyFile } from '../../src/attest/index.js';
import { openDatabase } from '../../src/collector/db/index.js';
import { siteSnapshots } from '../../src/collector/store/snapshot.js';
import { rulesFreshness } from '../../src/contract/rules-as-of.js';
import { CamsweepError, EXIT } from '../../src/core/errors.js';
import { parseCommandArgs } from './args.js';
import { attest, fromSnapshots, readReportFile, renderFile } from './attestation.js';
import { defaultDb } from './collector.js';
import type { CommandIO } from './io.js';

const HELP = `Usage:
  camsweep report (--site NAME | --all) [--db LOCATION] (--html FILE | --pdf FILE) [options]
  camsweep report --from REPORT.json [--from …] (--html FILE | --pdf FILE) [options]
  camsweep report keygen --out PREFIX          write PREFIX.key (private, 0600) and PREFIX.pub
  camsweep report sign --key PREFIX.key FILE   write FILE.sig, an Ed25519 signature over FILE
  camsweep report verify [--pub PREFIX.pub] [--sig FILE.sig] FILE

An attestation lists, per site: scan dates, agent and rules versions with the rules' as-of date,
scope, coverage and blind spots, method, a summary, and every covered and suspect device with its
identity, location, the rules that apply (citation, date in force), evidence, firmware risk and
remediation or exemption; then what changed since a previous attestation, and a signature block.
It prints the SHA-256 of the canonical data it was built from.

Options:
  --site NAME          one site from the collector's database
  --all                every site in the collector's database
  --db LOCATION        collector database (as for \`camsweep collector\`; env CAMSWEEP_COLLECTOR_DB)
  --from FILE          a camsweep.report/v1 JSON file (repeat for several agents or sites)
  --html FILE          write one self-contained HTML file (print-ready)
  --pdf FILE           write a PDF (Debian's /usr/bin/chromium renders it; nothing is downloaded)
  --org NAME           organisation named on the attestation
  --previous FILE      an earlier attestation .html to list what changed since
  --key FILE           private key for sign;  --pub FILE  public key for verify
  --sig FILE           signature file (default FILE.sig)
  --out PREFIX         where keygen writes the key pair
`;

const OPTIONS = {
  site: { type: 'string' },
  all: { type: 'boolean' },
  db: { type: 'string' },
  from: { type: 'string', multiple: true },
  html: { type: 'string' },
  pdf: { type: 'string' },
  org: { type: 'string' },
  previous: { type: 'string' },
  key: { type: 'string' },
  pub: { type: 'string' },
  sig: { type: 'string' },
  out: { type: 'string' },
} as const;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, OPTIONS, HELP, io);
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const [verb, file, extra] = positionals;
  if (extra !== undefined) throw new CamsweepError('E_USAGE', `unexpected argument "${extra}"`);

  if (verb === 'keygen') {
    if (!values.out) throw new CamsweepError('E_USAGE', 'keygen needs --out PREFIX');
    const k = generateKeys(values.out);
    out(`wrote ${k.privatePath} (keep it secret) and ${k.publicPath}; key id ${k.keyId}`);
    return EXIT.ok;
  }
  if (verb === 'sign') {
    if (!file || !values.key)
      throw new CamsweepError('E_USAGE', 'sign needs --key PRIVATE.key and the file to sign');
    const sig = signFile(file, values.key);
    const sigPath = values.sig ?? `${file}.sig`;
    writeFileSync(sigPath, `${JSON.stringify(sig, null, 2)}\n`);
    out(`signed ${file} (SHA-256 ${sig.sha256}) with key ${sig.keyId}; signature in ${sigPath}`);
    return EXIT.ok;
  }
  if (verb === 'verify') {
    if (!file) throw new CamsweepError('E_USAGE', 'verify needs the attestation file');
    return verifyCommand(file, values.pub ?? null, values.sig ?? `${file}.sig`, io);
  }
  if (verb !== undefined)
    throw new CamsweepError('E_USAGE', `unknown report action "${verb}"`, {
      fix: 'see `camsweep report --help`',
    });

  const format = values.html ? 'html' : values.pdf ? 'pdf' : null;
  const target = values.html ?? values.pdf;
  if (!format || !target || (values.html && values.pdf))
    throw new CamsweepError('E_USAGE', 'give exactly one of --html FILE or --pdf FILE');
  const sources = [values.site !== undefined, values.all === true, (values.from ?? []).length > 0].filter(
    Boolean,
  );
  if (sources.length !== 1)
    throw new CamsweepError('E_USAGE', 'give exactly one source: --site NAME, --all, or --from REPORT.json');

  let inputs: Parameters<typeof attest>[0];
  if (values.from) inputs = values.from.map((f) => ({ report: readReportFile(f) }));
  else {
    const db = await openDatabase(values.db ?? defaultDb(io.env));
    try {
      inputs = fromSnapshots(await siteSnapshots(db, values.all ? null : (values.site ?? null)));
    } finally {
      await db.close();
    }
  }
  const data = attest(inputs, { organisation: values.org ?? null, previousFile: values.previous ?? null });
  const now = new Date();
  const rendered = await renderFile(data, format, now);
  writeFileSync(target, rendered.body);
  const devices = data.sites.reduce((n, s) => n + s.devices.length, 0);
  out(
    `wrote ${target}: ${data.sites.length} site(s), ${devices} covered or suspect device(s); SHA-256 ${rendered.hash}`,
  );
  for (const s of data.sites) {
    const fresh = rulesFreshness(
      { rulesVersion: s.rules.version, ...(s.rules.asOf ? { rulesAsOf: s.rules.asOf } : {}) },
      now,
    );
    if (fresh.stale) io.stderr.write(`warning: site ${s.site}: ${fresh.text}\n`);
  }
  return EXIT.ok;
}

async function verifyCommand(file: string, pub: string | null, sig: string, io: CommandIO): Promise<number> {
  const { readFileSync, existsSync } = await import('node:fs');
  const problems: string[] = [];
  const lines: string[] = [];
  if (!existsSync(file)) throw new CamsweepError('E_USAGE', `no such file: ${file}`);
  const text = readFileSync(file);
  if (file.endsWith('.html')) {
    // The file's own promise: the embedded data hashes to the printed SHA-256.
    const embedded = readEmbedded(text.toString('utf8'), file);
    if (embedded.printedHash !== embedded.hash)
      problems.push(
        `embedded data hashes to ${embedded.hash}, the document prints ${embedded.printedHash ?? 'no hash'}`,
      );
    else lines.push(`data hash ${embedded.hash} matches the printed SHA-256`);
  }
  if (pub) {
    if (!existsSync(sig)) problems.push(`no signature file ${sig}`);
    else {
      const check = verifyFile(file, sig, pub);
      problems.push(...check.problems);
      if (check.ok) lines.push(`Ed25519 signature valid (key ${check.keyId})`);
    }
  } else if (!file.endsWith('.html'))
    problems.push('nothing to check: a PDF can only be verified with --pub and its signature');
  else lines.push('no --pub given: the organisation signature was not checked');
  for (const l of lines) io.stdout.write(`${l}\n`);
  if (problems.length > 0) {
    for (const p of problems) io.stdout.write(`FAILED: ${p}\n`);
    return EXIT.failure;
  }
  io.stdout.write(`OK: ${file}\n`);
  return EXIT.ok;
}
