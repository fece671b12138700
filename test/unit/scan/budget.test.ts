import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/agent/config/config.js';
import { probes } from '../../../src/agent/probes/registry.js';
import { sizeDeadlines } from '../../../src/agent/scan/budget.js';
import { CamsweepError } from '../../../src/core/errors.js';
import { resolveScope } from '../../../src/core/scope.js';

const slash16 = resolveScope({ targets: ['10.20.0.0/16'], interfaces: [] });
const tcp = probes.filter((p) => p.id === 'tcp');

describe('deadlines sized from the work', () => {
  it('refuses a full sweep of a /16 at 1,000/s in a 10-minute scan, with the estimate, before sending', () => {
    const config = parseConfig('', 'test', { 'probes.tcp.discovery': 'full' });
    const err = (() => {
      try {
        sizeDeadlines(tcp, slash16, config);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CamsweepError);
    expect((err as CamsweepError).code).toBe('E_SCAN_TOO_LONG');
    // 65,534 addresses × 22 ports ÷ 1,000/s ≈ 24 min, plus slack.
    expect((err as Error).message).toMatch(/needs about 3\d\.\d min for 65534 addresses at 1000 packets\/s/);
    expect((err as Error).message).toMatch(/nothing was sent/);
    expect((err as CamsweepError).fix).toMatch(/--timeout|--rate/);
  });

  it('raises the sweep deadline above its default when two-phase work needs longer, within the scan timeout', () => {
    const config = parseConfig('', 'test', { 'scan.timeout': '30m', 'probes.tcp.deadline': '1m' });
    const sized = sizeDeadlines(tcp, slash16, config);
    // The default 60 s phase-1 budget fits one discovery port: 65,534 connects at 1,000/s ≈ 66 s.
    expect(sized.get('tcp')).toBeGreaterThan(66_000);
    expect(sized.get('tcp')).toBeLessThan(120_000);
    // With room for every discovery port: 65,534 × 5 ports at 1,000/s ≈ 328 s, with slack.
    const roomy = parseConfig('', 'test', {
      'scan.timeout': '30m',
      'probes.tcp.deadline': '1m',
      'probes.tcp.discoveryBudget': '10m',
    });
    expect(sizeDeadlines(tcp, slash16, roomy).get('tcp')).toBeGreaterThan(328_000);
    expect(sizeDeadlines(tcp, slash16, roomy).get('tcp')).toBeLessThan(30 * 60_000);
  });

  it('leaves a deadline alone when the work fits in it', () => {
    const config = parseConfig('', 'test', {});
    const small = resolveScope({ targets: ['10.20.0.0/24'], interfaces: [] });
    expect(sizeDeadlines(tcp, small, config).size).toBe(0);
  });
});
