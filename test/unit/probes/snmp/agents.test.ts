/**
 * The snmp probe against real agents — Debian's snmpd playing a Hikvision NVR and snmpsim
 * playing a Dahua NVR, through the lab sims — and against hostile UDP servers that send a
 * real net-snmp session malformed, truncated and oversized replies.
 */

import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snmpProbe } from '../../../../src/agent/probes/snmp/index.js';
import { isolated, localSubnet, toolsPresent } from '../../../helpers/isolation.js';
import { fakeContext } from '../../../helpers/probe-context.js';
import { start as snmpd } from '../../../lab/sims/snmpd.js';
import { start as snmpsim } from '../../../lab/sims/snmpsim.js';
import type { RunningSim, SimContext } from '../../../lab/sims/types.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/devices');
const tools = toolsPresent(['snmpd', 'snmpsimd'], 'snmpd snmpsim');

const log: string[] = [];
const ctxFor = (fixture: string, ip: string, spec: Record<string, unknown>, dir?: string): SimContext => ({
  fixtureDir: dir ?? join(FIXTURES, fixture),
  spec,
  ip,
  iface: 'lo',
  mac: '00:00:00:00:00:01',
  log: (m) => log.push(m),
});

const running: RunningSim[] = [];
const hostile: Socket[] = [];

/** A UDP "agent" answering every datagram with whatever `reply` makes of it. */
function hostileAgent(ip: string, reply: (request: Buffer, n: number) => Buffer[]): Promise<void> {
  const s = createSocket('udp4');
  hostile.push(s);
  let n = 0;
  s.on('message', (msg, rinfo) => {
    for (const out of reply(msg, n++)) s.send(out, rinfo.port, rinfo.address);
  });
  return new Promise((r) => s.bind(161, ip, () => r()));
}

describe.skipIf(!isolated || !tools)('snmp probe against real agents', () => {
  beforeAll(async () => {
    localSubnet('10.250.2');
    running.push(await snmpd(ctxFor('hikvision-ds-7608ni-k2', '10.250.2.50', { conf: 'snmp/snmpd.conf' })));
    running.push(
      await snmpd(
        ctxFor('hikvision-ds-7608ni-k2', '10.250.2.51', {
          conf: 'snmp/snmpd.conf',
          community: 'not-guessable-7f3a',
          v3: { user: 'camsweep', password: 'lab-only-v3-secret' },
        }),
      ),
    );
    running.push(
      await snmpsim(ctxFor('dahua-nvr4108hs-8p-4ks2', '10.250.2.108', { data: 'snmp/public.snmprec' })),
    );
    // A long vendor subtree, to check the walk stays bounded.
    const long = mkdtempSync(join(tmpdir(), 'camsweep-snmp-long-'));
    const rows = ['1.3.6.1.2.1.1.1.0|4|DH-XVR-LONG'];
    for (let i = 1; i <= 500; i++) rows.push(`1.3.6.1.4.1.1004849.2.9.${i}.0|2|${i}`);
    writeFileSync(join(long, 'walk.snmprec'), `${rows.join('\n')}\n`);
    running.push(await snmpsim(ctxFor('', '10.250.2.109', { data: 'walk.snmprec' }, long)));

    // Hostile replies: garbage, a truncated SNMP header, an oversized blob, a BER length bomb,
    // and a reply echoing the request id but with a broken PDU.
    await hostileAgent('10.250.2.20', () => [Buffer.from('not snmp at all')]);
    await hostileAgent('10.250.2.21', (req) => [req.subarray(0, Math.floor(req.length / 2))]);
    await hostileAgent('10.250.2.22', () => [Buffer.alloc(60_000, 0x30)]);
    await hostileAgent('10.250.2.23', () => [
      Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01]),
    ]);
    await hostileAgent('10.250.2.24', (req) => {
      const r = Buffer.from(req);
      const pdu = r.indexOf(0xa1) !== -1 ? r.indexOf(0xa1) : r.indexOf(0xa5);
      if (pdu > 0) r[pdu] = 0xa2; // turn the request into a "response" with the request's (empty) values
      return [r, Buffer.concat([r, Buffer.alloc(10, 0xff)])];
    });
  });

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    for (const s of hostile) s.close();
  });

  it('reads Hikvision and Dahua identity from snmpd and snmpsim, and stays silent elsewhere', async () => {
    const silent = ['10.250.2.20', '10.250.2.21', '10.250.2.22', '10.250.2.23', '10.250.2.24', '10.250.2.30'];
    const hosts = ['10.250.2.50', '10.250.2.108', ...silent];
    const run = fakeContext(snmpProbe, {
      targets: ['10.250.2.0/24'],
      known: new Map(hosts.map((h) => [h, new Set<number>()])),
      config: { timeout: 300, retries: 0 },
      timeoutMs: 20_000,
    });
    const started = Date.now();
    await snmpProbe.run(run.ctx);
    expect(Date.now() - started).toBeLessThan(10_000);
    const of = (host: string) =>
      Object.fromEntries(run.emitted.filter((o) => o.host === host).map((o) => [o.key, String(o.value)]));
    const hik = of('10.250.2.50');
    expect(hik['snmp.sysDescr']).toBe('Hikvision company products');
    expect(hik['snmp.sysObjectID']).toBe('1.3.6.1.4.1.50001');
    expect(hik['snmp.sysName']).toBe('DS-7608NI-K2');
    expect(hik['snmp.oid.1.3.6.1.4.1.50001.1.3.0']).toBe('0820160719AARR624053979WCVU');
    const dahua = of('10.250.2.108');
    expect(dahua['snmp.sysDescr']).toBe('DH-NVR4108HS-8P-4KS2');
    expect(dahua['snmp.sysObjectID']).toBe('1.3.6.1.4.1.1004849.3.2.10');
    expect(dahua['snmp.oid.1.3.6.1.4.1.1004849.2.1.2.4.0']).toBe('2M00D2APAZTL62J');
    for (const h of silent) expect(of(h)).toEqual({});
    expect(run.refused).toEqual([]);
  });

  it('walks vendor subtrees only as far as walkLimit allows', async () => {
    const run = fakeContext(snmpProbe, {
      targets: ['10.250.2.109'],
      known: new Map([['10.250.2.109', new Set<number>()]]),
      config: { timeout: 500, retries: 0, walkLimit: 40 },
    });
    await snmpProbe.run(run.ctx);
    const vendor = run.emitted.filter((o) => o.key.startsWith('snmp.oid.1.3.6.1.4.1.1004849.'));
    expect(vendor).toHaveLength(40);
    expect(run.emitted.find((o) => o.key === 'snmp.sysDescr')?.value).toBe('DH-XVR-LONG');
  });

  it('uses the communities and SNMPv3 users the credentials file gives the host', async () => {
    const known = new Map([['10.250.2.51', new Set<number>()]]);
    const base = { targets: ['10.250.2.51'], known, timeoutMs: 10_000 };
    const config = { timeout: 300, retries: 0 };
    const without = fakeContext(snmpProbe, { ...base, config });
    await snmpProbe.run(without.ctx);
    expect(without.emitted).toEqual([]);
    const v3 = {
      username: 'camsweep',
      authProtocol: 'sha',
      authKey: 'lab-only-v3-secret',
      privProtocol: 'aes',
      privKey: 'lab-only-v3-secret',
    } as const;
    const secrets = (snmp: { communities: string[]; v3: (typeof v3)[] }) => () => ({
      http: null,
      onvif: null,
      snmp,
    });
    const byCommunity = fakeContext(snmpProbe, {
      ...base,
      config,
      secrets: secrets({ communities: ['not-guessable-7f3a'], v3: [] }),
    });
    await snmpProbe.run(byCommunity.ctx);
    expect(byCommunity.emitted.find((o) => o.key === 'snmp.sysDescr')?.value).toBe(
      'Hikvision company products',
    );
    const withSecret = fakeContext(snmpProbe, {
      ...base,
      config,
      secrets: secrets({ communities: [], v3: [v3] }),
    });
    await snmpProbe.run(withSecret.ctx);
    expect(withSecret.emitted.find((o) => o.key === 'snmp.sysDescr')?.value).toBe(
      'Hikvision company products',
    );
  });
});
