/**
 * `camsweep scan --push URL` with the agent token in CAMSWEEP_TOKEN (README, `scan --help`,
 * systemd/camsweep.env.example): the report reaches a real collector on 127.0.0.1 when the
 * config names no token, a token in the config wins over the environment, and with no token
 * anywhere the error's fix names all three places. Only the arp probe runs (sends nothing).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../../agent/commands/io.js';
import { run } from '../../../agent/commands/scan.js';
import { silentLogger } from '../../../src/core/log.js';
import { type RunningCollector, startCollector, tempDir } from '../../collector/harness.js';

const work = tempDir('camsweep-token-');
afterAll(() => work.remove());

function io(env: NodeJS.ProcessEnv): { io: CommandIO; stdout: () => string; stderr: () => string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => {
    o += d;
  });
  err.on('data', (d) => {
    e += d;
  });
  const signal = new AbortController().signal;
  return {
    io: { stdin: new PassThrough(), stdout: out, stderr: err, isTTY: false, log: silentLogger, env, signal },
    stdout: () => o,
    stderr: () => e,
  };
}

/** A config with its own spool and, optionally, a token. */
function configFile(token?: string): string {
  const dir = mkdtempSync(join(work.path, 'run-'));
  const file = join(dir, 'camsweep.yaml');
  const tokenLine = token ? `  token: ${token}\n` : '';
  writeFileSync(file, `push:\n${tokenLine}  spoolDir: ${join(dir, 'spool')}\n  retries: 0\n  timeout: 2s\n`);
  return file;
}

const scanArgs = (config: string, url: string) => [
  '--probes',
  'arp',
  '10.250.0.1',
  '--site',
  'city-hall',
  '--format',
  'json',
  '--config',
  config,
  '--push',
  url,
];

describe('CAMSWEEP_TOKEN', () => {
  let c: RunningCollector;
  beforeAll(async () => {
    c = await startCollector(join(mkdtempSync(join(tmpdir(), 'camsweep-token-db-')), 'c.db'));
  });
  afterAll(() => c.stop());

  const stored = async (reportId: string) =>
    (await c.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM scans WHERE report_id = ?', [reportId]))?.n;

  it('authenticates the push when the config names no token', async () => {
    const t = io({ CAMSWEEP_TOKEN: c.token });
    const code = await run(scanArgs(configFile(), c.url), t.io);
    expect(t.stderr()).toBe('');
    expect(code).toBe(0);
    expect(Number(await stored(JSON.parse(t.stdout()).reportId))).toBe(1);
  });

  it('loses to push.token in the config', async () => {
    const t = io({ CAMSWEEP_TOKEN: c.token });
    const wrong = `csw_000000000000_${'A'.repeat(43)}`;
    expect(await run(scanArgs(configFile(wrong), c.url), t.io)).toBe(1);
    expect(t.stderr()).toMatch(/kept in the spool.*401/s);
    expect(Number(await stored(JSON.parse(t.stdout()).reportId))).toBe(0);
  });

  it('with no token anywhere, refuses and names the three places a token can come from', async () => {
    await expect(run(scanArgs(configFile(), c.url), io({}).io)).rejects.toMatchObject({
      code: 'E_CONFIG',
      fix: expect.stringMatching(/push\.tokenFile.*push\.token.*CAMSWEEP_TOKEN/),
    });
  });
});
