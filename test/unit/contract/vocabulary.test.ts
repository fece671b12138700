import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HINTS } from '../../../src/agent/probes/http/requests.js';
import { checkReport } from '../../../src/contract/report-schema.js';
import { DEVICE_TYPES, MANUFACTURER_IDS } from '../../../src/contract/vocabulary.js';
import { SIGNATURES_DIR } from '../../../src/core/version.js';
import { NAMED_ENTITIES } from '../../../src/knowledge/signatures/covered.js';
import type { Problem } from '../../../src/knowledge/signatures/problem.js';
import { loadVocabulary } from '../../../src/knowledge/signatures/vocabulary.js';
import { sampleReport } from '../report/sample.js';

describe('vocabulary-derived contract ids', () => {
  it('device types and manufacturer ids in the contract are the YAML lists, in file order', () => {
    const problems: Problem[] = [];
    const vocab = loadVocabulary(SIGNATURES_DIR, problems);
    expect(problems).toEqual([]);
    expect([...vocab.deviceTypes]).toEqual(DEVICE_TYPES);
    expect([...vocab.manufacturers.keys()]).toEqual(MANUFACTURER_IDS);
  });

  it('manufacturer ids written in code are vocabulary ids', () => {
    for (const id of [...NAMED_ENTITIES, ...HINTS]) expect(MANUFACTURER_IDS, id).toContain(id);
  });

  it('the report accepts every vocabulary device type and refuses others', () => {
    const base = sampleReport();
    const withType = (deviceType: string) => ({
      ...base,
      devices: base.devices.map((d) => ({ ...d, identity: { ...d.identity, deviceType } })),
    });
    for (const t of DEVICE_TYPES) expect(checkReport(withType(t)), t).toEqual([]);
    expect(checkReport(withType('toaster')).map((p) => p.field)).toContain('/devices/0/identity/deviceType');
  });

  it('a signatures directory whose vocabulary invents a device type is refused at load, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camsweep-vocab-'));
    try {
      cpSync(join(SIGNATURES_DIR, 'vocabulary'), join(dir, 'vocabulary'), { recursive: true });
      const file = join(dir, 'vocabulary', 'device-types.yaml');
      writeFileSync(file, `${readFileSync(file, 'utf8')}- id: toaster\n  meaning: a toaster.\n`);
      const problems: Problem[] = [];
      loadVocabulary(dir, problems);
      expect(problems.map((p) => p.message).join('\n')).toContain(
        'device type "toaster" is not in the report contract',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
