/**
 * kill -9 cycles of pusher and collector: every cycle submits one report from a pusher
 * process and kills, at a random moment, the pusher or the collector (then restarts it).
 * At the end one flush must leave the spool empty, nothing in rejected/ (no torn report), and
 * every report the pusher said it kept or delivered stored exactly once.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  type ChildCollector,
  type Context,
  childScript,
  device,
  type Outcome,
  report,
  type Scenario,
  sleep,
  startChildCollector,
} from '../lib.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function runPusher(
  ctx: Context,
  args: object,
  killAfterMs: number | null,
): Promise<{ outcome: { status?: string } | null; killed: boolean }> {
  const child = spawn(
    process.execPath,
    [childScript('push-child.js'), JSON.stringify({ root: ctx.root, ...args })],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  let killed = false;
  const timer =
    killAfterMs === null
      ? null
      : setTimeout(() => {
          killed = child.kill('SIGKILL');
        }, killAfterMs);
  return new Promise((resolve) => {
    child.on('exit', () => {
      if (timer) clearTimeout(timer);
      const line = out.trim().split('\n').pop();
      let outcome: { status?: string } | null = null;
      try {
        outcome = line ? (JSON.parse(line) as { status?: string }) : null;
      } catch {
        outcome = null;
      }
      resolve({ outcome, killed: killed && outcome === null });
    });
  });
}

export const kill9: Scenario = {
  name: 'kill -9 cycles of pusher and collector',
  item: 'kill',
  async run(ctx: Context): Promise<Outcome> {
    const cycles = 50;
    const db = join(ctx.work, 'kill9.db');
    const spoolDir = join(ctx.work, 'kill9-spool');
    const port = await freePort();
    let collector: ChildCollector = await startChildCollector(ctx, db, { port });
    const token = collector.tokens.a;
    const url = collector.url;
    const kept: string[] = [];
    let pusherKills = 0;
    let collectorKills = 0;
    for (let i = 0; i < cycles; i++) {
      const r = report('site-a', [device(`10.20.1.${(i % 250) + 1}`, { model: `cycle-${i}` })]);
      const killCollector = i % 3 === 1;
      const delay = Math.floor(Math.random() * 400);
      const pushing = runPusher(ctx, { url, token, spoolDir, report: r }, killCollector ? null : delay);
      if (killCollector) {
        await sleep(delay);
        await collector.stop();
        collectorKills++;
      }
      const { outcome, killed } = await pushing;
      if (killed) pusherKills++;
      if (outcome?.status === 'delivered' || outcome?.status === 'spooled') kept.push(String(r.reportId));
      if (killCollector) collector = await startChildCollector(ctx, db, { port, fresh: false });
    }
    const flush = await runPusher(ctx, { url, token, spoolDir }, null);
    await collector.stop();
    const left = readdirSync(spoolDir).filter((n) => n.endsWith('.json')).length;
    const rejectedDir = join(spoolDir, 'rejected');
    const rejected = existsSync(rejectedDir)
      ? readdirSync(rejectedDir).filter((n) => n.endsWith('.json')).length
      : 0;
    const sqlite = new BetterSqlite3(db, { readonly: true });
    const counts = new Map(
      (
        sqlite.prepare('SELECT report_id AS id, COUNT(*) AS n FROM scans GROUP BY report_id').all() as {
          id: string;
          n: number;
        }[]
      ).map((row) => [row.id, row.n]),
    );
    sqlite.close();
    const twice = [...counts.values()].filter((n) => n > 1).length;
    const missing = kept.filter((id) => !counts.has(id)).length;
    const held = left === 0 && rejected === 0 && twice === 0 && missing === 0 && flush.outcome !== null;
    return {
      tries: cycles,
      held,
      detail: `${pusherKills} pusher and ${collectorKills} collector kills; ${kept.length} reports kept or delivered, ${counts.size} stored; stored twice ${twice}, missing ${missing}, left in spool ${left}, in rejected/ ${rejected}`,
    };
  },
};
