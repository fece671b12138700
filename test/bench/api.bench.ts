/**
 * Read-API benchmark: how long an integration takes to page through every device, and every
 * finding, at 100,000 devices on SQLite (CAMSWEEP_BENCH_DEVICES to change), through the
 * collector's routes in-process (fastify inject: token check, audit entry, serialisation;
 * no network). Also the cost of an incremental sync that finds nothing new. Target: a full
 * device sync under 60 s at 100,000 devices. Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../../src/collector/db/index.js';
import { buildCollector } from '../../src/collector/server.js';
import { createApiToken } from '../../src/collector/store/api-tokens.js';
import { ingestReport } from '../../src/collector/store/ingest.js';
import { silentLogger } from '../../src/core/log.js';
import { hikvisionCamera, makeReport } from '../collector/fixtures.js';

const TOTAL = Number(process.env.CAMSWEEP_BENCH_DEVICES) || 100_000;
const PER_REPORT = 1000;

function camera(n: number) {
  const mac = [0x58, 0x50, (n >> 16) & 255, (n >> 8) & 255, n & 255, 9]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':');
  const base = hikvisionCamera();
  return hikvisionCamera({
    ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    mac,
    hostnames: [`cam-${n}.local`],
    identity: { ...base.identity, serial: `SN${n}` },
    // Every third device is only seen, not covered: no finding.
    ...(n % 3 === 0 ? { verdict: 'unknown' as const, findings: [] } : {}),
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'camsweep-api-bench-'));
  const db = await openDatabase(join(dir, 'c.db'));
  try {
    for (let first = 0; first < TOTAL; first += PER_REPORT) {
      const count = Math.min(PER_REPORT, TOTAL - first);
      const devices = Array.from({ length: count }, (_, i) => camera(first + i));
      const site = first % (2 * PER_REPORT) === 0 ? 'city-hall' : 'schools';
      await db.tx((q) =>
        ingestReport(q, makeReport(devices, { site, agent: `agent-${first}` }), { tokenId: null }),
      );
    }
    const { token } = await createApiToken(db, { role: 'viewer', kind: 'all', name: '' }, 'bench', 'bench');
    const app = await buildCollector({
      db,
      log: silentLogger,
      deliveries: false,
      apiPerMinute: 1e9,
      apiBurst: 1e9,
    });
    await app.ready();
    const headers = { authorization: `Bearer ${token}` };

    const sync = async (first: string, key: string) => {
      const times: number[] = [];
      let items = 0;
      let url: string | null = first;
      const start = performance.now();
      while (url) {
        const t = performance.now();
        const res = await app.inject({ method: 'GET', url, headers });
        times.push(performance.now() - t);
        if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        const body = res.json() as Record<string, unknown[]> & { nextCursor: string | null };
        items += body[key]!.length;
        url = body.nextCursor ? `${first}&cursor=${body.nextCursor}` : null;
      }
      const total = performance.now() - start;
      times.sort((a, b) => a - b);
      process.stdout.write(
        `${first}: ${items} ${key} in ${times.length} pages, ${(total / 1000).toFixed(1)} s ` +
          `(${Math.round(items / (total / 1000))} items/s; page p50 ${quantile(times, 0.5).toFixed(0)} ms, ` +
          `p95 ${quantile(times, 0.95).toFixed(0)} ms)\n`,
      );
    };

    process.stdout.write(`${TOTAL} devices on SQLite\n`);
    await sync('/api/v1/devices?limit=500', 'devices');
    await sync('/api/v1/findings?limit=500', 'findings');
    await sync(`/api/v1/devices?limit=500&changedSince=${new Date().toISOString()}`, 'devices');
    await sync('/api/v1/devices?limit=500&site=schools&verdict=covered', 'devices');
    await sync('/api/v1/devices?limit=500&verdict=suspect', 'devices');
    await app.close();
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
