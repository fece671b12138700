/**
 * Issue 16's acceptance for events out: a new covered device in a pushed lab scan reaches
 * rsyslog and the webhook exactly once each, including after the receivers were down.
 *
 * Everything runs inside the lab's scanner namespace, as it would on a collector host: the real
 * CLI serves the collector with a config naming a TLS syslog sink (client certificate, test CA),
 * a webhook is added with `camsweep collector webhook add`, the scan pushes with `--push`.
 * rsyslogd and the webhook receiver are down while the scan is stored and its event queued;
 * then rsyslog starts and the receiver comes up failing twice on purpose before it recovers.
 * Needs root and the lab; skips outside CI only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/collector/db/index.js';
import { signature } from '../../src/collector/events/webhooks.js';
import { makeTestPki } from '../helpers/pki.js';
import { buildLab, findRepoRoot, type Lab } from '../lab/lab.js';
import { distPaths, labSkipReason } from '../lab/preflight.js';
import { tempDir } from './harness.js';
import { type RsyslogPeer, rsyslogMissing, rsyslogPeer } from './peers/rsyslog.js';
import { until } from './peers/wait.js';

const skipReason = (await labSkipReason()) ?? rsyslogMissing();
const skip = skipReason !== null && !process.env.CI;
if (skip) console.warn(`events lab test skipped: ${skipReason}`);

const FIXTURE = 'hikvision-ds-2cd2385g1-i';
// Ports on the lab scanner namespace's own loopback, which no other run shares.
const COLLECTOR = 'http://127.0.0.1:18443';
const SYSLOG_PORT = 16514;
const HOOK_PORT = 18080;

/** A webhook receiver answering 500 to its first `failures` requests, logging each as a JSON line. */
const RECEIVER = `
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
const [port, failures, out] = process.argv.slice(2);
let n = 0;
createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const status = n++ < Number(failures) ? 500 : 200;
    const h = req.headers;
    appendFileSync(out, JSON.stringify({ status, body, delivery: h['x-camsweep-delivery'],
      timestamp: h['x-camsweep-timestamp'], signature: h['x-camsweep-signature'] }) + '\\n');
    res.writeHead(status).end();
  });
}).listen(Number(port), '127.0.0.1', () => console.log('listening'));
`;

interface Hook {
  status: number;
  body: string;
  delivery: string;
  timestamp: string;
  signature: string;
}

describe.skipIf(skip)('events out from a pushed lab scan', () => {
  const work = tempDir('csw-events-lab-');
  const cli = distPaths(findRepoRoot()).agentCli;
  const dbFile = join(work.path, 'collector.db');
  const hooksFile = join(work.path, 'hooks.jsonl');
  const children: ChildProcess[] = [];
  let lab: Lab;
  let rsyslog: RsyslogPeer;
  let db: Database;
  let collectorErr = '';
  let token = '';
  let secret = '';

  function background(args: string[]): { child: ChildProcess; stdout: () => string } {
    const child = spawn('ip', ['netns', 'exec', lab.scannerNs, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (collectorErr += d.toString()));
    return { child, stdout: () => out };
  }

  async function camsweep(args: string[], env: NodeJS.ProcessEnv = {}) {
    const r = await lab.exec(process.execPath, [cli, ...args], {
      timeoutMs: 120_000,
      env: { ...process.env, ...env },
    });
    return r;
  }

  beforeAll(async () => {
    lab = await buildLab({ only: [FIXTURE] });
    mkdirSync(join(work.path, 'pki'));
    const pki = makeTestPki(join(work.path, 'pki'));
    rsyslog = rsyslogPeer(join(work.path, 'rsyslog'), SYSLOG_PORT, {
      pki,
      clientAuth: true,
      netns: lab.scannerNs,
    });
    const config = join(work.path, 'collector.yaml');
    writeFileSync(
      config,
      `events:
  delivery: { poll: 200ms, firstRetry: 300ms, maxRetry: 1s, timeout: 5s }
  syslog:
    - name: siem
      host: 127.0.0.1
      port: ${SYSLOG_PORT}
      tls: { ca: ${pki.ca}, cert: ${pki.clientCert}, key: ${pki.clientKey} }
      facility: local4
      hostname: county-collector
`,
    );
    const created = await camsweep(['collector', 'token', 'create', '--site', 'lab', '--db', dbFile]);
    expect(created.code, created.stderr).toBe(0);
    token = created.stdout.trim();
    const hook = await camsweep([
      'collector',
      'webhook',
      'add',
      '--url',
      `http://127.0.0.1:${HOOK_PORT}/hook`,
      '--db',
      dbFile,
    ]);
    expect(hook.code, hook.stderr).toBe(0);
    secret = hook.stdout.trim();
    const collector = background([
      process.execPath,
      cli,
      'collector',
      '--listen',
      '127.0.0.1:18443',
      '--db',
      dbFile,
      '--config',
      config,
    ]);
    await until(
      'the collector to listen',
      () => /collector listening on/.test(collector.stdout()),
      30_000,
      () => collectorErr,
    );
    db = await openDatabase(dbFile);
  }, 180_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await rsyslog?.stop();
    await db?.close();
    await lab?.down();
    work.remove();
  });

  const deliveries = async () => [
    ...(await db.all<{ state: string; attempts: number }>('SELECT state, attempts FROM webhook_deliveries')),
    ...(await db.all<{ state: string; attempts: number }>('SELECT state, attempts FROM sink_deliveries')),
  ];
  const hooks = (): Hook[] => {
    try {
      return readFileSync(hooksFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Hook);
    } catch {
      return [];
    }
  };

  it('delivers the new covered device to rsyslog and the webhook exactly once each, after both were down', async () => {
    const device = lab.devices[0]!;
    const scan = await camsweep(
      ['scan', device.ip, '--format', 'json', '--site', 'lab', '--push', COLLECTOR],
      {
        CAMSWEEP_TOKEN: token,
      },
    );
    expect(scan.stderr).toMatch(/delivered to the collector/);
    expect(scan.code, scan.stderr.slice(-2000)).toBe(3);
    const covered = (
      JSON.parse(scan.stdout) as { devices: { ip: string; verdict: string }[] }
    ).devices.filter((d) => d.verdict === 'covered');
    expect(covered.map((d) => d.ip)).toEqual([device.ip]);

    // Stored and queued; both receivers are down, so both deliveries fail and wait.
    const [event] = await db.all<{ id: number; kind: string }>('SELECT id, kind FROM outbox_events');
    expect(event).toMatchObject({ kind: 'device.new' });
    await until(
      'failed attempts at both receivers',
      async () => {
        const d = await deliveries();
        return d.length === 2 && d.every((x) => x.state === 'pending' && x.attempts >= 2);
      },
      30_000,
      () => collectorErr,
    );

    await rsyslog.start();
    const receiver = join(work.path, 'receiver.mjs');
    writeFileSync(receiver, RECEIVER);
    const hook = background([process.execPath, receiver, String(HOOK_PORT), '2', hooksFile]);
    await until('the webhook receiver', () => /listening/.test(hook.stdout()), 15_000);
    await until(
      'both deliveries',
      async () => (await deliveries()).every((x) => x.state === 'delivered'),
      30_000,
      () => collectorErr,
    );
    // More polling rounds: nothing is sent twice.
    await new Promise((r) => setTimeout(r, 1500));

    const messages = rsyslog.messages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^<164>1 \S+ county-collector camsweep \d+ device\.new - CEF:0\|camsweep\|collector\|/,
    );
    expect(messages[0]).toContain(`externalId=${event!.id} cat=device.new`);
    expect(messages[0]).toContain(`cs1Label=site cs1=lab `);
    expect(messages[0]).toContain(`dst=${device.ip} dmac=${device.mac}`);
    expect(messages[0]).toContain('cs2Label=verdict cs2=covered');

    const received = hooks();
    expect(received.map((h) => h.status)).toEqual([500, 500, 200]);
    expect(new Set(received.map((h) => h.delivery)).size).toBe(1);
    const ok = received[2]!;
    expect(ok.signature).toBe(signature(secret, ok.timestamp, ok.body));
    expect(JSON.parse(ok.body)).toMatchObject({
      id: event!.id,
      type: 'device.new',
      site: 'lab',
      data: { ip: device.ip, verdict: 'covered', manufacturer: 'hikvision' },
    });
  }, 180_000);
});
