/**
 * Issue 6 acceptance: the collector is down during three scans' pushes, comes back, and
 * exactly three reports arrive, each once — also when the pushing process is killed with
 * SIGKILL after the spool write, while its upload hangs, or after the collector stored the
 * report but before the agent heard so. Pushers run as real child processes.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentToken, sha256 } from '../../src/collector/store/secrets.js';
import type { Report } from '../../src/contract/types.js';
import { labReport } from './fixtures.js';
import { freePort, type RunningCollector, startCollector, tempDir } from './harness.js';

const run = promisify(execFile);
const work = tempDir('camsweep-outage-');
// Inside the project so the bundle resolves the project's node_modules.
const bundleDir = join(process.cwd(), 'node_modules', '.cache', 'camsweep-test');
const childScript = join(bundleDir, `push-child-${randomBytes(4).toString('hex')}.mjs`);
const token = `csw_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;

beforeAll(async () => {
  mkdirSync(bundleDir, { recursive: true });
  await build({
    input: join(import.meta.dirname, 'push-child.ts'),
    platform: 'node',
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
    output: { file: childScript, format: 'esm' },
    logLevel: 'silent',
  });
});
afterAll(() => {
  rmSync(childScript, { force: true });
  work.remove();
});

function childArgs(url: string, spoolDir: string, report?: Report, timeoutMs = 2000): string {
  return JSON.stringify({ url, token, spoolDir, timeoutMs, ...(report ? { report } : {}) });
}

async function push(url: string, spoolDir: string, report?: Report): Promise<Record<string, unknown>> {
  const { stdout, stderr } = await run(process.execPath, [childScript, childArgs(url, spoolDir, report)], {
    timeout: 20_000,
  });
  if (process.env.PUSH_CHILD_DEBUG) process.stdout.write(`CHILD ${stderr}\n`);
  return JSON.parse(stdout.trim()) as Record<string, unknown>;
}

function spawnPush(url: string, spoolDir: string, report: Report): ChildProcess {
  return spawn(process.execPath, [childScript, childArgs(url, spoolDir, report, 60_000)], {
    stdio: 'ignore',
  });
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

const spooled = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.json'));

async function collectorWithKnownToken(port: number, db: string): Promise<RunningCollector> {
  const c = await startCollector(db, { port });
  // The agents were configured before the outage with this token; give the collector its digest.
  // The secret is base64url and may itself contain '_': parse, never split.
  const { id, secret } = parseAgentToken(token)!;
  await c.db.run(
    `INSERT INTO agent_tokens (id, site_id, label, secret_sha256, created_at)
     SELECT ?, id, 'outage', ?, ? FROM sites WHERE name = 'city-hall'`,
    [id, sha256(secret), new Date().toISOString()],
  );
  return c;
}

async function storedTimes(c: RunningCollector, reports: readonly Report[]): Promise<number[]> {
  const counts: number[] = [];
  for (const r of reports) {
    counts.push(
      (await c.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM scans WHERE report_id = ?', [r.reportId]))!.n,
    );
  }
  return counts;
}

describe('collector outage', () => {
  it('three pushes during an outage arrive exactly once each after it ends', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const spoolDir = join(work.path, 'spool-a');
    const reports = [labReport(), labReport(), labReport()];
    for (const r of reports) expect(await push(url, spoolDir, r)).toMatchObject({ status: 'spooled' });
    expect(spooled(spoolDir)).toHaveLength(3);

    const c = await collectorWithKnownToken(port, join(work.path, 'a.db'));
    try {
      expect(await push(url, spoolDir)).toEqual({ delivered: 3, remaining: 0 });
      expect(await push(url, spoolDir)).toEqual({ delivered: 0, remaining: 0 });
      expect(await storedTimes(c, reports)).toEqual([1, 1, 1]);
      const total = await c.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM scans');
      expect(total?.n).toBe(3);
    } finally {
      await c.stop();
    }
  });

  it('a pusher killed with SIGKILL after the spool write loses nothing', async () => {
    // A collector address that accepts the connection and never answers: the upload hangs.
    const sockets: Socket[] = [];
    const blackHole: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
    const port = (blackHole.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    const spoolDir = join(work.path, 'spool-b');
    const reports = [labReport(), labReport(), labReport()];
    for (const r of reports) {
      const child = spawnPush(url, spoolDir, r);
      const before = sockets.length;
      await waitFor('the upload to start', () => sockets.length > before);
      await killHard(child);
    }
    for (const s of sockets) s.destroy();
    await new Promise((r) => blackHole.close(r));
    expect(spooled(spoolDir)).toHaveLength(3);
    expect(readdirSync(spoolDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);

    const c = await collectorWithKnownToken(port, join(work.path, 'b.db'));
    try {
      expect(await push(url, spoolDir)).toEqual({ delivered: 3, remaining: 0 });
      expect(await storedTimes(c, reports)).toEqual([1, 1, 1]);
    } finally {
      await c.stop();
    }
  });

  it('a pusher killed after the collector stored the report but before the answer resends it harmlessly', async () => {
    const port = await freePort();
    const c = await collectorWithKnownToken(port, join(work.path, 'c.db'));
    // A relay that passes the request to the collector and swallows the answer.
    const relay = createServer((client) => {
      const upstream = connect(port, '127.0.0.1');
      client.pipe(upstream);
      upstream.on('data', () => undefined);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    const spoolDir = join(work.path, 'spool-c');
    const report = labReport();
    try {
      const child = spawnPush(relayUrl, spoolDir, report);
      await waitFor(
        'the collector to store the report',
        async () => (await storedTimes(c, [report]))[0] === 1,
      );
      await killHard(child);
      expect(spooled(spoolDir)).toHaveLength(1);
      expect(await push(`http://127.0.0.1:${port}`, spoolDir)).toEqual({ delivered: 1, remaining: 0 });
      expect(await storedTimes(c, [report])).toEqual([1]);
    } finally {
      relay.close();
      await c.stop();
    }
  });
});
