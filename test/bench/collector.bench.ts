/**
 * Collector benchmark (issues 6 and 15), SQLite and PostgreSQL side by side in one run:
 * - ingest throughput in device records per second, new devices and a rescan of known ones
 *   (targets ≥ 10,000/s new and ≥ 15,000/s rescan on PostgreSQL, which should match SQLite);
 * - the p95 of the dashboard's device-list query at 100,000 devices (target < 100 ms);
 * - then an estate of 1,000,000 devices across 200 sites: device list, CSV and JSON export, and
 *   the overview page's query.
 * Every figure is printed with the machine's load average (the development machine's 2 cores
 * are shared), and PostgreSQL's figures as a ratio of SQLite's. Prints figures; asserts nothing.
 * PostgreSQL runs on a throwaway cluster over a unix socket (needs root and the postgresql
 * package); it is skipped with a message otherwise. No network is touched.
 *
 * CAMSWEEP_BENCH_DEVICES (default 100000) and CAMSWEEP_BENCH_ESTATE (default 1000000, 0 skips
 * the estate) shrink the run while tuning; CAMSWEEP_BENCH_DB=sqlite or postgres runs one database.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { devicesCsv, devicesJson } from '../../src/collector/dashboard/export.js';
import { type Database, openDatabase } from '../../src/collector/db/index.js';
import { ingestReport } from '../../src/collector/store/ingest.js';
import { type DeviceFilter, listDevices, overview } from '../../src/collector/store/queries.js';
import { ALL_SITES } from '../../src/collector/store/roles.js';
import { pgUnavailable, startPgCluster } from '../../src/collector/testing/pg-cluster.js';
import type { Device, Report, Verdict } from '../../src/contract/types.js';

const count = (value: string | undefined, fallback: number) =>
  value === undefined || value === '' ? fallback : Number(value);
const TOTAL_DEVICES = count(process.env.CAMSWEEP_BENCH_DEVICES, 100_000);
const ESTATE_DEVICES = count(process.env.CAMSWEEP_BENCH_ESTATE, 1_000_000);
const ESTATE_SITES = 200;
const ONLY = process.env.CAMSWEEP_BENCH_DB ?? '';
const PER_REPORT = 1000;
const RESCAN = 20_000;
const SITES = ['city-hall', 'public-works', 'library', 'police', 'schools'];
const VERDICTS: Verdict[] = ['covered', 'suspect', 'not-covered', 'unknown', 'not-covered', 'not-covered'];
const MAKERS = ['hikvision', 'dahua', 'axis', null, 'hanwha', 'bosch'];

function device(n: number): Device {
  const verdict = VERDICTS[n % VERDICTS.length]!;
  const maker = MAKERS[n % MAKERS.length] ?? null;
  const mac = [0x58, 0x50, (n >> 16) & 255, (n >> 8) & 255, n & 255, 7]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':');
  return {
    ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    mac,
    hostnames: [`cam-${n}.local`],
    identity: {
      manufacturer: maker,
      brand: null,
      deviceType: 'camera',
      model: maker ? `DS-2CD${n % 9000}` : null,
      firmware: 'V5.6.2 build 190701',
      serial: maker ? `SN${n.toString(36).toUpperCase()}X${n}` : null,
      confidence: maker ? 0.95 : 0,
    },
    verdict,
    findings:
      verdict === 'covered'
        ? [
            {
              rule: 'us-ndaa-889',
              title: 'NDAA §889',
              citation: 'Pub. L. 115-232 §889',
              effective: '2019-08-13',
              basis: 'manufacturer',
            },
          ]
        : [],
    evidence: [
      {
        probe: 'http',
        key: 'http.header.server',
        value: 'App-webs/',
        port: 80,
        signature: 'hikvision-http-server',
      },
      { probe: 'arp', key: 'mac.address', value: mac },
    ],
  };
}

function report(first: number, count: number, site: string): Report {
  const devices = Array.from({ length: count }, (_, i) => device(first + i));
  const at = new Date().toISOString();
  return {
    schema: 'camsweep.report/v1',
    reportId: randomUUID(),
    agent: { id: `agent-${site}`, site, version: '0.1.0' },
    scan: {
      startedAt: at,
      finishedAt: at,
      targets: ['10.0.0.0/8'],
      probes: ['http', 'arp'],
      rulesVersion: 'bench',
    },
    summary: { hosts: count, devices: count, covered: 0, suspect: 0, notCovered: 0, unknown: 0 },
    devices,
  };
}

const load = () => `load ${loadavg()[0]!.toFixed(2)}`;

/** Device records per second of ingest alone (building the report is not timed). */
async function ingestRate(
  db: Database,
  first: number,
  count: number,
  siteOf: (n: number) => string,
  perReport = PER_REPORT,
) {
  let ms = 0;
  for (let n = first; n < first + count; n += perReport) {
    const r = report(n, Math.min(perReport, first + count - n), siteOf(n));
    const t = performance.now();
    await db.tx((q) => ingestReport(q, r, { tokenId: null }));
    ms += performance.now() - t;
  }
  return count / (ms / 1000);
}

interface Latency {
  p50: number;
  p95: number;
  samples: number;
  slowest: string;
}

async function listLatency(db: Database, sites: readonly string[]): Promise<Latency> {
  const filters: { name: string; filter: DeviceFilter; offset: number }[] = [
    { name: 'all', filter: {}, offset: 0 },
    { name: 'site', filter: { site: sites[3]! }, offset: 0 },
    { name: 'site+verdict', filter: { site: sites[2]!, verdict: 'covered' }, offset: 0 },
    { name: 'verdict+open', filter: { verdict: 'suspect', state: 'open' }, offset: 0 },
    { name: 'search', filter: { q: 'ds-2cd41' }, offset: 0 },
    { name: 'site page 100', filter: { site: sites[4]! }, offset: 5000 },
  ];
  const times: number[] = [];
  const worst = new Map<string, number>();
  for (let round = 0; round < 20; round++) {
    for (const { name, filter, offset } of filters) {
      const t = performance.now();
      await listDevices(db, filter, { offset, limit: 50 }, ALL_SITES);
      const ms = performance.now() - t;
      times.push(ms);
      worst.set(name, Math.max(worst.get(name) ?? 0, ms));
    }
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  const [name, ms] = [...worst].sort((a, b) => b[1] - a[1])[0]!;
  return { p50: at(0.5), p95: at(0.95), samples: times.length, slowest: `${name} ${ms.toFixed(0)} ms` };
}

/** Drains an export stream the way the route does; returns seconds and megabytes. */
async function timeExport(chunks: AsyncGenerator<string>): Promise<{ s: number; mb: number }> {
  const t = performance.now();
  let bytes = 0;
  for await (const chunk of chunks) bytes += Buffer.byteLength(chunk);
  return { s: (performance.now() - t) / 1000, mb: bytes / 1e6 };
}

/** After a bulk load PostgreSQL has no statistics or visibility map until autovacuum runs. */
async function settle(db: Database) {
  if (db.dialect === 'postgres') await db.run('VACUUM ANALYZE');
}

interface Figures {
  newPerSecond: number;
  rescanPerSecond: number;
  list: Latency;
}

async function measure(name: string, location: string): Promise<Figures> {
  const db = await openDatabase(location);
  try {
    const site = (n: number) => SITES[(n / PER_REPORT) % SITES.length]!;
    const newPerSecond = await ingestRate(db, 0, TOTAL_DEVICES, site);
    const newLoad = load();
    // A rescan of known devices: lookups hit existing rows and update them.
    const rescanPerSecond = await ingestRate(db, 0, Math.min(RESCAN, TOTAL_DEVICES), site);
    const rescanLoad = load();
    await settle(db);
    const list = await listLatency(db, SITES);
    process.stdout.write(
      `collector ${name}: ingest ${Math.round(newPerSecond)} device records/s new (${newLoad}), ` +
        `${Math.round(rescanPerSecond)} records/s rescan (${rescanLoad}); device list at ${TOTAL_DEVICES} devices ` +
        `p50 ${list.p50.toFixed(1)} ms, p95 ${list.p95.toFixed(1)} ms over ${list.samples} queries, ` +
        `slowest ${list.slowest} (${load()}; target p95 < 100 ms)\n`,
    );
    return { newPerSecond, rescanPerSecond, list };
  } finally {
    await db.close();
  }
}

/** 1,000,000 devices across 200 sites: what an auditor's list, export and overview cost there. */
async function measureEstate(name: string, location: string): Promise<void> {
  const db = await openDatabase(location);
  try {
    const sites = Array.from({ length: ESTATE_SITES }, (_, i) => `site-${String(i).padStart(3, '0')}`);
    const perSite = Math.ceil(ESTATE_DEVICES / ESTATE_SITES);
    const rate = await ingestRate(
      db,
      0,
      ESTATE_DEVICES,
      (n) => sites[Math.floor(n / perSite)]!,
      Math.min(PER_REPORT, perSite),
    );
    const ingestLoad = load();
    await settle(db);
    const list = await listLatency(db, sites);
    const listLoad = load();
    const t = performance.now();
    const view = await overview(db, ALL_SITES);
    const overviewMs = performance.now() - t;
    const overviewLoad = load();
    const csv = await timeExport(devicesCsv(db, {}, ALL_SITES));
    const csvLoad = load();
    const json = await timeExport(devicesJson(db, {}, ALL_SITES));
    const jsonLoad = load();
    const oneSite = await timeExport(devicesCsv(db, { site: sites[7]! }, ALL_SITES));
    process.stdout.write(
      `collector ${name} estate (${ESTATE_DEVICES} devices, ${view.length} sites): ingest ${Math.round(rate)} records/s (${ingestLoad}); ` +
        `device list p50 ${list.p50.toFixed(1)} ms, p95 ${list.p95.toFixed(1)} ms, slowest ${list.slowest} (${listLoad}); ` +
        `overview ${overviewMs.toFixed(0)} ms (${overviewLoad}); ` +
        `CSV export of all ${csv.s.toFixed(1)} s for ${csv.mb.toFixed(0)} MB (${csvLoad}); ` +
        `JSON export of all ${json.s.toFixed(1)} s for ${json.mb.toFixed(0)} MB (${jsonLoad}); ` +
        `CSV export of one site ${(oneSite.s * 1000).toFixed(0)} ms (${load()})\n`,
    );
  } finally {
    await db.close();
  }
}

/** A second, empty database on the cluster, so the estate does not start from the 100,000. */
async function freshDatabase(url: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return url.replace('/postgres?', `/${name}?`);
}

const ratio = (pg: number, lite: number) => `${(pg / lite).toFixed(2)}×`;

const dir = mkdtempSync(join(tmpdir(), 'camsweep-bench-'));
try {
  const lite = ONLY === 'postgres' ? null : await measure('SQLite', join(dir, 'bench.db'));
  const why = ONLY === 'sqlite' ? 'CAMSWEEP_BENCH_DB=sqlite' : pgUnavailable();
  if (why) {
    process.stdout.write(`collector PostgreSQL: skipped (${why})\n`);
  } else {
    const cluster = startPgCluster();
    try {
      const pg = await measure('PostgreSQL', cluster.url);
      if (lite)
        process.stdout.write(
          `collector PostgreSQL ÷ SQLite: new ${ratio(pg.newPerSecond, lite.newPerSecond)}, ` +
            `rescan ${ratio(pg.rescanPerSecond, lite.rescanPerSecond)}, list p95 ${ratio(pg.list.p95, lite.list.p95)}\n`,
        );
      if (ESTATE_DEVICES > 0) await measureEstate('PostgreSQL', await freshDatabase(cluster.url, 'estate'));
    } finally {
      cluster.stop();
    }
  }
  if (ESTATE_DEVICES > 0 && ONLY !== 'postgres') await measureEstate('SQLite', join(dir, 'estate.db'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
