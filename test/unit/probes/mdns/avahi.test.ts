/**
 * The mdns probe against a real responder: Debian's avahi-daemon, through the lab's avahi
 * sim, in a device namespace joined to the test namespace by a veth pair (avahi ignores
 * loopback; a veth within one namespace would drop our own multicast as martian, §7.1).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mdnsProbe } from '../../../../src/agent/probes/mdns/index.js';
import { isolated, toolsPresent } from '../../../helpers/isolation.js';
import { fakeContext } from '../../../helpers/probe-context.js';
import { prepareAvahi, runAvahi } from '../../../lab/sims/avahi.js';
import type { Daemon } from '../../../lab/sims/snmpd.js';

const tools = toolsPresent(['avahi-daemon', 'ip'], 'avahi-daemon iproute2');

const id = randomBytes(3).toString('hex');
const NS = `csm${id}-dev`;
const LOCAL = `csm${id}a`;
const log: string[] = [];
let daemon: Daemon | null = null;
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

describe.skipIf(!isolated || !tools)('mdns probe against avahi-daemon', () => {
  beforeAll(async () => {
    ip('netns', 'add', NS);
    ip('link', 'add', LOCAL, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS);
    ip('addr', 'add', '10.250.5.1/24', 'dev', LOCAL);
    ip('link', 'set', LOCAL, 'up');
    ip('-n', NS, 'link', 'set', 'lo', 'up');
    ip('-n', NS, 'addr', 'add', '10.250.5.64/24', 'dev', 'eth0');
    ip('-n', NS, 'link', 'set', 'eth0', 'up');
    const ctx = {
      fixtureDir: join(import.meta.dirname, '../../../fixtures/devices/hikvision-ds-2cd2385g1-i'),
      spec: { services: 'mdns/cgi.service', hostName: 'DS-2CD2385G1-I20200414AAWRE33842150' },
      ip: '10.250.5.64',
      iface: 'eth0',
      mac: '58:50:ed:1f:e3:85',
      log: (m: string) => log.push(m),
    };
    daemon = await runAvahi(ctx, prepareAvahi(ctx), ['ip', 'netns', 'exec', NS]);
  });

  afterAll(async () => {
    await daemon?.stop();
    try {
      ip('link', 'del', LOCAL);
    } catch {
      // already gone with the namespace
    }
    try {
      ip('netns', 'del', NS);
    } catch (err) {
      console.warn(`could not delete ${NS}: ${(err as Error).message}`);
    }
  });

  it('finds the Hikvision _CGI._tcp instance with its serial SRV target and A record', async () => {
    const run = fakeContext(mdnsProbe, {
      targets: ['10.250.5.0/24'],
      interfaces: [
        { name: LOCAL, address: '10.250.5.1', prefix: 24, subnet: { first: 0x0afa0500, last: 0x0afa05ff } },
      ],
      config: { listen: 2500, requery: 500 },
    });
    await mdnsProbe.run(run.ctx);
    const facts = run.emitted.filter((o) => o.host === '10.250.5.64').map((o) => `${o.key}=${o.value}`);
    expect(facts).toContain('mdns.service=_CGI._tcp');
    expect(facts).toContain('mdns.instance=HIKVISION DS-2CD2385G1-I - E33842150');
    expect(facts).toContain('mdns.host=DS-2CD2385G1-I20200414AAWRE33842150.local');
    expect(facts).toContain('mdns.txt.path=/');
    expect(run.emitted.every((o) => o.iface === LOCAL)).toBe(true);
  }, 15_000);
});
