/**
 * `npm test`'s closing report, from the tally that test/helpers/tally-reporter.ts writes:
 * every failure (set-up and unhandled errors included), every skip with its reason, and the
 * plain `N passed, N failed, N skipped` line CI reads. In CI a skip must be on the allow-list
 * (test/allowed-skips.txt) with a reason, or the run fails: a missing tool or a lost namespace
 * must not turn a suite into silent green.
 */
import { readFileSync } from 'node:fs';

/**
 * Allow-list lines: `FILE :: TEST NAME :: WHY`, where TEST NAME may end in `*` (prefix match)
 * or be just `*`. `#` starts a comment line. Returns entries and format problems.
 */
export function parseAllowList(text, source = 'test/allowed-skips.txt') {
  const entries = [];
  const problems = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split('::').map((p) => p.trim());
    if (parts.length !== 3 || parts.some((p) => p === ''))
      problems.push(`${source}:${i + 1}: expected "FILE :: TEST NAME :: WHY", got: ${line}`);
    else entries.push({ file: parts[0], name: parts[1], why: parts[2], line: i + 1 });
  });
  return { entries, problems };
}

export function readAllowList(path) {
  return parseAllowList(readFileSync(path, 'utf8'), path);
}

function allows(entry, skip) {
  if (entry.file !== skip.file) return false;
  if (entry.name.endsWith('*')) return skip.name.startsWith(entry.name.slice(0, -1));
  return entry.name === skip.name;
}

/**
 * @param tally {{passed:number, failed:{file,name,message}[], skipped:{file,name,note}[]}}
 * @param allow {{entries:{file,name,why}[], problems:string[]}}
 * @returns {{ text: string, ok: boolean }} the report and whether the run may pass
 */
export function closingReport(tally, allow, { inCI }) {
  const lines = [];
  for (const f of tally.failed) lines.push(`FAILED  ${f.file} > ${f.name}: ${f.message}`);
  const unexpected = [];
  for (const s of tally.skipped) {
    const entry = allow.entries.find((e) => allows(e, s));
    const why = s.note ?? entry?.why ?? null;
    if (!entry && inCI) unexpected.push(s);
    lines.push(
      `skipped ${s.file} > ${s.name}: ${why ?? 'no reason given'}${!entry && inCI ? ' [not on test/allowed-skips.txt]' : ''}`,
    );
  }
  for (const p of allow.problems) lines.push(p);
  if (unexpected.length > 0)
    lines.push(
      `${unexpected.length} test(s) skipped in CI that test/allowed-skips.txt does not allow: make them run, or add a line with the reason`,
    );
  const total = tally.passed + tally.failed.length + tally.skipped.length;
  if (total === 0) lines.push('no test ran');
  lines.push(`${tally.passed} passed, ${tally.failed.length} failed, ${tally.skipped.length} skipped`);
  const ok = tally.failed.length === 0 && unexpected.length === 0 && allow.problems.length === 0 && total > 0;
  return { text: `${lines.join('\n')}\n`, ok };
}
