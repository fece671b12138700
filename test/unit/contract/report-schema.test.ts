import { describe, expect, it } from 'vitest';
import { checkReport, DEVICE_TYPES, reportSchema } from '../../../src/contract/report-schema.js';
import { sampleReport } from '../report/sample.js';

describe('report schema (one definition for type and JSON Schema)', () => {
  it('is plain JSON Schema: what a consumer reads as JSON is what the validator compiled', () => {
    expect(JSON.parse(JSON.stringify(reportSchema))).toEqual(reportSchema);
    expect(reportSchema).toMatchObject({ title: 'camsweep.report/v1', additionalProperties: false });
  });

  it('refuses an unknown field and a device type outside the list, naming the field', () => {
    const base = sampleReport();
    const [first, ...rest] = base.devices;
    if (first === undefined) throw new Error('sample report has no device');
    // Validation stops at the first problem, so each oddity is checked on its own.
    const extra = { ...first, extra: 1 };
    expect(checkReport({ ...base, devices: [extra, ...rest] }).map((p) => p.field)).toEqual(['/devices/0']);
    const toaster = { ...first, identity: { ...first.identity, deviceType: 'toaster' } };
    expect(checkReport({ ...base, devices: [toaster, ...rest] }).map((p) => p.field)).toEqual([
      '/devices/0/identity/deviceType',
    ]);
    expect(DEVICE_TYPES).toContain('camera');
  });
});
