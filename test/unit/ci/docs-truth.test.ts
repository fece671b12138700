/**
 * Docs that are true: every `--flag` and environment variable named in README.md, the
 * per-folder READMEs and the `--help` output of every command must be one the code knows.
 * A flag counts when a camsweep command accepts it (asked in-process: `--flag=x --help`
 * either prints help or complains about the value, never "Unknown option"), or when it belongs
 * to a tool the docs quote (FOREIGN_FLAGS, with the tool). A flag in a command's own --help
 * must be accepted by that command. An environment variable counts when the code reads it
 * (`env.NAME`, `env['NAME']`, `$NAME` in a script) and a test names it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandMain } from '../../../agent/commands/io.js';
import { fakeIO } from '../identify/helpers.js';

const ROOT = join(import.meta.dirname, '../../..');

/** Flags of other programs that the docs show in commands (tool → flags). */
const FOREIGN_FLAGS: Record<string, string[]> = {
  'apt-get / apt': ['--no-install-recommends'],
  npm: [
    '--global',
    '--allow-scripts',
    '--prefix',
    '--omit',
    '--offline',
    '--pack-destination',
    '--ignore-scripts',
  ],
  'systemctl / journalctl / systemd-run': [
    '--now',
    '--kill-whom',
    '--no-pager',
    '--follow',
    '--pipe',
    '--wait',
    '--quiet',
  ],
  node: ['--trace-warnings', '--max-old-space-size'],
  'npm run lab': ['--only'],
  'npm run attack (the attack suite runner, test/attack)': ['--root', '--only', '--quick'],
  'nmap (saved output for camsweep identify)': ['--script'],
  'camsweep (top level)': ['--help', '--version'],
};

/** Environment variables that another program reads, not camsweep's code. */
const FOREIGN_ENV: Record<string, string> = {
  NODE_OPTIONS: 'read by Node.js itself (the systemd units set the heap cap with it)',
};

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.lab-state', 'fixtures']);

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(e.name)) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* walk(path);
    else yield path;
  }
}

const allFiles = [...walk(ROOT)];
const readmes = allFiles.filter((f) => f.endsWith('/README.md'));
// Test code counts as code: the lab and the test harness read variables of their own.
const codeFiles = allFiles.filter((f) => /\.(ts|mjs|js)$/.test(f) && !f.endsWith('docs-truth.test.ts'));
const scriptFiles = allFiles.filter((f) => f.includes('/.ci/') || f.includes('/systemd/debian/'));
const testFiles = allFiles.filter((f) => f.includes('/test/') && !f.endsWith('docs-truth.test.ts'));
const code = codeFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
const scripts = scriptFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
const tests = testFiles.map((f) => readFileSync(f, 'utf8')).join('\n');

const COMMANDS: Record<string, () => Promise<{ run: CommandMain }>> = {
  scan: () => import('../../../agent/commands/scan.js'),
  agent: () => import('../../../agent/commands/agent.js'),
  identify: () => import('../../../agent/commands/identify.js'),
  verify: () => import('../../../agent/commands/verify.js'),
  explain: () => import('../../../agent/commands/explain.js'),
  collector: () => import('../../../agent/commands/collector.js'),
  report: () => import('../../../agent/commands/report.js'),
};

async function helpOf(command: string): Promise<string> {
  const f = fakeIO();
  await (await COMMANDS[command]!()).run(['--help'], f.io);
  return f.stdout();
}

/** True when `command` accepts `flag`: with --help after it, parsing must not call it unknown. */
async function accepts(command: string, flag: string): Promise<boolean> {
  const f = fakeIO();
  try {
    await (await COMMANDS[command]!()).run([`${flag}=x`, '--help'], f.io);
    return true;
  } catch (err) {
    return !/Unknown option/i.test((err as Error).message);
  }
}

const flagsIn = (text: string) => [...new Set(text.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? [])];
const envIn = (text: string) => [
  ...new Set([
    ...(text.match(/\bCAMSWEEP_[A-Z0-9_]+\b/g) ?? []),
    ...[...text.matchAll(/\$\{?([A-Z][A-Z0-9_]*_[A-Z0-9_]+)\b/g)].map((m) => m[1]!),
    ...[...text.matchAll(/\benv ([A-Z][A-Z0-9_]+)\b/g)].map((m) => m[1]!),
    ...[...text.matchAll(/^#?([A-Z][A-Z0-9]*_[A-Z0-9_]+)=/gm)].map((m) => m[1]!),
  ]),
];

function readByCode(name: string): boolean {
  const inJs = new RegExp(`env(?:\\.${name}\\b|\\[['"]${name}['"]\\])`).test(code);
  const inSh = new RegExp(`\\$\\{?${name}\\b`).test(scripts);
  return inJs || inSh;
}

describe('docs name only flags and variables the code knows', async () => {
  const helps: Record<string, string> = {};
  for (const c of Object.keys(COMMANDS)) helps[c] = await helpOf(c);
  const foreign = new Set(Object.values(FOREIGN_FLAGS).flat());
  const sources = [
    ...readmes.map((f) => ({ where: relative(ROOT, f), text: readFileSync(f, 'utf8') })),
    ...Object.entries(helps).map(([c, text]) => ({ where: `camsweep ${c} --help`, text })),
    {
      where: 'systemd/camsweep.env.example',
      text: readFileSync(join(ROOT, 'systemd/camsweep.env.example'), 'utf8'),
    },
  ];

  it('found the docs and every help text', () => {
    expect(readmes.map((f) => relative(ROOT, f))).toEqual(
      expect.arrayContaining(['README.md', 'systemd/README.md']),
    );
    for (const [c, text] of Object.entries(helps)) expect(text, c).toMatch(/Usage/);
  });

  it('every option a command --help lists is accepted by that command', async () => {
    const unknown: string[] = [];
    for (const [c, text] of Object.entries(helps)) {
      // Option lines start with the flag (`  --rate N …`, `  -h, --help`); flags in prose may
      // name another command's options (explain's help cites `scan --format json --out FILE`).
      const own = [...text.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1]!);
      expect(own.length, c).toBeGreaterThan(0);
      for (const flag of own) if (!(await accepts(c, flag))) unknown.push(`camsweep ${c} ${flag}`);
    }
    expect(unknown).toEqual([]);
  });

  it('every flag in the READMEs belongs to a camsweep command or a quoted tool', async () => {
    const unknown: string[] = [];
    for (const { where, text } of sources) {
      for (const flag of flagsIn(text)) {
        if (foreign.has(flag)) continue;
        let known = false;
        for (const c of Object.keys(COMMANDS)) if (await accepts(c, flag)) known = true;
        if (!known) unknown.push(`${where}: ${flag}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('every environment variable named is read by the code and named by a test', () => {
    const problems: string[] = [];
    for (const { where, text } of sources) {
      for (const name of envIn(text)) {
        if (FOREIGN_ENV[name]) continue;
        if (!readByCode(name)) problems.push(`${where}: ${name} is read nowhere in the code`);
        else if (!tests.includes(name)) problems.push(`${where}: ${name} is exercised by no test`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('catches a documented name the code does not know', async () => {
    expect(flagsIn('run `camsweep scan --frobnicate`')).toEqual(['--frobnicate']);
    expect(await accepts('scan', '--frobnicate')).toBe(false);
    expect(await accepts('scan', '--rate')).toBe(true);
    expect(await accepts('scan', '--allow-public')).toBe(true);
    expect(envIn('token in `CAMSWEEP_NO_SUCH_THING`')).toEqual(['CAMSWEEP_NO_SUCH_THING']);
    expect(readByCode('CAMSWEEP_NO_SUCH_THING')).toBe(false);
    expect(readByCode('CAMSWEEP_TOKEN')).toBe(true);
  });
});
