/**
 * Runs inside a mount namespace with a small tmpfs at argv[2].dir (see scenarios/spool.ts):
 * fills the spool of a pusher built from argv[2].root until the disk is full, then lets a
 * collector refuse everything, and reports what is on disk as one JSON line.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { device, report } from './lib.js';

const args = JSON.parse(process.argv[2] ?? '{}') as { root: string; dir: string; reports: number };
const { createPusher } = (await import(
  pathToFileURL(`${args.root}/dist/src/agent/push/index.js`).href
)) as typeof import('../../src/agent/push/index.js');
const { silentLogger } = (await import(
  pathToFileURL(`${args.root}/dist/src/core/log.js`).href
)) as typeof import('../../src/core/log.js');

let refuse = false;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (!refuse) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ error: 'report fails camsweep.report/v1 at /x: refused by the attack', field: '/x' }),
    );
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const spoolDir = join(args.dir, 'spool');
const pusher = createPusher(
  {
    url,
    token: `csw_000000000000_${'A'.repeat(43)}`,
    tokenFile: null,
    ca: null,
    cert: null,
    key: null,
    spoolDir,
    spoolMaxReports: 1000,
    spoolMaxBytes: 1024 * 1024 * 1024,
    timeout: 2000,
    retries: 0,
    retryInitial: 1,
    retryMax: 1,
  },
  silentLogger,
);

const bodies = new Map<string, string>();
const outcomes: Record<string, number> = {};
const spooledIds: string[] = [];
for (let i = 0; i < args.reports; i++) {
  const pad = 'x'.repeat(7000 + ((i * 977) % 1000));
  const r = report('site-a', [device(`10.20.0.${(i % 250) + 1}`, { banner: pad, model: `m${i}` })]);
  (r.devices as { evidence: object[] }[])[0]!.evidence.push(
    ...Array.from({ length: 4 }, () => ({ probe: 'tcp', key: 'ftp.banner', value: pad, port: 21 })),
  );
  bodies.set(r.reportId as string, JSON.stringify(r));
  const o = await pusher.submit(r as never);
  outcomes[o.status] = (outcomes[o.status] ?? 0) + 1;
  if (o.status === 'spooled') spooledIds.push(o.reportId);
}

function scan(dir: string) {
  const files = existsSync(dir)
    ? readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.tmp-'))
    : [];
  const all = existsSync(dir) ? readdirSync(dir) : [];
  return {
    files,
    temps: all.filter((n) => n.startsWith('.tmp-')).length,
    empty: all.filter(
      (n) =>
        !n.startsWith('.reserve') && statSync(join(dir, n)).isFile() && statSync(join(dir, n)).size === 0,
    ).length,
  };
}

/** Spooled reports whose file is missing, torn or different from what was submitted. */
function torn(dir: string, ids: readonly string[]): number {
  let bad = 0;
  const files = readdirSync(dir);
  for (const id of ids) {
    const name = files.find((f) => f.endsWith(`${id}.json`));
    if (!name) {
      bad++;
      continue;
    }
    if (readFileSync(join(dir, name), 'utf8') !== bodies.get(id)) bad++;
  }
  return bad;
}

const afterFill = scan(spoolDir);
const tornSpooled = torn(spoolDir, spooledIds);
// Now the collector refuses everything: each spooled report must move to rejected/, intact.
refuse = true;
let flushError = '';
try {
  await pusher.flush();
} catch (err) {
  flushError = (err as Error).message;
}
const rejected = scan(join(spoolDir, 'rejected'));
const stillSpooled = scan(spoolDir).files.length;
const lostOnRefusal = spooledIds.length - rejected.files.length - stillSpooled;
const tornRejected = torn(
  join(spoolDir, 'rejected'),
  spooledIds.filter((id) => rejected.files.some((f) => f.endsWith(`${id}.json`))),
);
await pusher.close();
server.close();
process.stdout.write(
  `${JSON.stringify({ outcomes, spooled: spooledIds.length, tornSpooled, temps: afterFill.temps + rejected.temps, empty: afterFill.empty + rejected.empty, lostOnRefusal, tornRejected, stillSpooled, flushError })}\n`,
);
