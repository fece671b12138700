/**
 * Vocabulary ids the report contract needs, read from signatures/vocabulary/ when the module
 * loads: the YAML is the one list, so a new device type (say `drone`) is one entry in
 * device-types.yaml and nothing in code. The knowledge layer loads the full vocabulary
 * (meanings, ownership chains) and checks it against these ids.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SIGNATURES_DIR } from '../core/version.js';

/** A device-type id from signatures/vocabulary/device-types.yaml (`camera`, `nvr`, …). */
export type DeviceType = string;

function idsOf(file: string): readonly string[] {
  const path = join(SIGNATURES_DIR, 'vocabulary', file);
  let list: unknown;
  try {
    list = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(
      `cannot read ${path}: ${(err as Error).message}\n  fix: reinstall camsweep (signatures/ ships beside dist/)`,
    );
  }
  const ids = Array.isArray(list)
    ? list.map((e: { id?: unknown } | null) => e?.id).filter((id): id is string => typeof id === 'string')
    : [];
  if (ids.length === 0) throw new Error(`${path} lists no ids\n  fix: restore the file from the package`);
  return Object.freeze(ids);
}

/** Device types in the file's order, which is also the tie-break order (most specific first). */
export const DEVICE_TYPES: readonly DeviceType[] = idsOf('device-types.yaml');
/** Manufacturer ids (hikvision, dahua, …). */
export const MANUFACTURER_IDS: readonly string[] = idsOf('manufacturers.yaml');
