import { describe, expect, it } from 'vitest';
import { rulesFreshness } from '../../../src/contract/rules-as-of.js';
import { loadClassifier } from '../../../src/knowledge/classify/index.js';

describe('rules as-of date', () => {
  it('is the newest reviewed date and heads the rules version', () => {
    const c = loadClassifier();
    expect(c.rulesAsOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(c.rulesVersion.startsWith(c.rulesAsOf)).toBe(true);
  });

  it('warns past 180 days, not at 180', () => {
    const scan = { rulesVersion: '2026-01-01+abc', rulesAsOf: '2026-01-01' };
    expect(rulesFreshness(scan, new Date('2026-06-30T12:00:00Z'))).toMatchObject({
      ageDays: 180,
      stale: false,
    });
    const old = rulesFreshness(scan, new Date('2026-07-01T00:00:00Z'));
    expect(old).toMatchObject({ ageDays: 181, stale: true });
    expect(old.text).toMatch(/WARNING: 181 days old/);
  });

  it('reads older reports from the rules version, and says so when neither is usable', () => {
    expect(rulesFreshness({ rulesVersion: '2026-08-26+1b5dc33a0324' }, new Date('2026-09-01')).asOf).toBe(
      '2026-08-26',
    );
    expect(rulesFreshness({ rulesVersion: 'garbage' }, new Date()).text).toMatch(/unknown/);
  });
});
