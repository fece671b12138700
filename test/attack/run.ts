/**
 * `npm run attack`: the standing attack suite of issue 14. Each scenario reproduces one way the
 * collector or the agent was broken, bounded in tries and time, on loopback inside a fresh
 * network namespace (and a mount namespace for the full disk). Prints a table: scenario,
 * tries, held or broke; exits 1 when anything broke.
 *
 *   node dist/test/attack/run.js [--root DIR] [--quick] [--only 1,2,spool]
 *
 * --root runs the scenarios against another built camsweep tree (e.g. an older commit in its
 * own worktree), to show a scenario failing before a fix.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Context, type Scenario, workDir } from './lib.js';
import { SCENARIOS } from './scenarios/index.js';

function isolated(): boolean {
  const ifaces = readFileSync('/proc/self/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]!.trim())
    .filter((n) => n && n !== 'lo');
  return ifaces.length === 0;
}

const { values } = parseArgs({
  options: { root: { type: 'string' }, quick: { type: 'boolean' }, only: { type: 'string' } },
});
const self = fileURLToPath(import.meta.url);
if (!isolated()) {
  // Loopback only: re-run inside a fresh network namespace.
  const r = spawnSync(
    'unshare',
    [
      '-n',
      'sh',
      '-c',
      'ip link set lo up && exec "$@"',
      'sh',
      process.execPath,
      self,
      ...process.argv.slice(2),
    ],
    {
      stdio: 'inherit',
    },
  );
  if (r.error || r.status === null) {
    process.stderr.write(
      `attack: cannot enter a network namespace (${r.error?.message ?? r.signal}); run as root\n`,
    );
    process.exit(2);
  }
  process.exit(r.status);
}

const root = resolve(values.root ?? resolve(dirname(self), '..', '..', '..'));
const work = workDir('camsweep-attack-');
const ctx: Context = { root, quick: values.quick ?? false, work: work.path };
// --only takes a comma list of items (`1,2`) or words from scenario names (`spool`).
const wanted = values.only?.split(',').map((w) => w.trim()) ?? [];
const chosen = SCENARIOS.filter(
  (s) => wanted.length === 0 || wanted.some((w) => s.item === w || s.name.includes(w)),
);
const rows: string[][] = [];
process.stderr.write(`attack suite against ${root}${ctx.quick ? ' (quick)' : ''}\n`);
let broke = 0;
for (const s of chosen) {
  const started = Date.now();
  let outcome: Awaited<ReturnType<Scenario['run']>>;
  try {
    outcome = await s.run(ctx);
  } catch (err) {
    outcome = { tries: 0, held: false, detail: `scenario failed to run: ${(err as Error).message}` };
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!outcome.held) broke++;
  rows.push([s.item, s.name, String(outcome.tries), outcome.held ? 'held' : 'BROKE', `${seconds}s`]);
  process.stderr.write(`[${outcome.held ? 'held' : 'BROKE'}] ${s.name} (${seconds}s): ${outcome.detail}\n`);
}
work.remove();
const header = ['item', 'scenario', 'tries', 'result', 'time'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
process.stdout.write(
  `\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`,
);
process.stdout.write(`\n${rows.length - broke} held, ${broke} broke\n`);
process.exit(broke > 0 ? 1 : 0);
