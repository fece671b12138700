/**
 * The Debian package (`npm run package:deb`), as an on-prem admin meets it: what it holds and
 * leaves out, lintian's verdict, the packaged binary run by the system's node from a plain
 * `dpkg-deb -x` root, and a real `apt-get install ./camsweep_*.deb` then purge inside a private
 * mount namespace whose /etc, /usr and /var are throw-away overlays (the host is untouched).
 */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const isRoot = process.getuid?.() === 0;
const skipReason = !has('dpkg-deb') ? 'dpkg-deb is not installed (not a Debian system)' : null;
if (skipReason && !inCI) console.warn(`skipping the .deb tests: ${skipReason}`);

const work = mkdtempSync(join(tmpdir(), 'camsweep-deb-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const deb = join(work, `camsweep_${VERSION}_all.deb`);

function run(cmd: string, args: string[], options: { input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 180_000, ...options });
}

/** Runs a command to completion without blocking the event loop (lintian takes a minute). */
function runAsync(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe.skipIf(skipReason !== null && !inCI)('camsweep .deb', () => {
  let lintian: Promise<{ code: number | null; out: string }> | null = null;
  let listing = '';

  beforeAll(() => {
    const built = run('node', [join(ROOT, '.ci/package.mjs'), 'deb', '--out', work]);
    expect(built.stderr).toBe('');
    expect(built.stdout.trim()).toBe(deb);
    listing = run('dpkg-deb', ['--contents', deb]).stdout;
    if (has('lintian')) lintian = runAsync('lintian', ['--no-cfg', '--tag-display-limit', '0', deb]);
  }, 120_000);

  it('holds the agent, its units, /etc/camsweep conffiles and its own dependencies, and no collector', () => {
    const paths = listing.split('\n').map((l) => l.replace(/^.*? \.\//, '/').replace(/ -> .*$/, ''));
    for (const expected of [
      '/usr/bin/camsweep',
      '/usr/lib/camsweep/dist/agent/cli.js',
      '/lib/systemd/system/camsweep-agent.service',
      '/lib/systemd/system/camsweep-scan.service',
      '/lib/systemd/system/camsweep-scan.timer',
      '/etc/camsweep/camsweep.yaml',
      '/etc/camsweep/camsweep.env',
      '/usr/lib/camsweep/signatures/generic/web-servers.jsonl',
      '/usr/lib/camsweep/node_modules/undici/package.json',
      '/usr/lib/camsweep/node_modules/net-snmp/package.json',
      '/usr/share/doc/camsweep/copyright',
    ])
      expect(paths).toContain(expected);
    for (const path of paths)
      expect(path).not.toMatch(
        /\/src\/collector\/|\/commands\/collector\.js|node_modules\/(better-sqlite3|fastify|pg|eta|@fastify|vitest|typescript)\//,
      );
    expect(listing).toMatch(
      /^lrwxrwxrwx root\/root .* \.\/usr\/bin\/camsweep -> \.\.\/lib\/camsweep\/dist\/agent\/cli\.js$/m,
    );
    expect(listing).toMatch(/^-rw------- root\/root .* \.\/etc\/camsweep\/camsweep\.env$/m);

    const control = run('dpkg-deb', ['--field', deb]).stdout;
    expect(control).toMatch(/^Depends: nodejs \(>= 20\)/m);
    expect(control).toMatch(/^Architecture: all$/m);
    const info = join(work, 'control');
    run('dpkg-deb', ['--control', deb, info]);
    expect(readFileSync(join(info, 'conffiles'), 'utf8').trim().split('\n').sort()).toEqual([
      '/etc/camsweep/camsweep.env',
      '/etc/camsweep/camsweep.yaml',
    ]);
    for (const script of ['postinst', 'prerm', 'postrm']) {
      const syntax = run('sh', ['-n', join(info, script)]);
      expect(syntax.stderr, script).toBe('');
      expect(syntax.status, script).toBe(0);
    }
    // A scanner must not start scanning because it was installed.
    expect(readFileSync(join(info, 'postinst'), 'utf8')).not.toMatch(
      /systemctl (enable|start)|deb-systemd-invoke start/,
    );
  });

  it('the packaged binary runs with the system node from an unpacked root: --version, verify, no collector', () => {
    const root = join(work, 'root');
    expect(run('dpkg-deb', ['-x', deb, root]).status).toBe(0);
    const cli = join(root, 'usr/lib/camsweep/dist/agent/cli.js');
    const node = has('/usr/bin/node') ? '/usr/bin/node' : 'node';
    expect(run(node, [cli, '--version']).stdout).toBe(`${VERSION}\n`);
    const verify = run(node, [cli, 'verify']);
    expect(verify.stdout).toMatch(/[1-9]\d* generic observations.*no problems/);
    expect(verify.status).toBe(0);
    const collector = run(node, [cli, 'collector']);
    expect(collector.status).toBe(2);
    expect(collector.stderr).toMatch(/camsweep collector is not part of this installation.*better-sqlite3/);
  });

  it.runIf(isRoot || inCI)(
    'apt-get install ./camsweep_*.deb creates the user and /etc/camsweep; purge removes them (overlay root)',
    async () => {
      const layers = join(work, 'overlay');
      const script = join(work, 'install.sh');
      writeFileSync(
        script,
        `set -e
mount --make-rprivate /
for d in etc usr var; do
  mkdir -p "${layers}/$d-up" "${layers}/$d-work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=${layers}/$d-up,workdir=${layers}/$d-work" "/$d"
done
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q "${deb}" >/dev/null
echo "status: $(dpkg-query -W -f='\${db:Status-Status}' camsweep)"
echo "user: $(getent passwd camsweep | cut -d: -f1,7)"
echo "token: $(stat -c '%a %U' /etc/camsweep/agent.token)"
echo "units: $(ls /lib/systemd/system/ | grep -c '^camsweep-')"
echo "version: $(camsweep --version)"
apt-get purge -y -q camsweep >/dev/null
echo "after purge: $(dpkg-query -W -f='\${db:Status-Status}' camsweep 2>/dev/null || echo gone) $(getent passwd camsweep || echo no-user) $(ls -d /etc/camsweep 2>/dev/null || echo no-etc)"
`,
      );
      // -m: a private mount namespace, so the overlays (and the install) vanish with it.
      // Async, so lintian (started in beforeAll) keeps running meanwhile.
      const r = await runAsync('unshare', ['-m', 'sh', script]);
      expect(r.out).not.toMatch(/^E: /m);
      expect(r.out).toContain('status: installed');
      expect(r.out).toContain('user: camsweep:/usr/sbin/nologin');
      expect(r.out).toContain('token: 600 root');
      expect(r.out).toContain('units: 3');
      expect(r.out).toContain(`version: ${VERSION}`);
      expect(r.out).toMatch(/after purge: (not-installed|config-files|gone) no-user no-etc/);
      expect(r.code).toBe(0);
      // The host itself never saw the package or the user.
      expect(run('getent', ['passwd', 'camsweep']).status).not.toBe(0);
    },
    180_000,
  );
  it('lintian finds no error (warnings are printed)', async () => {
    if (!lintian) {
      if (inCI) expect.fail('lintian is not installed (apt-get install lintian; it is in .ci/apt-packages)');
      console.warn('lintian not installed: skipped the lintian check');
      return;
    }
    const { out } = await lintian;
    const lines = out.split('\n').filter((l) => /^[EW]: /.test(l));
    if (lines.length > 0) console.log(`lintian:\n${lines.join('\n')}`);
    expect(lines.filter((l) => l.startsWith('E: '))).toEqual([]);
  }, 180_000);
});
