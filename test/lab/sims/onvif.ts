/**
 * ONVIF camera simulator: answers WS-Discovery Probes (multicast and unicast, UDP 3702) with
 * the fixture's re-typed ProbeMatch capture, as a camera does (docs/protocols.md §1.1–1.3), and
 * optionally serves the device service over HTTP (§1.6).
 *
 * spec (device.yaml `services.onvif`):
 *   probeMatch: onvif/probe-match.xml          answer file; {{relatesTo}}, {{messageId}} filled
 *   deviceInformation: onvif/device-information.xml
 *                                              GetDeviceInformationResponse; turns on the HTTP
 *                                              device service (GetSystemDateAndTime always open)
 *   requireAuth: true                          GetDeviceInformation needs credentials (default)
 *   digestRealm: Login to 2M00D2APAZTL62J      protect it with HTTP Digest instead of WS-Security
 *   user: admin, password: lab-only-secret     the credentials that pass
 *   clockOffset: 3600                          seconds the device clock is ahead of ours
 *   tz: CST-8:00:00
 *   port: 8899                                 device-service port (default 8899, a port real
 *                                              firmwares use, §1.3, because the http sim holds 80);
 *                                              XAddrs naming `http://{{ip}}/` are rewritten to it
 *
 * The sim parses requests with regular expressions on purpose: it must not share the
 * probe's parser, or a parser bug would hide itself.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readAnswer } from './answers.js';
import type { RunningSim, SimContext } from './types.js';
import { startUdpResponder } from './udp-responder.js';

const GROUP = '239.255.255.250';
const PORT = 3702;

interface DeviceServiceSpec {
  readonly port: number;
  readonly clockOffset: number;
  readonly tz: string;
  readonly information: string;
  readonly requireAuth: boolean;
  readonly digestRealm: string | null;
  readonly user: string;
  readonly password: string;
}

const DEFAULT_SERVICE_PORT = 8899;

function serviceSpec(spec: Record<string, unknown>): DeviceServiceSpec | null {
  if (typeof spec.deviceInformation !== 'string') return null;
  return {
    port: typeof spec.port === 'number' ? spec.port : DEFAULT_SERVICE_PORT,
    clockOffset: typeof spec.clockOffset === 'number' ? spec.clockOffset : 0,
    tz: typeof spec.tz === 'string' ? spec.tz : 'UTC0',
    information: spec.deviceInformation,
    requireAuth: spec.requireAuth !== false,
    digestRealm: typeof spec.digestRealm === 'string' ? spec.digestRealm : null,
    user: typeof spec.user === 'string' ? spec.user : 'admin',
    password: typeof spec.password === 'string' ? spec.password : 'lab-only-secret',
  };
}

/** What a camera answers: Probes with no Types or naming NetworkVideoTransmitter / Device. */
function probeOf(text: string): { messageId: string } | null {
  if (
    !/<(?:\w+:)?Action[^>]*>\s*http:\/\/schemas\.xmlsoap\.org\/ws\/2005\/04\/discovery\/Probe\s*</.test(text)
  )
    return null;
  const types = /<(?:\w+:)?Types[^>]*>([^<]*)</.exec(text)?.[1]?.trim();
  if (types && !/(?:^|[\s:])(NetworkVideoTransmitter|Device)(?:\s|$)/.test(types)) return null;
  return { messageId: /<(?:\w+:)?MessageID[^>]*>\s*([^<\s]+)\s*</.exec(text)?.[1] ?? '' };
}

function soapEnvelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" ' +
    'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema" ' +
    `xmlns:ter="http://www.onvif.org/ver10/error"><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`
  );
}

function dateTimeBody(offsetSeconds: number, tz: string): string {
  const d = new Date(Date.now() + offsetSeconds * 1000);
  return (
    '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>' +
    `<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>${tz}</tt:TZ></tt:TimeZone>` +
    `<tt:UTCDateTime><tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute>` +
    `<tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time><tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year>` +
    `<tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date></tt:UTCDateTime>` +
    '</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>'
  );
}

const NOT_AUTHORIZED = soapEnvelope(
  '<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:Sender</SOAP-ENV:Value><SOAP-ENV:Subcode>' +
    '<SOAP-ENV:Value>ter:NotAuthorized</SOAP-ENV:Value></SOAP-ENV:Subcode></SOAP-ENV:Code><SOAP-ENV:Reason>' +
    '<SOAP-ENV:Text xml:lang="en">Sender not authorized</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>',
);

/** Checks a WS-UsernameToken PasswordDigest and that Created is within 5 s of the device clock. */
function wsSecurityValid(text: string, spec: DeviceServiceSpec): boolean {
  const field = (name: string) =>
    new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([^<]*)<`).exec(text)?.[1] ?? null;
  const [user, digest, nonce, created] = [
    field('Username'),
    field('Password'),
    field('Nonce'),
    field('Created'),
  ];
  if (user === null || digest === null || nonce === null || created === null) return false;
  const expected = createHash('sha1')
    .update(Buffer.from(nonce, 'base64'))
    .update(created)
    .update(spec.password)
    .digest('base64');
  const deviceNow = Date.now() + spec.clockOffset * 1000;
  return user === spec.user && digest === expected && Math.abs(Date.parse(created) - deviceNow) < 5000;
}

function digestValid(header: string | undefined, spec: DeviceServiceSpec, nonce: string): boolean {
  if (!header?.startsWith('Digest ')) return false;
  const p: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)) p[m[1]!] = m[2] ?? m[3] ?? '';
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const ha1 = md5(`${spec.user}:${spec.digestRealm}:${spec.password}`);
  const ha2 = md5(`POST:${p.uri}`);
  const expected = md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
  return p.username === spec.user && p.nonce === nonce && p.response === expected;
}

function startDeviceService(ctx: SimContext, spec: DeviceServiceSpec): Promise<Server> {
  // Nonce shaped like Dahua's ONVIF digest: base64 of `onvif-digest:<n>` (§1.6).
  const nonce = Buffer.from(`onvif-digest:${randomBytes(5).readUIntBE(0, 5)}`).toString('base64');
  const information = readAnswer(ctx, spec.information);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const reply = (status: number, body: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8', ...headers });
        res.end(body);
      };
      if (/GetSystemDateAndTime\s*\/>/.test(text)) {
        reply(200, soapEnvelope(dateTimeBody(spec.clockOffset, spec.tz)));
        return;
      }
      if (/GetDeviceInformation\s*\/>/.test(text)) {
        const ok =
          !spec.requireAuth ||
          (spec.digestRealm !== null
            ? digestValid(req.headers.authorization, spec, nonce)
            : wsSecurityValid(text, spec));
        if (ok) reply(200, information);
        else if (spec.digestRealm !== null)
          reply(401, '', {
            'WWW-Authenticate': `Digest realm="${spec.digestRealm}",qop="auth",nonce="${nonce}",opaque="",stale="false"`,
          });
        else reply(400, NOT_AUTHORIZED);
        ctx.log(`onvif device service: GetDeviceInformation ${ok ? 'answered' : 'refused'}`);
        return;
      }
      reply(400, NOT_AUTHORIZED);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, ctx.ip, () => resolve(server));
  });
}

export async function start(ctx: SimContext): Promise<RunningSim> {
  const answerFile = typeof ctx.spec.probeMatch === 'string' ? ctx.spec.probeMatch : 'onvif/probe-match.xml';
  const service = serviceSpec(ctx.spec);
  const answerFor = (relatesTo: string) => {
    const text = readAnswer(ctx, answerFile, { relatesTo, messageId: `urn:uuid:${randomUUID()}` });
    return service ? text.replaceAll(`http://${ctx.ip}/`, `http://${ctx.ip}:${service.port}/`) : text;
  };
  // Fail at start, not at the first Probe, when the answer file is missing.
  answerFor('');

  const timers = new Set<NodeJS.Timeout>();
  const responder = await startUdpResponder(ctx, { port: PORT, group: GROUP }, (data, rinfo, own) => {
    const probe = probeOf(data.toString('utf8'));
    if (!probe) return;
    const answer = answerFor(probe.messageId);
    // Cameras wait a random 0–500 ms before answering (WS-Discovery APP_MAX_DELAY); kept
    // short here so tests stay fast, but non-zero so answers interleave like on a real LAN.
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        own.send(answer, rinfo.port, rinfo.address);
      },
      Math.floor(Math.random() * 40),
    );
    timers.add(timer);
    ctx.log(`onvif: Probe from ${rinfo.address}:${rinfo.port} answered`);
  });

  const server = service ? await startDeviceService(ctx, service) : null;

  return {
    async stop() {
      for (const t of timers) clearTimeout(t);
      responder.close();
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
