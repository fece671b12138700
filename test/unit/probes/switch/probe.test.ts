import { describe, expect, it } from 'vitest';
import { parseDevices, switchProbe } from '../../../../src/agent/probes/switch/index.js';
import { parseSwitchRead } from '../../../../src/agent/probes/switch/read-value.js';
import { createLedger } from '../../../../src/agent/scan/ledger.js';
import { isolated, localSubnet } from '../../../helpers/isolation.js';
import { fakeContext } from '../../../helpers/probe-context.js';

// The cases below must send nothing; should a regression make them send, it goes to addresses
// that are local to this test's own namespace, never to a network.
localSubnet('10.250.12');

describe.skipIf(!isolated)('switch probe without a usable login', () => {
  it('reports a listed switch it has no login for as failed, without sending a packet', async () => {
    const run = fakeContext(switchProbe, {
      targets: ['10.250.12.0/29'],
      config: { devices: ['10.250.12.5'] },
    });
    await switchProbe.run(run.ctx);
    expect(run.packets).toBe(0);
    expect(run.emitted).toHaveLength(1);
    const read = parseSwitchRead(String(run.emitted[0]!.value));
    expect(run.emitted[0]!.host).toBe('10.250.12.5');
    expect(read).toMatchObject({ outcome: 'failed', macs: 0 });
    expect(read!.detail).toContain('no SNMP login');
  });

  it('never repeats a credential that already failed on the device this run', async () => {
    const ledger = createLedger();
    const secrets = () => ({
      http: null,
      onvif: null,
      snmp: { communities: ['site-ro'], v3: [] },
    });
    ledger.claim('10.250.12.5', 'snmp:v2c:site-ro');
    ledger.settle('10.250.12.5', 'snmp:v2c:site-ro', false);
    const run = fakeContext(switchProbe, {
      targets: ['10.250.12.0/29'],
      config: { devices: ['10.250.12.5'] },
      secrets,
    });
    await switchProbe.run({ ...run.ctx, ledger });
    expect(run.packets).toBe(0);
    expect(parseSwitchRead(String(run.emitted[0]!.value))?.outcome).toBe('failed');
  });

  it('asks nothing outside the scan scope and stays quiet about found hosts that are not switches', async () => {
    const run = fakeContext(switchProbe, {
      targets: ['10.250.12.0/29'],
      config: { devices: ['all', '192.168.9.1'] },
      known: new Map([['10.250.12.3', new Set([80])]]),
    });
    await switchProbe.run(run.ctx);
    expect(run.packets).toBe(0);
    expect(run.emitted).toEqual([]);
  });

  it('refuses a device entry that is neither an address nor all, naming it', () => {
    expect(parseDevices(['10.0.0.1', 'ALL', '10.0.0.1'])).toEqual({ all: true, addresses: ['10.0.0.1'] });
    expect(() => parseDevices(['core-switch.local'])).toThrow(
      /core-switch\.local.*neither an IPv4 address nor all/,
    );
  });

  it('reads a switch.read value defensively', () => {
    expect(parseSwitchRead('{"outcome":"read","macs":-3,"tables":[1,"lldpRemSysDesc"]}')).toEqual({
      outcome: 'read',
      macs: 0,
      withoutAddress: 0,
      tables: ['lldpRemSysDesc'],
      detail: '',
    });
    expect(parseSwitchRead('not json')).toBeNull();
    expect(parseSwitchRead('{"outcome":"pwned"}')).toBeNull();
  });
});
