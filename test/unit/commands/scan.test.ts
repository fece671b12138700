/**
 * `camsweep scan` driven in-process. Only the arp probe runs (it reads the kernel's neighbour
 * table and sends nothing), so these tests exercise the command's plumbing — config, output,
 * exit codes, push — without touching any network.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CommandIO } from '../../../agent/commands/io.js';
import { run } from '../../../agent/commands/scan.js';
import { checkReport } from '../../../src/contract/report-schema.js';
import { CamsweepError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/log.js';

function io(signal = new AbortController().signal): {
  io: CommandIO;
  stdout: () => string;
  stderr: () => string;
} {
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
  return {
    io: {
      stdin: new PassThrough(),
      stdout: out,
      stderr: err,
      isTTY: false,
      log: silentLogger,
      env: {},
      signal,
    },
    stdout: () => o,
    stderr: () => e,
  };
}

const quiet = ['--probes', 'arp', '10.250.0.1'];

describe('camsweep scan (in-process)', () => {
  it('writes a schema-valid JSON report to --out and exits 0 when nothing is covered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camsweep-scan-'));
    const t = io();
    const code = await run([...quiet, '--out', join(dir, 'report.json'), '--site', 'city-hall'], t.io);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(checkReport(report)).toEqual([]);
    expect(report.agent.site).toBe('city-hall');
    expect(report.scan.targets).toEqual(['10.250.0.1']);
    expect(report.scan.probes).toEqual(['arp']);
    expect(t.stdout()).toBe('');
  });

  it('refuses a public target without --allow-public, before any probe runs', async () => {
    const err = await run(['--probes', 'arp', '10.0.0.1', '203.0.113.9'], io().io).catch((e) => e);
    expect(err).toBeInstanceOf(CamsweepError);
    expect((err as CamsweepError).code).toBe('E_SCOPE_PUBLIC');
    expect((err as CamsweepError).exitCode).toBe(2);
  });

  it('names a bad flag value and an unknown probe as usage errors', async () => {
    const bad = await run(['--rate', 'fast', '10.0.0.1'], io().io).catch((e) => e);
    expect((bad as Error).message).toContain('flag scan.rate: must be a whole number');
    const unknown = await run(['--probes', 'nmap', '10.0.0.1'], io().io).catch((e) => e);
    expect((unknown as CamsweepError).code).toBe('E_USAGE');
    expect((unknown as Error).message).toContain('unknown probe "nmap"');
  });

  it('on Ctrl-C still writes the partial report, marked partial, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camsweep-abort-'));
    const controller = new AbortController();
    const t = io(controller.signal);
    // The onvif probe listens for replies for seconds; abort while it does.
    setTimeout(() => controller.abort(new Error('received SIGINT')), 300);
    const started = Date.now();
    const code = await run(['--probes', 'onvif,arp', '10.250.0.1', '--out', join(dir, 'partial.json')], t.io);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(code).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'partial.json'), 'utf8'));
    expect(checkReport(report)).toEqual([]);
    expect(report.scan.partial).toBe(true);
    const status = Object.fromEntries(
      report.scan.probeStatus.map((p: { probe: string; outcome: string }) => [p.probe, p.outcome]),
    );
    expect(status).toEqual({ onvif: 'aborted', arp: 'skipped' });
  });

  it('keeps the report in the spool, says why on stderr and exits 1 when the collector is unreachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camsweep-push-'));
    const spool = join(dir, 'spool');
    const config = join(dir, 'camsweep.yaml');
    writeFileSync(config, `push:\n  token: test-token\n  spoolDir: ${spool}\n  retries: 0\n  timeout: 2s\n`);
    const t = io();
    // Port 9 on loopback: nothing listens there inside the test namespace, so the connect is refused.
    const code = await run(
      [...quiet, '--format', 'json', '--config', config, '--push', 'http://127.0.0.1:9'],
      t.io,
    );
    expect(code).toBe(1);
    expect(t.stderr()).toMatch(/kept in the spool/);
    const report = JSON.parse(t.stdout());
    const spooled = readdirSync(spool).filter((f) => f.includes(report.reportId));
    expect(spooled.length).toBeGreaterThan(0);
  });
});
