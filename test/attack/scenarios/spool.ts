/**
 * Items 3 and 8: a full disk never leaves a torn report reported as `spooled`, never leaves
 * empty temp files, and a report the collector refuses is still kept. The spool lives on a
 * 512 KiB tmpfs inside a mount namespace (`unshare -m`), so nothing outside is filled.
 * Item 8 (a report the local schema refuses) is checked on an ordinary directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context, Outcome, Scenario } from '../lib.js';
import { childScript, device, report } from '../lib.js';

export const fullDiskSpool: Scenario = {
  name: 'full-disk spool (tmpfs in a mount namespace)',
  item: '3',
  async run(ctx: Context): Promise<Outcome> {
    const dir = join(ctx.work, 'tmpfs');
    mkdirSync(dir, { recursive: true });
    const reports = ctx.quick ? 80 : 160;
    const script = [
      'set -e',
      'mount --make-rprivate /',
      `mount -t tmpfs -o size=512k,mode=0700 camsweep-attack "${dir}"`,
      `exec "${process.execPath}" "${childScript('spool-child.js')}" '${JSON.stringify({ root: ctx.root, dir, reports })}'`,
    ].join('\n');
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0)
      return { tries: 0, held: false, detail: `could not run: ${r.stderr.trim().slice(0, 300)}` };
    const s = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      outcomes: Record<string, number>;
      spooled: number;
      tornSpooled: number;
      temps: number;
      empty: number;
      lostOnRefusal: number;
      tornRejected: number;
      flushError: string;
    };
    const held =
      s.tornSpooled === 0 && s.temps === 0 && s.empty === 0 && s.lostOnRefusal === 0 && s.tornRejected === 0;
    return {
      tries: reports,
      held,
      detail: `outcomes ${JSON.stringify(s.outcomes)}; spooled but torn ${s.tornSpooled}; temp files ${s.temps}; empty files ${s.empty}; refused and lost ${s.lostOnRefusal}; torn in rejected/ ${s.tornRejected}${s.flushError ? `; flush threw: ${s.flushError}` : ''}`,
    };
  },
};

export const localReject: Scenario = {
  name: 'report refused by the local schema is kept',
  item: '8',
  async run(ctx: Context): Promise<Outcome> {
    const { createPusher } = (await import(
      pathToFileURL(`${ctx.root}/dist/src/agent/push/index.js`).href
    )) as typeof import('../../../src/agent/push/index.js');
    const { silentLogger } = (await import(
      pathToFileURL(`${ctx.root}/dist/src/core/log.js`).href
    )) as typeof import('../../../src/core/log.js');
    const spoolDir = join(ctx.work, 'local-reject-spool');
    const pusher = createPusher(
      {
        url: 'http://127.0.0.1:9',
        token: `csw_000000000000_${'A'.repeat(43)}`,
        tokenFile: null,
        ca: null,
        cert: null,
        key: null,
        spoolDir,
        spoolMaxReports: 10,
        spoolMaxBytes: 1 << 20,
        timeout: 500,
        retries: 0,
        retryInitial: 1,
        retryMax: 1,
      },
      silentLogger,
    );
    const tries = 5;
    let kept = 0;
    for (let i = 0; i < tries; i++) {
      const bad = report('site-a', [device(`10.20.0.${300 + i}`)]);
      const o = await pusher.submit(bad as never);
      const rejected = join(spoolDir, 'rejected');
      const files = existsSync(rejected) ? readdirSync(rejected) : [];
      if (
        o.status === 'rejected' &&
        files.some((f) => f.includes(String(bad.reportId)) && f.endsWith('.json'))
      )
        kept++;
    }
    await pusher.close();
    return { tries, held: kept === tries, detail: `${kept} of ${tries} refused reports found in rejected/` };
  },
};
