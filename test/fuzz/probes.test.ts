/**
 * Fuzzes every probe codec (src/agent/probes/<id>/codec.ts) with at least 100,000 mutated
 * inputs built from the real captures in test/fixtures (see fuzz.ts). Fixed seed in CI; a
 * random, printed seed locally (CAMSWEEP_FUZZ_SEED repeats one, CAMSWEEP_FUZZ_COUNT scales).
 */
import { describe, expect, it } from 'vitest';
import { parseProcArp } from '../../src/agent/probes/arp/codec.js';
import { frame, parseDhip } from '../../src/agent/probes/dhip/codec.js';
import {
  bodyText,
  decodeEntities,
  htmlTitle,
  looksLikeHtml,
  realmsOf,
  startTags,
} from '../../src/agent/probes/http/codec.js';
import { decodeTxt, dnsName, splitServiceType } from '../../src/agent/probes/mdns/codec.js';
import {
  normaliseEndpoint,
  parseDiscovery,
  parseHelloBye,
  parseScope,
} from '../../src/agent/probes/onvif/codec.js';
import { challengeRealm, headEnd, parseReply } from '../../src/agent/probes/rtsp/codec.js';
import { parseSadp } from '../../src/agent/probes/sadp/codec.js';
import { varbindText } from '../../src/agent/probes/snmp/codec.js';
import { bannerText, telnetText } from '../../src/agent/probes/tcp/codec.js';
import { captures, corpusValues, type FuzzTarget, fuzz, fuzzCount, fuzzSeed } from './fuzz.js';

const seed = fuzzSeed();
const count = fuzzCount();
process.stderr.write(
  `probe codec fuzz: seed ${seed} (CAMSWEEP_FUZZ_SEED=${seed} repeats it), ${count} inputs per codec\n`,
);

const ARP = Buffer.from(
  [
    'IP address       HW type     Flags       HW address            Mask     Device',
    '10.20.0.64       0x1         0x2         58:50:ed:1f:e3:85     *        eth0',
    '10.20.0.65       0x1         0x0         00:00:00:00:00:00     *        eth0',
    '10.20.0.1        0x1         0x2         ac:cc:8e:01:02:03     *        br-lan',
  ].join('\n'),
);

const TARGETS: FuzzTarget[] = [
  { name: 'arp', seeds: [ARP], run: (b) => parseProcArp(b.toString('latin1')) },
  {
    name: 'dhip',
    seeds: captures('dhip').map((b) => frame(b.toString('utf8'))),
    run: (b) => parseDhip(b),
  },
  {
    name: 'http',
    seeds: captures('http'),
    run: (b) => {
      const text = bodyText(b);
      return [
        htmlTitle(text),
        looksLikeHtml('text/html', text),
        decodeEntities(text.slice(0, 4096)),
        realmsOf([text.slice(0, 1024)]),
        [...startTags(text, 'meta')].length,
      ];
    },
  },
  {
    name: 'mdns',
    seeds: [...captures('mdns'), Buffer.from('path=/\nvendor=HIKVISION\nmodel=DS-2CD2385G1-I')],
    run: (b) => {
      const text = b.toString('utf8');
      return [
        decodeTxt(text.split('\n').map((l) => Buffer.from(l))),
        dnsName(text),
        splitServiceType(text.slice(0, 300)),
      ];
    },
  },
  {
    name: 'onvif',
    seeds: captures('onvif'),
    run: (b) => {
      const text = b.toString('utf8');
      return [
        parseDiscovery(b),
        parseHelloBye(b),
        parseScope(text.slice(0, 2048)),
        normaliseEndpoint(text.slice(0, 2048)),
      ];
    },
  },
  {
    name: 'rtsp',
    seeds: captures('rtsp'),
    run: (b) => [parseReply(b), headEnd(b), challengeRealm(b.toString('latin1').slice(0, 4096))],
  },
  { name: 'sadp', seeds: captures('sadp'), run: (b) => parseSadp(b) },
  {
    name: 'snmp',
    seeds: captures('snmp').flatMap((f) =>
      f
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => Buffer.from(l.split('|').slice(2).join('|'))),
    ),
    run: (b) => [
      varbindText(4, b),
      varbindText(undefined, b),
      varbindText(70, b.subarray(0, 8)),
      varbindText(6, b.toString('latin1')),
    ],
  },
  {
    name: 'tcp',
    seeds: [...corpusValues('ssh.banner'), ...corpusValues('ftp.banner'), ...corpusValues('telnet')].slice(
      0,
      200,
    ),
    run: (b) => [bannerText('telnet', b), bannerText('ftp', b), bannerText('ssh', b), telnetText(b)],
  },
];

describe('probe codecs under fuzzing', () => {
  for (const target of TARGETS) {
    it(`${target.name}: ${count} mutated captures, no crash, no hang, bounded output`, () => {
      expect(target.seeds.length, `${target.name} has real captures to start from`).toBeGreaterThan(0);
      const started = Date.now();
      const result = fuzz(target, count, seed);
      process.stderr.write(
        `fuzz ${target.name}: ${result.inputs} inputs in ${Date.now() - started} ms, slowest ${result.slowestMs.toFixed(1)} ms of CPU\n`,
      );
      expect(result.failures, `saved as regression fixtures; seed ${seed}`).toEqual([]);
    }, 300_000);
  }
});
