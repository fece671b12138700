/**
 * Inventory exports an auditor can file (docs/regulations.md §4 need 1): every device with site, address,
 * maker as produced, model, firmware, first/last seen, verdict, the rules and rules version it
 * was classified under, confidence and remediation state. CSV cells go through forCsv, so a
 * device name like `=HYPERLINK(…)` stays text in a spreadsheet.
 */
import { forCsv } from '../../core/text.js';
import type { Sql } from '../db/sql.js';
import { allDevices, allDevicesWithExtras, type DeviceFilter, type DeviceRow } from '../store/queries.js';
import type { SiteScope } from '../store/roles.js';

const CSV_COLUMNS: readonly [string, (d: DeviceRow) => string | number | null][] = [
  ['site', (d) => d.site],
  ['device_id', (d) => d.id],
  ['ip', (d) => d.ip],
  ['mac', (d) => d.mac],
  ['manufacturer', (d) => d.manufacturer],
  ['brand', (d) => d.brand],
  ['device_type', (d) => d.deviceType],
  ['model', (d) => d.model],
  ['firmware', (d) => d.firmware],
  ['serial', (d) => d.serial],
  ['verdict', (d) => d.verdict],
  ['confidence', (d) => d.confidence.toFixed(2)],
  ['rules', (d) => d.rules],
  ['rules_version', (d) => d.rulesVersion],
  ['first_seen', (d) => d.firstSeen],
  ['last_seen', (d) => d.lastSeen],
  ['remediation', (d) => d.state],
  ['approver', (d) => d.approver],
  ['reason', (d) => d.reason],
  ['exemption_expires', (d) => d.expiresAt],
];

export async function* devicesCsv(q: Sql, filter: DeviceFilter, scope: SiteScope): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.map(([name]) => name).join(',')}\r\n`;
  let batch = '';
  let n = 0;
  for await (const d of allDevices(q, filter, scope)) {
    batch += `${CSV_COLUMNS.map(([, get]) => forCsv(String(get(d) ?? ''))).join(',')}\r\n`;
    if (++n % 500 === 0) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
}

/** JSON export: the same rows plus findings, evidence and host names, streamed as one document. */
export async function* devicesJson(q: Sql, filter: DeviceFilter, scope: SiteScope): AsyncGenerator<string> {
  yield `{"schema":"camsweep.export/v1","exportedAt":${JSON.stringify(new Date().toISOString())},"filter":${JSON.stringify(filter)},"devices":[`;
  let first = true;
  for await (const d of allDevicesWithExtras(q, filter, scope)) {
    yield `${first ? '' : ','}\n${JSON.stringify(d)}`;
    first = false;
  }
  yield '\n]}\n';
}
