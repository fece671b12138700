/**
 * A minimal DNS message encoder for mDNS tests: enough to re-type real responses (the
 * Hikvision `_CGI._tcp` capture, docs/protocols.md §5.6) and to build broken ones byte by byte.
 */
export function name(text: string): Buffer {
  const parts = text
    .replace(/\.$/, '')
    .split('.')
    .map((label) => {
      const b = Buffer.from(label, 'utf8');
      return Buffer.concat([Buffer.from([b.length]), b]);
    });
  return Buffer.concat([...parts, Buffer.from([0])]);
}

export const TYPE = { A: 1, PTR: 12, TXT: 16, SRV: 33 } as const;

export function record(owner: string, type: number, ttl: number, rdata: Buffer, cacheFlush = false): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(cacheFlush ? 0x8001 : 1, 2);
  fixed.writeUInt32BE(ttl, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([name(owner), fixed, rdata]);
}

export const rdata = {
  ptr: (target: string) => name(target),
  a: (ip: string) => Buffer.from(ip.split('.').map(Number)),
  txt: (strings: (string | Buffer)[]) =>
    Buffer.concat(
      strings.map((s) => {
        const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
        return Buffer.concat([Buffer.from([b.length]), b]);
      }),
    ),
  srv: (port: number, target: string) => {
    const head = Buffer.alloc(6);
    head.writeUInt16BE(0, 0);
    head.writeUInt16BE(0, 2);
    head.writeUInt16BE(port, 4);
    return Buffer.concat([head, name(target)]);
  },
};

/** A response (QR and AA set) with the given answers and additionals. */
export function response(answers: Buffer[], additionals: Buffer[] = []): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(0x8400, 2);
  header.writeUInt16BE(answers.length, 6);
  header.writeUInt16BE(additionals.length, 10);
  return Buffer.concat([header, ...answers, ...additionals]);
}

/** The Hikvision DS-2CD2722FWD-IZS `_CGI._tcp` answer (§5.6), for address `ip`. */
export function hikvisionCgi(ip: string): Buffer {
  const instance = 'HIKVISION DS-2CD2722FWD-IZS - 733050075._CGI._tcp.local';
  const target = 'DS-2CD2722FWD-IZS20170321BBWR733050075.local';
  return response(
    [record('_CGI._tcp.local', TYPE.PTR, 4500, rdata.ptr(instance))],
    [
      record(instance, TYPE.TXT, 4500, rdata.txt(['path=/']), true),
      record(instance, TYPE.SRV, 120, rdata.srv(80, target), true),
      record(target, TYPE.A, 120, rdata.a(ip), true),
    ],
  );
}
