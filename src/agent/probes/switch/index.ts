/**
 * Switch- and router-side inventory (phase `infrastructure`): reads the neighbour (ARP),
 * forwarding (FDB) and LLDP tables of the infrastructure devices the config lists, so a
 * camera on a VLAN the agent cannot reach is still found, with the switch, port and VLAN it
 * is plugged into. Read-only GET/GETBULK, bounded walks, one attempt per credential per
 * device per run, SNMPv3 first. See README.md for exactly what goes on the wire.
 */
import { defineSpec } from '../../../core/config-spec.js';
import { CamsweepError } from '../../../core/errors.js';
import { parseIpv4 } from '../../../core/ipv4.js';
import { ouiOrganisation } from '../../../knowledge/identify/derive/oui.js';
import { probeSettings } from '../shared/common-config.js';
import { forEachLimit, paced, sleep } from '../shared/pool.js';
import type { Probe, ProbeContext } from '../shared/types.js';
import { compareOids } from '../snmp/codec.js';
import { type Credential, credentialKey, credentialLabel, SafeSession } from '../snmp/session.js';
import {
  decodeSwitch,
  indexUnder,
  type Located,
  locate,
  type ReadSwitch,
  type Row,
  SYSTEM,
  TABLES,
  type TableId,
  type Tables,
  textFrom,
} from './codec.js';
import type { SwitchReadValue } from './read-value.js';

const config = defineSpec({
  devices: {
    type: 'strings',
    default: [],
    doc: 'infrastructure devices to read: IPv4 addresses, or `all` for every host that answers SNMP with a credentials-file login',
  },
  port: { type: 'integer', default: 161, min: 1, max: 65535, doc: 'agent UDP port' },
  timeout: { type: 'duration', default: '2s', minMs: 50, maxMs: 30_000, doc: 'wait per request' },
  retries: {
    type: 'integer',
    default: 1,
    min: 0,
    max: 3,
    doc: 'resends of one request (the same attempt, never another credential)',
  },
  rowsPerTable: {
    type: 'integer',
    default: 4096,
    min: 16,
    max: 65_536,
    doc: 'most rows read from each table column (bounded walk); a cut table is reported',
  },
  requestsPerSecond: {
    type: 'integer',
    default: 20,
    min: 1,
    max: 1000,
    doc: 'most requests per second sent to any one switch (their SNMP agents run on a slow CPU)',
  },
  parallel: { type: 'integer', default: 4, min: 1, max: 64, doc: 'switches read at once' },
});

interface Settings {
  readonly port: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly rowsPerTable: number;
  readonly gapMs: number;
}

/** Outcome of reading one device, reported on the device itself as `switch.read`. */
interface ReadResult {
  readonly address: string;
  readonly read: ReadSwitch | null;
  readonly detail: string;
}

/** The configured device list: addresses, or `all`. Bad entries are a config error. */
export function parseDevices(list: readonly string[]): { all: boolean; addresses: string[] } {
  let all = false;
  const addresses: string[] = [];
  for (const raw of list) {
    const t = raw.trim();
    if (t.toLowerCase() === 'all') all = true;
    else if (parseIpv4(t) !== null) addresses.push(t);
    else
      throw new CamsweepError(
        'E_CONFIG',
        `probes.switch.devices: "${t.slice(0, 64)}" is neither an IPv4 address nor all`,
        {
          fix: 'list switch and router addresses (10.0.0.1) or the word all',
        },
      );
  }
  return { all, addresses: [...new Set(addresses)] };
}

/**
 * Credentials for one device, v3 users first (they authenticate and encrypt), then v2c
 * communities. Only the credentials file gives them: infrastructure logins never sit in the
 * config. v1 is not tried: it has no GETBULK, and a table walk over GETNEXT costs a request
 * per row.
 */
function credentialsFor(ctx: ProbeContext, host: string): Credential[] {
  const secrets = ctx.secretsFor(host)?.snmp;
  return [
    ...(secrets?.v3 ?? []).map((user) => ({ version: 'v3' as const, ...user })),
    ...(secrets?.communities ?? []).map((community) => ({ version: 'v2c' as const, community })),
  ];
}

/** Per-device pacing on top of the global packet cap. */
class DevicePace {
  private next = 0;
  constructor(private readonly gapMs: number) {}
  async wait(signal: AbortSignal): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + this.gapMs;
    if (at > now) await sleep(at - now, signal);
  }
}

async function walk(
  ctx: ProbeContext,
  s: SafeSession,
  pace: DevicePace,
  root: string,
  set: Settings,
): Promise<{ rows: Row[]; cut: boolean; failed: boolean }> {
  const rows: Row[] = [];
  let cursor = root;
  while (!ctx.signal.aborted) {
    if (rows.length >= set.rowsPerTable) return { rows, cut: true, failed: false };
    await pace.wait(ctx.signal);
    if (!(await paced(ctx, set.retries + 1))) break;
    const r = await s.getBulk(cursor, Math.min(32, set.rowsPerTable - rows.length));
    if (!r.ok) return { rows, cut: false, failed: rows.length === 0 && r.reason === 'timeout' };
    if (r.value.length === 0) break;
    for (const vb of r.value) {
      const index = indexUnder(String(vb.oid), root);
      // Past the column, an exception value (endOfMibView), or not moving forward: done.
      if (index === null || compareOids(String(vb.oid), cursor) <= 0)
        return { rows, cut: false, failed: false };
      if (vb.type === 128 || vb.type === 129 || vb.type === 130) return { rows, cut: false, failed: false };
      if (Buffer.isBuffer(vb.value) || typeof vb.value === 'number' || typeof vb.value === 'string')
        rows.push({ index, value: vb.value });
      cursor = String(vb.oid).replace(/^\./, '');
      if (rows.length >= set.rowsPerTable) return { rows, cut: true, failed: false };
    }
  }
  return { rows, cut: false, failed: false };
}

async function readDevice(ctx: ProbeContext, host: string, set: Settings): Promise<ReadResult> {
  const pace = new DevicePace(set.gapMs);
  const tried: string[] = [];
  for (const credential of credentialsFor(ctx, host)) {
    if (ctx.signal.aborted) break;
    const key = credentialKey(credential);
    const earlier = ctx.ledger?.claim(host, key) ?? 'untried';
    if (earlier === 'failed' || earlier === 'pending') continue;
    const s = new SafeSession(host, credential, set);
    try {
      await pace.wait(ctx.signal);
      if (!(await paced(ctx, set.retries + 1))) break;
      const system = await s.get(Object.values(SYSTEM));
      ctx.ledger?.settle(host, key, system.ok);
      tried.push(credentialLabel(credential));
      if (!system.ok) {
        ctx.log.debug(
          { host, credential: credentialLabel(credential), reason: system.reason },
          'switch no answer',
        );
        continue;
      }
      const nameVb = system.value.find((vb) => String(vb.oid).replace(/^\./, '') === SYSTEM.sysName);
      const name = nameVb && Buffer.isBuffer(nameVb.value) ? textFrom(nameVb.value) : null;
      const tables: Partial<Record<TableId, Row[]>> = {};
      const cut: string[] = [];
      for (const [id, root] of Object.entries(TABLES) as [TableId, string][]) {
        if (ctx.signal.aborted) break;
        const w = await walk(ctx, s, pace, root, set);
        tables[id] = w.rows;
        if (w.cut) cut.push(id);
        if (w.failed) ctx.log.debug({ host, table: id }, 'switch table timed out');
      }
      const reading = decodeSwitch(tables as Tables);
      const notes = [
        `${reading.fdb.length} forwarding entries, ${reading.arp.length} neighbour entries, ${reading.lldp.length} LLDP neighbours`,
      ];
      if (cut.length > 0) notes.push(`cut at ${set.rowsPerTable} rows: ${cut.join(', ')}`);
      if (ctx.signal.aborted) notes.push('stopped at the deadline before every table was read');
      ctx.log.debug(
        { host, credential: credentialLabel(credential), tables: reading.answered },
        'switch read',
      );
      return { address: host, read: { address: host, name, reading }, detail: notes.join('; ') };
    } finally {
      s.close();
    }
  }
  const detail =
    tried.length === 0
      ? 'no SNMP login for this address in the credentials file (or every one already failed this run)'
      : `no answer to ${tried.join(', ')}`;
  return { address: host, read: null, detail };
}

function emitLocated(ctx: ProbeContext, item: Located): void {
  const org = ouiOrganisation(item.mac);
  for (const host of item.ips) {
    ctx.emit({ host, key: 'mac.address', value: item.mac });
    if (org !== null) ctx.emit({ host, key: 'mac.oui.org', value: org });
    if (item.where) {
      ctx.emit({ host, key: 'switch.device', value: item.where.switch });
      if (item.where.switchName) ctx.emit({ host, key: 'switch.name', value: item.where.switchName });
      ctx.emit({ host, key: 'switch.port', value: item.where.port });
      if (item.where.portAlias) ctx.emit({ host, key: 'switch.portAlias', value: item.where.portAlias });
      if (item.where.vlan !== null) ctx.emit({ host, key: 'switch.vlan', value: item.where.vlan });
    }
    const n = item.lldp;
    if (n) {
      if (n.sysName) ctx.emit({ host, key: 'lldp.sysName', value: n.sysName });
      if (n.sysDesc) ctx.emit({ host, key: 'lldp.sysDesc', value: n.sysDesc });
      if (n.chassisId) ctx.emit({ host, key: 'lldp.chassisId', value: n.chassisId });
      if (n.portId) ctx.emit({ host, key: 'lldp.portId', value: n.portId });
      if (n.portDesc) ctx.emit({ host, key: 'lldp.portDesc', value: n.portDesc });
    }
  }
}

async function run(ctx: ProbeContext): Promise<void> {
  const settings = probeSettings(config, ctx.config);
  const { all, addresses } = parseDevices(settings.devices);
  const set: Settings = {
    port: settings.port,
    timeoutMs: settings.timeout,
    retries: settings.retries,
    rowsPerTable: settings.rowsPerTable,
    gapMs: Math.ceil(1000 / settings.requestsPerSecond),
  };
  // Packets go only to in-scope addresses; a listed switch outside scope is reported, not asked.
  const listed = new Set(addresses);
  if (all) for (const host of ctx.known().keys()) listed.add(host);
  const targets = [...listed].filter((h) => ctx.scope.has(h));
  for (const h of listed) {
    if (!ctx.scope.has(h))
      ctx.log.warn({ host: h }, 'switch listed in probes.switch.devices is outside the scan scope; not read');
  }
  const results: ReadResult[] = [];
  await forEachLimit(targets, settings.parallel, ctx.signal, async (host) => {
    results.push(await ctx.withHost(host, () => readDevice(ctx, host, set)));
  });
  const read = results.filter((r) => r.read !== null).map((r) => r.read!);
  const { located } = locate(read);
  for (const r of results) {
    // With `all`, a found host that speaks no SNMP is not a switch that failed: say nothing.
    if (r.read === null && !addresses.includes(r.address)) continue;
    const own = r.read ? located.filter((l) => l.where?.switch === r.address) : [];
    const outcome: SwitchReadValue = r.read
      ? {
          outcome: 'read',
          macs: own.length,
          withoutAddress: own.filter((l) => l.ips.length === 0).length,
          tables: [...r.read.reading.answered],
          detail: r.detail,
        }
      : { outcome: 'failed', macs: 0, withoutAddress: 0, tables: [], detail: r.detail };
    ctx.emit({ host: r.address, key: 'switch.read', value: JSON.stringify(outcome), port: set.port });
  }
  for (const item of located) emitLocated(ctx, item);
}

export const switchProbe: Probe = {
  id: 'switch',
  title: 'Switch and router tables over SNMP: ARP, forwarding (port, VLAN) and LLDP neighbours',
  phase: 'infrastructure',
  reach: 'routed',
  reportsBeyondScope: true,
  emits: [
    'mac.address',
    'mac.oui.org',
    'switch.device',
    'switch.name',
    'switch.port',
    'switch.portAlias',
    'switch.vlan',
    'switch.read',
    'lldp.sysName',
    'lldp.sysDesc',
    'lldp.chassisId',
    'lldp.portId',
    'lldp.portDesc',
  ],
  // A MAC from a switch table links this address to the same device the neighbour table did.
  identityKeys: { mac: ['mac.address'] },
  config,
  enabledByDefault: false,
  run,
};
