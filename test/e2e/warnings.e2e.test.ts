/**
 * No process warnings: a lab scan, the collector and the agent daemon run with
 * `--trace-warnings` inside the lab's scanner namespace, and none may print a Node warning
 * (every lab scan used to print "MaxListenersExceededWarning … 11 abort listeners added to
 * [AbortSignal]"). The scan and the daemon push to the collector with the token in
 * CAMSWEEP_TOKEN, so the warning check covers the push path too. Needs root; skips outside CI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../src/agent/daemon/status.js';
import { buildLab, findRepoRoot, type Lab } from '../lab/lab.js';
import { distPaths, labSkipReason } from '../lab/preflight.js';

const skipReason = await labSkipReason();
const skip = skipReason !== null && !process.env.CI;
if (skip) console.warn(`warning checks skipped: ${skipReason}`);

const repoRoot = findRepoRoot();
const cli = distPaths(repoRoot).agentCli;
const COLLECTOR_PORT = 18443;
const COLLECTOR = `http://127.0.0.1:${COLLECTOR_PORT}`;
/** Node's own warning lines: `(node:123) MaxListenersExceededWarning: …`, `(node:123) [DEP0040] DeprecationWarning: …`. */
const NODE_WARNING = /^\(node:\d+\) (?:\[[A-Z0-9_]+\] )?\w*Warning: .*$/m;

interface Background {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exit: Promise<number | null>;
}

describe.skipIf(skip)('no process warnings in the lab', () => {
  let lab: Lab;
  const work = mkdtempSync(join(tmpdir(), 'camsweep-warnings-'));
  const running: Background[] = [];
  let collector: Background;
  let token = '';

  function inLab(args: string[], env: NodeJS.ProcessEnv = {}): Background {
    const child = spawn(
      'ip',
      ['netns', 'exec', lab.scannerNs, process.execPath, '--trace-warnings', cli, ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
      },
    );
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const bg = { child, stderr: () => err, stdout: () => out, exit };
    running.push(bg);
    return bg;
  }

  async function until<T>(
    what: string,
    probe: () => T | null | undefined | false,
    ms: number,
    why: () => string,
  ) {
    const end = Date.now() + ms;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${why()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    lab = await buildLab({ repoRoot });
    const db = join(work, 'collector.db');
    const created = inLab(['collector', 'token', 'create', '--site', 'lab', '--db', db]);
    expect(await created.exit, created.stderr()).toBe(0);
    token = created.stdout().trim();
    collector = inLab(['collector', '--listen', `127.0.0.1:${COLLECTOR_PORT}`, '--db', db]);
    await until(
      'the collector to listen',
      () => /collector listening on/.test(collector.stdout()),
      30_000,
      collector.stderr,
    );
  }, 120_000);

  afterAll(async () => {
    for (const bg of running) if (bg.child.exitCode === null) bg.child.kill('SIGKILL');
    await lab?.down();
    rmSync(work, { recursive: true, force: true });
  });

  it('a lab scan pushed to the collector prints no warning', async () => {
    const scan = inLab(['scan', '--format', 'json', '--site', 'lab', '--push', COLLECTOR], {
      CAMSWEEP_TOKEN: token,
    });
    const code = await scan.exit;
    expect(scan.stderr()).not.toMatch(NODE_WARNING);
    expect(scan.stderr()).toMatch(/delivered to the collector/);
    expect(JSON.parse(scan.stdout()).summary.covered).toBeGreaterThan(0);
    expect(code).toBe(3);
  }, 120_000);

  it('the agent daemon runs a scan, delivers it and stops without a warning', async () => {
    const state = join(work, 'agent-state');
    const config = join(work, 'agent.yaml');
    writeFileSync(
      config,
      `agent:\n  site: lab\n  schedule: ["6h"]\n  runAtStart: true\nscan:\n  timeout: 60s\npush:\n  url: ${COLLECTOR}\n  spoolDir: ${join(state, 'spool')}\n  retries: 0\n`,
    );
    const agent = inLab(['agent', '--config', config, '--state-dir', state], { CAMSWEEP_TOKEN: token });
    const status = () => {
      try {
        return JSON.parse(readFileSync(join(state, 'agent-status.json'), 'utf8')) as AgentStatus;
      } catch {
        return null;
      }
    };
    const done = await until(
      'the agent to finish a scan and empty its spool',
      () => {
        const s = status();
        return s?.lastScan && s.spoolDepth === 0 ? s : null;
      },
      90_000,
      agent.stderr,
    );
    expect(done.lastScan!.outcome).toBe('complete');
    agent.child.kill('SIGTERM');
    expect(await agent.exit).toBe(0);
    expect(agent.stderr()).not.toMatch(NODE_WARNING);
  }, 120_000);

  it('the collector served both without a warning', async () => {
    collector.child.kill('SIGTERM');
    await collector.exit;
    expect(collector.stderr()).not.toMatch(NODE_WARNING);
    expect(collector.stdout()).toMatch(/collector listening on/);
  });
});
