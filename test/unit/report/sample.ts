/** A realistic report for output tests: a covered Hikvision camera with a hostile banner, and an Axis camera. */
import type { Report } from '../../../src/contract/types.js';

export function sampleReport(): Report {
  return {
    schema: 'camsweep.report/v1',
    reportId: '3f1c2a9e-6c1b-4a51-9e53-0d4c5b7a8e21',
    agent: { id: 'box-1', site: 'city-hall', version: '0.1.0' },
    scan: {
      startedAt: '2026-11-21T07:00:00.000Z',
      finishedAt: '2026-11-21T07:01:00.000Z',
      targets: ['10.77.0.0/24'],
      probes: ['onvif', 'http'],
      rulesVersion: '2026-11-01+abc123',
      profile: 'us-local-government',
      partial: false,
      probeStatus: [
        { probe: 'onvif', outcome: 'ok', observations: 9, durationMs: 3100 },
        { probe: 'http', outcome: 'failed', observations: 0, durationMs: 12, message: 'EACCES' },
      ],
    },
    summary: { hosts: 254, devices: 2, covered: 1, suspect: 0, notCovered: 1, unknown: 0 },
    devices: [
      {
        ip: '10.77.0.20',
        mac: 'ac:cc:8e:01:02:03',
        hostnames: [],
        identity: {
          manufacturer: 'axis',
          brand: null,
          deviceType: 'camera',
          model: 'P3245-LVE',
          firmware: '10.12.1',
          serial: null,
          confidence: 0.95,
        },
        verdict: 'not-covered',
        findings: [],
        evidence: [
          { probe: 'onvif', key: 'onvif.scope.name', value: 'AXIS P3245-LVE', signature: 'axis-onvif-name' },
        ],
      },
      {
        ip: '10.77.0.10',
        mac: '58:50:ed:1f:e3:85',
        hostnames: ['=cmd|calc'],
        identity: {
          manufacturer: 'hikvision',
          brand: 'annke',
          deviceType: 'camera',
          model: 'DS-2CD2385G1-I\x1b[2J',
          firmware: 'V5.6.2build 190701',
          serial: 'DS-2CD2385G1-I20200414AAWRE33842150',
          confidence: 0.97,
        },
        verdict: 'covered',
        findings: [
          {
            rule: 'us-2cfr-200-216',
            title: 'Prohibition on certain telecommunications and video surveillance services or equipment',
            citation: '2 CFR 200.216',
            effective: '2020-08-13',
            basis: 'manufacturer hikvision; brand annke is OEM-produced by hikvision',
            status: 'applies',
          },
        ],
        evidence: [
          {
            probe: 'http',
            key: 'http.header.server',
            value: '<script>alert(1)</script>',
            port: 80,
            path: '/',
            signature: 'hikvision-http-server',
          },
          { probe: 'onvif', key: 'onvif.scope.name', value: '=cmd|calc', signature: 'hikvision-onvif-name' },
        ],
      },
    ],
  };
}
