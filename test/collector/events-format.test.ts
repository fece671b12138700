/**
 * What leaves the collector, byte for byte: CEF escaping and field caps against hostile device
 * strings, the RFC 5424 header and RFC 6587 framing, the `events:` config's checks with
 * `file:line` messages, and the `camsweep collector events` commands.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../agent/commands/collector.js';
import type { CommandIO } from '../../agent/commands/io.js';
import { openDatabase } from '../../src/collector/db/index.js';
import { cefHeader, cefOf, cefValue, formatCef } from '../../src/collector/events/cef.js';
import { eventsConfigFromFile } from '../../src/collector/events/config.js';
import { lastDue } from '../../src/collector/events/digest.js';
import { frame, type SyslogSinkConfig, syslogMessage } from '../../src/collector/events/syslog.js';
import { enqueueEvent, settleSinkDelivery, syncSinks } from '../../src/collector/store/outbox.js';
import { silentLogger } from '../../src/core/log.js';

const dir = mkdtempSync(join(tmpdir(), 'csw-events-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SINK: SyslogSinkConfig = {
  name: 'siem',
  host: '127.0.0.1',
  port: 6514,
  tls: null,
  facility: 16,
  appName: 'camsweep',
  hostname: 'collector-1',
};

const event = (data: Record<string, unknown>, kind = 'device.new') => ({
  id: 7,
  kind,
  site: 'city-hall',
  createdAt: '2026-12-07T10:00:00.000Z',
  data,
});

describe('CEF', () => {
  it('escapes backslash and pipe in the header, and turns line breaks there into spaces', () => {
    expect(cefHeader('a|b\\c\r\nd')).toBe('a\\|b\\\\c d');
  });

  it('escapes backslash, equals and line breaks in extension values; pipes stay', () => {
    expect(cefValue('k=v\\x|y\nz\rw')).toBe('k\\=v\\\\x|y\\nz\\rw');
  });

  it('shows hidden controls and bidi overrides as ? and caps long device strings', () => {
    expect(cefValue('a\u0000b\u001bc\u202ed\u2028e')).toBe('a?b?c?d\\ne');
    const long = cefValue('x'.repeat(10_000));
    expect([...long]).toHaveLength(128);
    expect(long.endsWith('…')).toBe(true);
  });

  it('leaves out empty fields and escapes every value', () => {
    const text = formatCef({
      signatureId: 'device.new',
      name: 'New | device',
      severity: 8,
      extension: [
        ['cs1', 'a=b'],
        ['cs2', null],
        ['cs3', ''],
        ['cn1', 4],
      ],
    });
    expect(text).toMatch(
      /^CEF:0\|camsweep\|collector\|[^|]+\|device\.new\|New \\\| device\|8\|cs1=a\\=b cn1=4$/,
    );
  });

  it('maps an exemption that ended: approver, end time, severity 6', () => {
    const cef = cefOf(
      event(
        {
          deviceId: 3,
          ip: '10.0.0.9',
          manufacturer: 'dahua',
          verdict: 'covered',
          approver: 'cio',
          expiresAt: '2026-12-01T23:59:59.999Z',
        },
        'exemption.expired',
      ),
    );
    expect(cef).toContain('|exemption.expired|Exemption expired|6|');
    expect(cef).toContain(' cs3Label=approver cs3=cio ');
    expect(cef).toContain(` end=${Date.parse('2026-12-01T23:59:59.999Z')}`);
  });

  it('maps a rules change to the new and previous versions', () => {
    const cef = cefOf(event({ agent: 'a1', from: '2025.06.1', to: '2026.01.1' }, 'rules.changed'));
    expect(cef).toContain(
      'cs2Label=rulesVersion cs2=2026.01.1 cs3Label=agent cs3=a1 cs4Label=previousRulesVersion cs4=2025.06.1',
    );
  });
});

describe('RFC 5424 message and RFC 6587 framing', () => {
  it('builds the header from config, event time and kind, with CEF as the message', () => {
    const m = syslogMessage(SINK, event({ verdict: 'covered', ip: '10.0.0.1' }));
    expect(m).toBe(
      `<132>1 2026-12-07T10:00:00.000Z collector-1 camsweep ${process.pid} device.new - ${cefOf(event({ verdict: 'covered', ip: '10.0.0.1' }))}`,
    );
  });

  it('keeps header fields printable ASCII whatever the config or host name says', () => {
    const m = syslogMessage({ ...SINK, hostname: 'host name\n<14>1', appName: 'cam sweep' }, event({}));
    expect(m.split(' ').slice(2, 4)).toEqual(['hostname<14>1', 'camsweep']);
    expect(m).not.toMatch(/[\r\n]/);
  });

  it('frames by byte length, so multi-byte text and a message with any content stay one message', () => {
    const m = syslogMessage(SINK, event({ model: 'Kamera «Süd» 東' }));
    const framed = frame(m);
    const space = framed.indexOf(0x20);
    expect(Number(framed.subarray(0, space).toString())).toBe(framed.length - space - 1);
    expect(framed.subarray(space + 1).toString('utf8')).toBe(m);
    expect(Buffer.byteLength(m)).toBeLessThan(2048);
  });

  it('stays under 2 KiB with every device string at its longest and widest', () => {
    const wide = '東'.repeat(5000);
    const m = syslogMessage(
      SINK,
      event({ model: wide, manufacturer: wide, ip: wide, mac: wide, verdict: wide }),
    );
    expect(Buffer.byteLength(m)).toBeLessThanOrEqual(2048);
    expect(m).not.toMatch(/[\r\n]/);
  });
});

describe('the events: config section', () => {
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads sinks, relay, digests and thresholds', () => {
    const file = write(
      'ok.yaml',
      `events:
  exemptionWarningDays: 30
  silentAgentAfter: 2d
  syslog:
    - name: siem
      host: siem.example.org
      port: 6514
      tls: { ca: /etc/camsweep/siem-ca.pem }
      facility: local4
  smtp: { host: mail.example.org, from: camsweep@example.org }
  digests:
    - { site: city-hall, to: it@example.org, schedule: weekly, weekday: friday, at: "06:30" }
`,
    );
    const c = eventsConfigFromFile(file);
    expect(c.syslog).toEqual([
      {
        name: 'siem',
        host: 'siem.example.org',
        port: 6514,
        tls: { ca: '/etc/camsweep/siem-ca.pem' },
        facility: 20,
        appName: 'camsweep',
        hostname: null,
      },
    ]);
    expect(c.smtp).toMatchObject({ port: 587, starttls: true, ca: null });
    expect(c.digests).toEqual([
      { site: 'city-hall', to: ['it@example.org'], schedule: 'weekly', atMinute: 390, weekday: 5 },
    ]);
    expect(c.exemptionWarningDays).toBe(30);
    expect(c.silentAgentAfterMs).toBe(2 * 86_400_000);
  });

  it('names each problem with file, line and key', () => {
    const file = write(
      'bad.yaml',
      `events:
  syslog:
    - name: siem
      host: "bad host"
      port: 70000
      tls: { cert: /c.pem }
  digests:
    - { site: city-hall, to: [not-an-address] }
  smtp: { host: mail.example.org, from: camsweep@example.org, starttls: off }
`,
    );
    let message = '';
    try {
      eventsConfigFromFile(file);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n')).toEqual([
      `${file}:4 events.syslog[0].host: must be a host name or address`,
      `${file}:5 events.syslog[0].port: must be a whole number 1-65535`,
      `${file}:6 events.syslog[0].tls: cert and key go together (the client certificate)`,
      `${file}:9 events.smtp.starttls: must be required (the default) or disabled`,
      `${file}:8 events.digests[0].to[0]: must be an e-mail address`,
    ]);
  });
});

describe('digest schedule', () => {
  it('is due at the configured UTC time, daily or on the weekday, never in the future', () => {
    const daily = { site: 's', to: ['a@b.c'], schedule: 'daily' as const, atMinute: 7 * 60, weekday: 1 };
    expect(lastDue(daily, new Date('2026-12-07T06:59:00Z')).due.toISOString()).toBe(
      '2026-12-06T07:00:00.000Z',
    );
    expect(lastDue(daily, new Date('2026-12-07T07:00:00Z')).due.toISOString()).toBe(
      '2026-12-07T07:00:00.000Z',
    );
    const weekly = { ...daily, schedule: 'weekly' as const, weekday: 1 };
    // 2026-12-07 is a Monday.
    const w = lastDue(weekly, new Date('2026-12-13T12:00:00Z'));
    expect([w.from.toISOString(), w.due.toISOString()]).toEqual([
      '2026-11-30T07:00:00.000Z',
      '2026-12-07T07:00:00.000Z',
    ]);
  });
});

describe('camsweep collector events', () => {
  const db = join(dir, 'cli.db');
  async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c) => (out += c));
    const io: CommandIO = {
      stdin: Readable.from(['']),
      stdout,
      stderr: new PassThrough(),
      isTTY: false,
      log: silentLogger,
      env,
      signal: AbortSignal.abort(),
    };
    const code = await run([...args, '--db', db], io);
    return { code, out };
  }

  it('lists sinks with their counts and the delivery log, newest first, device text made visible', async () => {
    const d = await openDatabase(db);
    const ids = await syncSinks(d, 'syslog', ['siem']);
    await d.tx((t) =>
      enqueueEvent(t, { kind: 'rules.changed', site: 'site\u001b[31m', data: {} }, new Date().toISOString()),
    );
    const delivery = await d.get<{ id: number }>('SELECT id FROM sink_deliveries');
    await settleSinkDelivery(d, delivery!.id, {
      ok: false,
      status: null,
      error: 'ECONNREFUSED',
      retryAt: new Date(Date.now() + 60_000),
    });
    await d.close();
    expect(ids.get('siem')).toBeGreaterThan(0);
    const sinks = await cli(['events', 'sinks']);
    expect(sinks.out).toBe('sink\tenabled\tpending\tdelivered\tfailed\nsyslog siem\tyes\t1\t0\t0\n');
    const log = await cli(['events', 'log', '--limit', '5']);
    expect(log.out.split('\n')[1]).toMatch(
      /^\S+\tsyslog siem\t1\trules\.changed\tsite\\x1b\[31m\tpending\t\tECONNREFUSED$/,
    );
  });

  it('queues again a delivery that ran out of attempts, and audits that', async () => {
    const d = await openDatabase(db);
    const delivery = await d.get<{ id: number }>('SELECT id FROM sink_deliveries');
    await settleSinkDelivery(d, delivery!.id, {
      ok: false,
      status: null,
      error: 'ECONNREFUSED',
      retryAt: null,
    });
    expect((await cli(['events', 'sinks'])).out).toContain('syslog siem\tyes\t0\t0\t1\n');
    expect((await cli(['events', 'retry'])).out).toBe('1 failed deliveries queued again\n');
    expect((await cli(['events', 'sinks'])).out).toContain('syslog siem\tyes\t1\t0\t0\n');
    const audit = await d.get<{ action: string }>('SELECT action FROM audit_log ORDER BY id DESC LIMIT 1');
    await d.close();
    expect(audit?.action).toBe('events.retry');
  });

  it('serves with a config file holding an events section beside the auth section', async () => {
    const file = join(dir, 'serve-ok.yaml');
    writeFileSync(file, 'events:\n  syslog: [{ name: siem, host: 127.0.0.1, port: 6514 }]\n');
    const served = await cli(['serve', '--listen', '127.0.0.1:0', '--config', file]);
    expect(served.code).toBe(0);
    expect(served.out).toMatch(/^collector listening on http:\/\/127\.0\.0\.1:\d+/);
  });

  it('refuses to serve with a bad events config, naming the file and line (CAMSWEEP_COLLECTOR_CONFIG)', async () => {
    const file = join(dir, 'serve.yaml');
    writeFileSync(file, 'events:\n  syslog: [{ name: siem, host: x, port: 0 }]\n');
    await expect(cli(['serve'], { CAMSWEEP_COLLECTOR_CONFIG: file })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: `${file}:2 events.syslog[0].port: must be a whole number 1-65535`,
    });
  });
});
