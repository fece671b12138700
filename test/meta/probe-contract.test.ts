/**
 * The contract every probe in the registry must meet, checked for all of them at once so a
 * new probe cannot skip it: a README that says what it sends, a codec that is pure (no I/O
 * imports) and bounded (hostile, oversized input returns quickly without throwing), and only
 * declared observation keys (in the registry, identity keys among them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as arp from '../../src/agent/probes/arp/codec.js';
import * as dhip from '../../src/agent/probes/dhip/codec.js';
import * as http from '../../src/agent/probes/http/codec.js';
import * as mdns from '../../src/agent/probes/mdns/codec.js';
import * as onvif from '../../src/agent/probes/onvif/codec.js';
import { probes } from '../../src/agent/probes/registry.js';
import * as rtsp from '../../src/agent/probes/rtsp/codec.js';
import * as sadp from '../../src/agent/probes/sadp/codec.js';
import * as snmp from '../../src/agent/probes/snmp/codec.js';
import * as swtch from '../../src/agent/probes/switch/codec.js';
import * as tcp from '../../src/agent/probes/tcp/codec.js';
import { isKnownPattern, keyMatchesPatterns } from '../../src/contract/observation-keys.js';

const PROBES_DIR = join(import.meta.dirname, '..', '..', 'src', 'agent', 'probes');
/** Modules a codec may not import: a codec turns bytes into values and does nothing else. */
const IO_MODULES =
  /from\s+['"](node:)?(net|dgram|fs|fs\/promises|http|https|tls|child_process|undici|net-snmp|bonjour-service)['"]/;
/** Hostile inputs: oversized, deeply nested, entity tricks, binary garbage. */
const HOSTILE: readonly (string | Uint8Array)[] = [
  'A'.repeat(4 * 1024 * 1024),
  '<a>'.repeat(200_000),
  `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "${'a'.repeat(1000)}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><x>${'&b;'.repeat(10_000)}</x>`,
  new Uint8Array(2 * 1024 * 1024).fill(0xff),
  Uint8Array.from({ length: 65_536 }, (_, i) => (i * 131) % 256),
  '',
];

const text = (i: string | Uint8Array) => (typeof i === 'string' ? i : Buffer.from(i).toString('latin1'));
const bytes = (i: string | Uint8Array) => (typeof i === 'string' ? Buffer.from(i, 'latin1') : i);

/**
 * What each probe's codec reads from the network, fed one hostile input. A probe added to the
 * registry without an entry here fails the contract (see "has a pure codec" below).
 */
const READERS: Readonly<Record<string, (input: string | Uint8Array) => unknown>> = {
  onvif: (i) => [
    onvif.parseDiscovery(i),
    onvif.parseHelloBye(i),
    onvif.parseDeviceInformation(i),
    onvif.parseSystemDateAndTime(i),
    onvif.parseFault(i),
  ],
  sadp: (i) => sadp.parseSadp(i),
  dhip: (i) => dhip.parseDhip(bytes(i)),
  mdns: (i) => [mdns.decodeTxt([bytes(i)]), mdns.dnsName(text(i)), mdns.splitServiceType(text(i))],
  tcp: (i) => [tcp.bannerText('ssh', bytes(i)), tcp.telnetText(bytes(i)), tcp.decodeText(bytes(i))],
  arp: (i) => arp.parseProcArp(text(i)),
  // Every table answered with the hostile value, at an index made of its bytes.
  switch: (i) => {
    const row = { index: [...bytes(i).subarray(0, 64)], value: bytes(i) };
    const tables = Object.fromEntries(
      Object.keys(swtch.TABLES).map((t) => [t, [row, { ...row, value: text(i) }]]),
    );
    return [
      swtch.decodeSwitch(tables),
      swtch.indexUnder(text(i), swtch.TABLES.ifName),
      swtch.macFromValue(bytes(i)),
      swtch.textFrom(bytes(i)),
    ];
  },
  snmp: (i) => [snmp.varbindText(4, bytes(i)), snmp.keyForOid(text(i))],
  http: (i) => [
    http.bodyText(bytes(i)),
    http.htmlTitle(text(i)),
    http.iconLink(text(i)),
    http.realmsOf([text(i)]),
    http.decodeEntities(text(i)),
    http.dahuaLoginChallenge(text(i)),
  ],
  rtsp: (i) => [rtsp.parseReply(bytes(i)), rtsp.challengeRealm(text(i))],
};

describe.each(probes.map((p) => [p.id, p] as const))('probe %s', (id, probe) => {
  const dir = join(PROBES_DIR, id);

  it('has a README.md saying what it sends', () => {
    const readme = join(dir, 'README.md');
    expect(existsSync(readme), `${readme} missing`).toBe(true);
    expect(readFileSync(readme, 'utf8').length).toBeGreaterThan(200);
  });

  it('declares only registry keys, and its identity keys among them', () => {
    expect(probe.emits.length).toBeGreaterThan(0);
    for (const pattern of probe.emits) expect(isKnownPattern(pattern), pattern).toBe(true);
    for (const key of Object.values(probe.identityKeys ?? {}).flat())
      expect(keyMatchesPatterns(key, probe.emits), key).toBe(true);
  });

  it('has a pure codec that survives hostile, oversized input quickly', () => {
    const file = join(dir, 'codec.ts');
    expect(existsSync(file), `${file} missing`).toBe(true);
    expect(readFileSync(file, 'utf8')).not.toMatch(IO_MODULES);
    const read = READERS[id];
    expect(read, `add the ${id} codec's readers to READERS in this test`).toBeDefined();
    for (const input of HOSTILE) {
      const started = performance.now();
      expect(() => read?.(input), `${id} codec threw on hostile input`).not.toThrow();
      // Generous: the machine is shared; an unbounded parser takes minutes, not seconds.
      expect(performance.now() - started, `${id} codec took too long`).toBeLessThan(10_000);
    }
  });
});
