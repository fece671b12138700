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
