/**
 * The bounds checked before validation (src/contract/report-bounds.ts) are the schema's own
 * caps, and refuse a long array by reading its length only.
 */
import { describe, expect, it } from 'vitest';
import {
  checkReportBounds,
  REPORT_ARRAY_CAPS,
  REPORT_JSON_BOUNDS,
} from '../../../src/contract/report-bounds.js';
import {
  DeviceSchema,
  IdentitySchema,
  ReportSchema,
  ScanSchema,
} from '../../../src/contract/report-schema.js';
import { scanJsonBounds } from '../../../src/core/json-bounds.js';

const maxItemsOf = (schema: unknown, key: string): number | undefined => {
  const props = (
    schema as { properties: Record<string, { maxItems?: number; anyOf?: { maxItems?: number }[] }> }
  ).properties;
  const p = props[key];
  return p?.maxItems ?? p?.anyOf?.find((x) => x.maxItems !== undefined)?.maxItems;
};

describe('report bounds', () => {
  it('equal the maxItems of the schema', () => {
    expect(REPORT_ARRAY_CAPS.devices).toBe(maxItemsOf(ReportSchema, 'devices'));
    for (const k of ['targets', 'probes', 'probeStatus'] as const)
      expect(REPORT_ARRAY_CAPS[`scan.${k}`], k).toBe(maxItemsOf(ScanSchema, k));
    for (const k of ['hostnames', 'findings', 'evidence', 'observations'] as const)
      expect(REPORT_ARRAY_CAPS[`device.${k}`], k).toBe(maxItemsOf(DeviceSchema, k));
    expect(REPORT_ARRAY_CAPS['device.identity.alternatives']).toBe(
      maxItemsOf(IdentitySchema, 'alternatives'),
    );
  });

  it('refuse a million empty devices by their count, without looking at one', () => {
    // Any read of an item throws: the check must decide from the length alone.
    const devices = new Proxy(new Array(1_000_000), {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) throw new Error(`item ${key} was read`);
        return Reflect.get(target, key, receiver);
      },
    });
    expect(checkReportBounds({ scan: {}, devices })).toEqual({
      field: '/devices',
      message: `must NOT have more than ${REPORT_ARRAY_CAPS.devices} items`,
    });
    expect(checkReportBounds({ devices: [{ evidence: new Array(513).fill({}) }] })?.field).toBe(
      '/devices/0/evidence',
    );
  });

  it('refuse JSON text too dense to parse cheaply, before parsing', () => {
    const dense = Buffer.from(`{"devices":[${new Array(80_000).fill('{}').join(',')}]}`);
    expect(scanJsonBounds(dense, REPORT_JSON_BOUNDS)).toMatchObject({
      ok: false,
      reason: /array with more than 70000/,
    });
    const deep = Buffer.from(`${'['.repeat(40)}${']'.repeat(40)}`);
    expect(scanJsonBounds(deep, REPORT_JSON_BOUNDS)).toMatchObject({ ok: false, reason: /deeper than 16/ });
    const keys = Buffer.from(`{${Array.from({ length: 300 }, (_, i) => `"k${i}":0`).join(',')}}`);
    expect(scanJsonBounds(keys, REPORT_JSON_BOUNDS)).toMatchObject({
      ok: false,
      reason: /more than 256 members/,
    });
    // Brackets and commas inside strings are text, not structure.
    const text = Buffer.from(JSON.stringify({ v: `[${',{'.repeat(100_000)}\\"` }));
    expect(scanJsonBounds(text, REPORT_JSON_BOUNDS)).toMatchObject({ ok: true });
  });
});
