import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AgentStatus,
  formatStatus,
  isAlive,
  readStatus,
  statusPath,
  writeStatus,
} from '../../../src/agent/daemon/status.js';

const dir = mkdtempSync(join(tmpdir(), 'camsweep-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const now = Date.parse('2025-06-10T12:00:00.000Z');
const status: AgentStatus = {
  schema: 'camsweep.agent-status/v1',
  pid: process.pid,
  version: '0.1.0',
  configFile: '/etc/camsweep/camsweep.yaml',
  startedAt: '2025-06-10T06:00:00.000Z',
  updatedAt: '2025-06-10T11:59:00.000Z',
  state: 'idle',
  schedule: ['6h'],
  nextScanAt: '2025-06-10T14:00:00.000Z',
  lastScan: {
    reportId: 'r1',
    startedAt: '2025-06-10T08:00:00.000Z',
    finishedAt: '2025-06-10T08:03:00.000Z',
    outcome: 'partial',
    devices: 12,
    covered: 3,
    suspect: 1,
    heardPassively: 2,
  },
  spoolDepth: 4,
  passive: { listening: ['onvif@eth0', 'mdns@eth0'], hostsHeard: 1, lastHeardAt: '2025-06-10T11:00:00.000Z' },
  lastReload: {
    at: '2025-06-10T09:00:00.000Z',
    ok: false,
    message: '/etc/camsweep/camsweep.yaml:7 scan.rate: must be a whole number\u001b[2J',
  },
};

describe('agent status file', () => {
  it('round-trips through the state directory', () => {
    const file = statusPath(dir);
    writeStatus(file, status);
    expect(readStatus(file)).toEqual(status);
    expect(readStatus(join(dir, 'missing.json'))).toBeNull();
  });

  it('shows the last scan, the next one, the spool depth and a failed reload', () => {
    const text = formatStatus(status, true, now);
    expect(text).toContain('agent:       idle');
    expect(text).toMatch(/last scan:\s+partial, started 2025-06-10T08:00:00.000Z \(4\.0h ago\)/);
    expect(text).toContain('12 devices, 3 covered, 1 suspect, 2 heard only from announcements');
    expect(text).toMatch(/next scan:\s+2025-06-10T14:00:00.000Z \(in 2\.0h\)/);
    expect(text).toContain('4 report(s) waiting for the collector');
    expect(text).toContain('FAILED, old config kept: /etc/camsweep/camsweep.yaml:7 scan.rate');
    expect(text).not.toContain('\u001b'); // terminal escapes from any string are neutralised
  });

  it('says when the agent is not running, rather than showing a stale next scan', () => {
    const text = formatStatus(status, false, now);
    expect(text).toContain('not running (last state: idle)');
    expect(text).toContain('next scan:   (agent not running)');
  });

  it('knows whether a pid is alive', () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(2 ** 22 + 12345)).toBe(false);
  });
});
