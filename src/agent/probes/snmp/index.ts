/**
 * SNMP (phase `enrich`): the system group and the Hikvision/Dahua enterprise subtrees from
 * hosts that answer a read-only community (v2c, then v1) or a configured v3 user. Both
 * vendors ship SNMP off, so most hosts stay silent; when it is on, sysDescr alone often names
 * the model (docs/protocols.md §4). See README.md for the wire details.
 */
import { defineSpec } from '../../../core/config-spec.js';
import { probeSettings } from '../shared/common-config.js';
import { forEachLimit, paced } from '../shared/pool.js';
import type { Probe, ProbeContext } from '../shared/types.js';
import {
  compareOids,
  inSubtree,
  keyForOid,
  MAC_OIDS,
  SERIAL_OIDS,
  SYSTEM_OIDS,
  VENDOR_SUBTREES,
  varbindText,
} from './codec.js';
import { type Credential, credentialKey, credentialLabel, SafeSession, type Varbind } from './session.js';

const config = defineSpec({
  communities: {
    type: 'strings',
    default: ['public'],
    doc: 'read-only communities to try, in order (v2c, then v1), after any the credentials file gives the host',
  },
  port: { type: 'integer', default: 161, min: 1, max: 65535, doc: 'agent UDP port' },
  timeout: { type: 'duration', default: '1s', minMs: 50, maxMs: 30_000, doc: 'wait per request' },
  retries: { type: 'integer', default: 1, min: 0, max: 5, doc: 'resends per request before giving up' },
  walkLimit: {
    type: 'integer',
    default: 64,
    min: 1,
    max: 10_000,
    doc: 'most values read from each vendor subtree (bounded walk)',
  },
  allTargets: {
    type: 'boolean',
    default: false,
    doc: 'ask every in-scope address, not only hosts the discovery phase found alive',
  },
  // Most hosts never answer (SNMP ships disabled), so each costs timeout × tries × versions of
  // waiting, not packets: many at once keeps the phase short.
  parallel: { type: 'integer', default: 256, min: 1, max: 4096, doc: 'hosts queried at once' },
});

const SYSTEM_OID_LIST: readonly string[] = Object.values(SYSTEM_OIDS);

interface Settings {
  readonly port: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly walkLimit: number;
}

/**
 * What to try on one host, in order: the credentials file's communities for the host, then the
 * configured ones (v2c, then v1), then the file's SNMPv3 users. Secrets live only in the
 * credentials file, never in the config (src/agent/credentials.ts).
 */
function credentialsToTry(ctx: ProbeContext, host: string): Credential[] {
  const secrets = ctx.secretsFor(host)?.snmp;
  const communities = [
    ...new Set([...(secrets?.communities ?? []), ...probeSettings(config, ctx.config).communities]),
  ];
  return [
    ...communities.map((community) => ({ version: 'v2c' as const, community })),
    ...communities.map((community) => ({ version: 'v1' as const, community })),
    ...(secrets?.v3 ?? []).map((user) => ({ version: 'v3' as const, ...user })),
  ];
}

/**
 * Walks one subtree with GETNEXT (v1) or GETBULK (v2c/v3), stopping at the subtree's end, at
 * `limit` values, or when the agent stops moving forward.
 */
async function walk(ctx: ProbeContext, s: SafeSession, root: string, set: Settings): Promise<Varbind[]> {
  const out: Varbind[] = [];
  let cursor = root;
  while (out.length < set.walkLimit && !ctx.signal.aborted) {
    if (!(await paced(ctx, set.retries + 1))) break;
    const reps = Math.min(16, set.walkLimit - out.length);
    const r = s.credential.version === 'v1' ? await s.getNext([cursor]) : await s.getBulk(cursor, reps);
    if (!r.ok || r.value.length === 0) break;
    for (const vb of r.value) {
      if (
        !inSubtree(vb.oid, root) ||
        compareOids(vb.oid, cursor) <= 0 ||
        varbindText(vb.type, vb.value) === null
      ) {
        return out;
      }
      out.push(vb);
      cursor = vb.oid;
      if (out.length >= set.walkLimit) break;
    }
  }
  return out;
}

async function queryHost(ctx: ProbeContext, host: string, set: Settings): Promise<void> {
  for (const credential of credentialsToTry(ctx, host)) {
    if (ctx.signal.aborted) return;
    // The switch probe may have asked this host already: never repeat a credential that failed.
    const earlier = ctx.ledger?.claim(host, credentialKey(credential)) ?? 'untried';
    if (earlier === 'failed' || earlier === 'pending') continue;
    const s = new SafeSession(host, credential, set);
    try {
      if (!(await paced(ctx, set.retries + 1))) return;
      // GETNEXT on each column's prefix finds the scalar without a noSuchName failure on v1
      // agents that lack one of them (Hikvision camera walks have no system group at all).
      const system = await s.getNext(SYSTEM_OID_LIST.map((o) => o.slice(0, -2)));
      ctx.ledger?.settle(host, credentialKey(credential), system.ok);
      if (!system.ok) {
        ctx.log.debug(
          { host, credential: credentialLabel(credential), reason: system.reason },
          'snmp no answer',
        );
        if (s.lastError) ctx.log.debug({ host, error: s.lastError }, 'snmp malformed reply');
        continue;
      }
      const values: Varbind[] = system.value.filter((vb) =>
        SYSTEM_OID_LIST.includes(vb.oid.replace(/^\./, '')),
      );
      for (const root of VENDOR_SUBTREES) values.push(...(await walk(ctx, s, root, set)));
      for (const vb of values) {
        const text = varbindText(vb.type, vb.value);
        if (text !== null) ctx.emit({ host, key: keyForOid(vb.oid), value: text, port: set.port });
      }
      ctx.log.debug(
        { host, credential: credentialLabel(credential), values: values.length },
        'snmp answered',
      );
      return;
    } finally {
      s.close();
    }
  }
}

async function run(ctx: ProbeContext): Promise<void> {
  const set: Settings = {
    port: probeSettings(config, ctx.config).port,
    timeoutMs: probeSettings(config, ctx.config).timeout,
    retries: probeSettings(config, ctx.config).retries,
    walkLimit: probeSettings(config, ctx.config).walkLimit,
  };
  const targets = probeSettings(config, ctx.config).allTargets ? ctx.scope.hosts : [...ctx.known().keys()];
  const inScope = targets.filter((h) => ctx.scope.has(h));
  await forEachLimit(inScope, probeSettings(config, ctx.config).parallel, ctx.signal, (host) =>
    ctx.withHost(host, () => queryHost(ctx, host, set)),
  );
}

export const snmpProbe: Probe = {
  id: 'snmp',
  title: 'SNMP system group and Hikvision/Dahua enterprise subtrees',
  phase: 'enrich',
  emits: ['snmp.sysDescr', 'snmp.sysObjectID', 'snmp.sysName', 'snmp.oid.*'],
  identityKeys: { mac: MAC_OIDS.map(keyForOid), serial: SERIAL_OIDS.map(keyForOid) },
  config,
  enabledByDefault: true,
  run,
};
