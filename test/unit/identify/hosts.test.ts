import { describe, expect, it } from 'vitest';
import { hostIdentityKeys } from '../../../src/agent/probes/registry.js';
import type { Observation } from '../../../src/contract/types.js';
import { mergeObservations as mergeWith } from '../../../src/knowledge/identify/hosts.js';

const mergeObservations = (list: Observation[]) => mergeWith(list, hostIdentityKeys);

let clock = Date.parse('2026-11-21T08:00:00Z');
function obs(host: string, key: string, value: string, extra: Partial<Observation> = {}): Observation {
  clock += 1000;
  return { host, key, value, probe: key.split('.')[0]!, at: new Date(clock).toISOString(), ...extra };
}

describe('mergeObservations', () => {
  it('keeps one group per address when nothing links them, each observation intact', () => {
    const a = obs('10.0.0.5', 'tcp.open', '80', { port: 80, probe: 'tcp' });
    const b = obs('10.0.0.6', 'tcp.open', '554', { port: 554, probe: 'tcp' });
    const groups = mergeObservations([b, a]);
    expect(groups.map((g) => g.ip)).toEqual(['10.0.0.5', '10.0.0.6']);
    expect(groups[0]!.observations[0]).toBe(a);
    expect(groups[0]!.mac).toBeNull();
  });

  it('joins a device answering on two addresses through the MAC its SADP reply states', () => {
    const groups = mergeObservations([
      obs('10.0.0.64', 'mac.address', '58:50:ed:1f:e3:85', { probe: 'arp' }),
      obs('10.0.0.64', 'tcp.open', '80'),
      obs('10.0.0.64', 'tcp.open', '554'),
      obs('192.168.1.64', 'sadp.MAC', '58-50-ED-1F-E3-85'),
      obs('192.168.1.64', 'sadp.DeviceSN', 'DS-2CD2385G1-I20200414AAWRE33842150'),
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.ip).toBe('10.0.0.64'); // the address most observations came from
    expect(groups[0]!.mac).toBe('58:50:ed:1f:e3:85');
    expect(groups[0]!.observations).toHaveLength(5);
  });

  it('joins two addresses by serial when no MAC is known (mDNS SRV target vs SADP DeviceSN)', () => {
    const groups = mergeObservations([
      obs('10.0.0.20', 'mdns.host', 'DS-2CD2722FWD-IZS20170321BBWR733050075.local'),
      obs('10.0.0.21', 'sadp.DeviceSN', 'DS-2CD2722FWD-IZS20170321BBWR733050075'),
      obs('10.0.0.22', 'mdns.host', 'printer.local'),
    ]);
    expect(groups.map((g) => g.observations.length)).toEqual([2, 1]);
  });

  it('links a Dahua DHIP serial to the serial in a Digest realm', () => {
    const groups = mergeObservations([
      obs('10.0.0.30', 'dhip.SerialNo', '6C01E93PAG69A7D'),
      obs('10.0.0.31', 'rtsp.auth.realm', 'Login to 6C01E93PAG69A7D'),
    ]);
    expect(groups).toHaveLength(1);
  });

  it('splits one address used by two devices over time, each keeping the observations of its tenancy', () => {
    const first = [obs('10.0.0.9', 'mac.address', 'b4:a3:82:0f:d9:2d'), obs('10.0.0.9', 'tcp.open', '8000')];
    const second = [obs('10.0.0.9', 'dhip.mac', '08:ed:ed:87:42:7a'), obs('10.0.0.9', 'tcp.open', '37777')];
    const groups = mergeObservations([...second, ...first]);
    expect(groups).toHaveLength(2);
    const byMac = Object.fromEntries(groups.map((g) => [g.mac, g.observations.map((o) => o.value)]));
    expect(byMac['b4:a3:82:0f:d9:2d']).toEqual(['b4:a3:82:0f:d9:2d', '8000']);
    expect(byMac['08:ed:ed:87:42:7a']).toEqual(['08:ed:ed:87:42:7a', '37777']);
  });

  it('uses the MAC inside a Hikvision endpoint UUID to join the ARP entry of another address', () => {
    const groups = mergeObservations([
      obs('10.0.0.40', 'onvif.endpoint', 'urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d'),
      obs('10.0.0.41', 'mac.address', 'b4:a3:82:0f:d9:2d'),
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.mac).toBe('b4:a3:82:0f:d9:2d');
  });

  it('lets the ARP MAC win over a contradicting UUID hint, and reads no MAC from a random UUID', () => {
    const groups = mergeObservations([
      obs('10.0.0.50', 'mac.address', '3c:ef:8c:61:01:c0'),
      obs('10.0.0.50', 'onvif.endpoint', 'urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d'),
      obs('10.0.0.51', 'mac.address', 'b4:a3:82:0f:d9:2d'),
      obs('10.0.0.52', 'onvif.endpoint', 'uuid:74f7e627-c54f-49fb-84ed-6de9b7f588a5'),
    ]);
    expect(groups).toHaveLength(3);
    expect(groups.find((g) => g.ip === '10.0.0.50')!.mac).toBe('3c:ef:8c:61:01:c0');
    expect(groups.find((g) => g.ip === '10.0.0.52')!.mac).toBeNull();
  });

  it('does not fuse a subnet behind one proxy-ARP MAC, nor devices sharing a placeholder serial', () => {
    const input: Observation[] = [];
    for (let i = 1; i <= 20; i++) input.push(obs(`10.0.1.${i}`, 'mac.address', '00:11:22:33:44:55'));
    input.push(
      obs('10.0.2.1', 'onvif.device.serial', '000000000'),
      obs('10.0.2.2', 'onvif.device.serial', '000000000'),
    );
    expect(mergeObservations(input)).toHaveLength(22);
  });
});
