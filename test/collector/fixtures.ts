/**
 * Reports shaped like the lab's devices (test/fixtures/devices/*): a Hikvision camera whose
 * values come from the DS-2CD2385G1-I fixture, a Dahua NVR, an Axis camera and an unidentified
 * host. One Hikvision evidence value and a host name are hostile markup, as a device may send.
 */
import { randomUUID } from 'node:crypto';
import { type Device, type Report, UNKNOWN_IDENTITY } from '../../src/contract/types.js';

export const XSS_BANNER = '<script>alert(1)</script>';
export const XSS_HOSTNAME = '<img src=x onerror=alert(2)>';
export const FORMULA_MODEL = '=HYPERLINK("http://evil.invalid","x")';

const NDAA = {
  rule: 'us-ndaa-889',
  title: 'NDAA FY2019 §889: covered telecommunications and video surveillance equipment',
  citation: 'Pub. L. 115-232, §889(f)(3)(B); 2 CFR 200.216',
  effective: '2019-08-13',
  basis: 'manufacturer hikvision is a covered entity named in §889(f)(3)(B)',
  status: 'applies' as const,
};

export function hikvisionCamera(overrides: Partial<Device> = {}): Device {
  return {
    ip: '10.20.0.64',
    mac: '58:50:ed:1f:e3:85',
    hostnames: ['cam-lobby.local', XSS_HOSTNAME],
    identity: {
      manufacturer: 'hikvision',
      brand: null,
      deviceType: 'camera',
      model: 'DS-2CD2385G1-I',
      firmware: 'V5.6.2 build 190701',
      serial: 'DS-2CD2385G1-I20190715AAWRD12345678',
      confidence: 0.97,
    },
    verdict: 'covered',
    findings: [NDAA],
    evidence: [
      {
        probe: 'http',
        key: 'http.header.server',
        value: 'App-webs/',
        port: 80,
        signature: 'hikvision-http-server',
      },
      {
        probe: 'sadp',
        key: 'sadp.DeviceDescription',
        value: 'DS-2CD2385G1-I',
        signature: 'hikvision-sadp-description',
      },
      {
        probe: 'onvif',
        key: 'onvif.scope.hardware',
        value: 'DS-2CD2385G1-I',
        signature: 'onvif-hardware-model',
      },
      { probe: 'arp', key: 'mac.oui.org', value: 'Hangzhou Hikvision Digital Technology Co.,Ltd.' },
      { probe: 'tcp', key: 'ftp.banner', value: XSS_BANNER, port: 21 },
    ],
    ...overrides,
  };
}

export function dahuaNvr(overrides: Partial<Device> = {}): Device {
  return {
    ip: '10.20.0.70',
    mac: '3c:ef:8c:12:34:56',
    hostnames: [],
    identity: {
      manufacturer: 'dahua',
      brand: null,
      deviceType: 'nvr',
      model: 'DH-NVR4108HS-8P-4KS2',
      firmware: 'V4.001.0000000.1',
      serial: '6J0ABCDEF123456',
      confidence: 0.95,
    },
    verdict: 'covered',
    findings: [{ ...NDAA, basis: 'manufacturer dahua is a covered entity named in §889(f)(3)(B)' }],
    evidence: [{ probe: 'dhip', key: 'dhip.Vendor', value: 'Dahua', signature: 'dahua-dhip-vendor' }],
    ...overrides,
  };
}

export function axisCamera(overrides: Partial<Device> = {}): Device {
  return {
    ip: '10.20.0.80',
    mac: 'ac:cc:8e:01:02:03',
    hostnames: [],
    identity: {
      manufacturer: 'axis',
      brand: null,
      deviceType: 'camera',
      model: FORMULA_MODEL,
      firmware: '10.12.1',
      serial: 'ACCC8E010203',
      confidence: 0.9,
    },
    verdict: 'not-covered',
    findings: [],
    evidence: [{ probe: 'http', key: 'http.header.server', value: 'axis', port: 80, signature: 'axis-http' }],
    ...overrides,
  };
}

export function unknownHost(ip = '10.20.0.90'): Device {
  return {
    ip,
    mac: null,
    hostnames: [],
    identity: UNKNOWN_IDENTITY,
    verdict: 'unknown',
    findings: [],
    evidence: [{ probe: 'tcp', key: 'tcp.open', value: '443', port: 443 }],
  };
}

export function makeReport(
  devices: readonly Device[],
  options: { site?: string; at?: string; agent?: string } = {},
): Report {
  const at = options.at ?? new Date().toISOString();
  const count = (v: string) => devices.filter((d) => d.verdict === v).length;
  return {
    schema: 'camsweep.report/v1',
    reportId: randomUUID(),
    agent: { id: options.agent ?? 'agent-1', site: options.site ?? 'city-hall', version: '0.1.0' },
    scan: {
      startedAt: new Date(Date.parse(at) - 60_000).toISOString(),
      finishedAt: at,
      targets: ['10.20.0.0/24'],
      probes: ['arp', 'tcp', 'http', 'onvif', 'sadp', 'dhip'],
      rulesVersion: '2025.06.1',
    },
    summary: {
      hosts: devices.length,
      devices: devices.length,
      covered: count('covered'),
      suspect: count('suspect'),
      notCovered: count('not-covered'),
      unknown: count('unknown'),
    },
    devices,
  };
}

/** The lab-shaped site: one of each kind. */
export function labReport(options: { site?: string; at?: string } = {}): Report {
  return makeReport([hikvisionCamera(), dahuaNvr(), axisCamera(), unknownHost()], options);
}

const SWITCH = { switch: '10.77.0.5', switchName: 'core-sw-lab' } as const;
const obs = (key: string, value: string, probe: string, port?: number) => ({
  host: '10.77.0.31',
  key,
  value,
  probe,
  at: '2026-06-01T02:00:00.000Z',
  ...(port !== undefined ? { port } : {}),
});

/**
 * The switch lab's outcome (test/fixtures/switch-lab) as pushed: two Hikvision units on a VLAN
 * the agent cannot reach, located by the core switch, an unidentified lan host whose greetings
 * were recorded (one hostile), and the coverage section naming the unreachable VLAN.
 */
export function switchLabReport(options: { site: string; at: string }): Report {
  const covered = hikvisionCamera({
    ip: '10.79.0.64',
    mac: '58:50:ed:79:00:40',
    hostnames: [],
    identity: { ...hikvisionCamera().identity, model: 'DS-2CD2143G2-I', firmware: null, serial: null },
    location: { ...SWITCH, port: '1/1/7', portAlias: 'cam lobby', vlan: 79 },
  });
  const suspect = hikvisionCamera({
    ip: '10.79.0.65',
    mac: '44:19:b6:79:00:41',
    hostnames: [],
    identity: { ...UNKNOWN_IDENTITY, manufacturer: 'hikvision', confidence: 0.3 },
    verdict: 'suspect',
    evidence: [
      { probe: 'switch', key: 'mac.oui.org', value: 'Hangzhou Hikvision Digital Technology Co.,Ltd.' },
    ],
    location: { ...SWITCH, port: '1/1/8', portAlias: 'cam yard', vlan: 79 },
  });
  const unknown: Device = {
    ...unknownHost('10.77.0.31'),
    mac: '00:1b:21:77:00:1f',
    observations: [
      obs('tcp.open', '22', 'tcp', 22),
      obs('tcp.open', '23', 'tcp', 23),
      obs('ssh.banner', 'SSH-2.0-dropbear_2019.78', 'tcp', 22),
      obs('telnet.banner', XSS_BANNER, 'tcp', 23),
      obs('snmp.sysDescr', 'Linux gateway 4.9.37 #1 SMP armv7l', 'snmp', 161),
      obs('mac.oui.org', 'Intel Corporate', 'arp'),
    ],
    location: { ...SWITCH, port: '1/1/31', vlan: 1 },
  };
  const report = makeReport([covered, suspect, unknown], { site: options.site, at: options.at });
  return {
    ...report,
    coverage: {
      subnets: [
        {
          target: '10.77.0.0/24',
          inScope: 253,
          answered: 3,
          neighbours: 3,
          viaSwitch: 0,
          silent: 250,
          local: true,
          reachedBy: ['onvif', 'tcp', 'switch'],
          connects: 'answered',
        },
        {
          target: '10.79.0.0/24',
          inScope: 254,
          answered: 0,
          neighbours: 0,
          viaSwitch: 2,
          silent: 254,
          local: false,
          reachedBy: ['tcp', 'switch'],
          connects: 'all-unreachable',
        },
      ],
      probeTrouble: [],
      switches: [
        { address: '10.77.0.5', outcome: 'read', macs: 5, macsWithoutAddress: 2, tables: ['dot1qTpFdbPort'] },
      ],
      blindSpots: [
        {
          kind: 'unreachable',
          subject: '10.79.0.0/24',
          detail: 'the agent has no route to 10.79.0.0/24 (every connect failed as unreachable)',
        },
      ],
    },
  };
}
