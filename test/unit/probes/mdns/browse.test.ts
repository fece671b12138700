/**
 * The mdns probe on a multicast-capable loopback inside the test namespace: a responder
 * re-playing the Hikvision `_CGI._tcp` capture (§5.6), a bonjour-service publisher with a
 * split-out SRV target, and a hostile sender of malformed packets.
 */
import { createSocket, type Socket } from 'node:dgram';
import { Bonjour } from 'bonjour-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mdnsProbe } from '../../../../src/agent/probes/mdns/index.js';
import { isolated, loAddress } from '../../../helpers/isolation.js';
import { fakeContext } from '../../../helpers/probe-context.js';
import { hikvisionCgi, name, rdata, record, response, TYPE } from './dns.js';

const SCANNER = '10.250.4.1';
const RESPONDER = '10.250.4.3';
const lo = { name: 'lo', address: SCANNER, prefix: 24, subnet: { first: 0x0afa0400, last: 0x0afa04ff } };

const sockets: Socket[] = [];
let publisher: Bonjour | null = null;

/** Answers every query it hears with each of `packets`. */
function responder(packets: () => Buffer[]): Promise<void> {
  const s = createSocket({ type: 'udp4', reuseAddr: true });
  sockets.push(s);
  s.on('message', (msg) => {
    if (msg.length < 12 || (msg[2]! & 0x80) !== 0) return; // only queries
    for (const p of packets()) s.send(p, 5353, '224.0.0.251');
  });
  return new Promise((resolve) =>
    s.bind(5353, '0.0.0.0', () => {
      s.addMembership('224.0.0.251', RESPONDER);
      s.setMulticastInterface(RESPONDER);
      resolve();
    }),
  );
}

function hostilePackets(): Buffer[] {
  const selfLoop = Buffer.concat([
    Buffer.from([0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
    Buffer.from([0xc0, 0x0c]),
  ]);
  const longName = Array.from({ length: 200 }, () => 'x'.repeat(63)).join('.');
  return [
    Buffer.from('definitely not dns'),
    Buffer.from([0, 0, 0x84, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // counts with no records
    selfLoop, // compression pointer to itself
    Buffer.alloc(9000, 0xc0),
    hikvisionCgi('10.250.4.70').subarray(0, 60), // truncated mid-record
    response([record('_CGI._tcp.local', TYPE.PTR, 10, rdata.ptr(`${longName}._CGI._tcp.local`))]),
    // A well-formed answer about an address outside the scan: must not be reported.
    response(
      [record('_CGI._tcp.local', TYPE.PTR, 10, rdata.ptr('Outside._CGI._tcp.local'))],
      [
        record('Outside._CGI._tcp.local', TYPE.SRV, 10, rdata.srv(80, 'outside.local')),
        record('outside.local', TYPE.A, 10, rdata.a('192.168.200.7')),
      ],
    ),
    // A TXT bomb: hundreds of strings, binary keys.
    response(
      [record('_CGI._tcp.local', TYPE.PTR, 10, rdata.ptr('Bomb._CGI._tcp.local'))],
      [
        record('Bomb._CGI._tcp.local', TYPE.SRV, 10, rdata.srv(80, 'bomb.local')),
        record(
          'Bomb._CGI._tcp.local',
          TYPE.TXT,
          10,
          rdata.txt(Array.from({ length: 250 }, (_, i) => `k${i}=${'\u0000'.repeat(200)}`)),
        ),
        record('bomb.local', TYPE.A, 10, rdata.a('10.250.4.71')),
      ],
    ),
    name('trailing garbage'),
  ];
}

describe.skipIf(!isolated)('mdns probe on a multicast loopback', () => {
  beforeAll(async () => {
    loAddress(SCANNER);
    loAddress(RESPONDER);
    loAddress('10.250.4.5');
    await responder(() => [hikvisionCgi('10.250.4.64'), ...hostilePackets()]);
    publisher = new Bonjour({ interface: '10.250.4.5', bind: '0.0.0.0' } as never, () => {});
    publisher.publish({
      name: 'HIKVISION DS-2CD2955FWD-IS - 612345678',
      type: 'psia',
      port: 8080,
      host: 'DS-2CD2955FWD-IS20180101AAWR612345678.local',
      txt: { model: 'DS-2CD2955FWD-IS' },
      probe: false,
      disableIPv6: true,
    });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await new Promise<void>((r) =>
      publisher ? publisher.unpublishAll(() => publisher!.destroy(() => r())) : r(),
    );
  });

  it('reports the Hikvision instance, SRV target serial and TXT, ignoring malformed and out-of-scope answers', async () => {
    const run = fakeContext(mdnsProbe, {
      targets: ['10.250.4.0/24'],
      interfaces: [lo],
      config: { listen: 1500, requery: 400 },
    });
    await mdnsProbe.run(run.ctx);
    const facts = (host: string) =>
      run.emitted
        .filter((o) => o.host === host)
        .map((o) => `${o.key}=${o.value}${o.port ? `:${o.port}` : ''}`);
    expect(new Set(facts('10.250.4.64'))).toEqual(
      new Set([
        'mdns.service=_CGI._tcp:80',
        'mdns.instance=HIKVISION DS-2CD2722FWD-IZS - 733050075:80',
        'mdns.host=DS-2CD2722FWD-IZS20170321BBWR733050075.local:80',
        'mdns.txt.path=/:80',
      ]),
    );
    // bonjour-service publisher: no A record on loopback, so the UDP source is the host
    expect(facts('10.250.4.5')).toContain('mdns.host=DS-2CD2955FWD-IS20180101AAWR612345678.local:8080');
    expect(facts('10.250.4.5')).toContain('mdns.txt.model=DS-2CD2955FWD-IS:8080');
    const bomb = facts('10.250.4.71');
    expect(bomb.filter((f) => f.startsWith('mdns.txt.')).length).toBeLessThanOrEqual(32);
    expect(run.emitted.some((o) => o.host === '192.168.200.7')).toBe(false);
    expect(run.refused).toEqual([]);
    // one query per type at start plus re-queries, never an unbounded storm
    expect(run.packets).toBeGreaterThanOrEqual(8);
    expect(run.packets).toBeLessThanOrEqual(8 * 5);
  });
});
