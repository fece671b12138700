import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { attest } from '../../../agent/commands/attestation.js';
import { run as report } from '../../../agent/commands/report.js';
import { canonicalJson, sha256Hex } from '../../../src/attest/canonical.js';
import { deviceKey, readEmbedded, renderAttestation } from '../../../src/attest/index.js';
import type { Report } from '../../../src/contract/types.js';
import { CamsweepError } from '../../../src/core/errors.js';
import {
  axisCamera,
  dahuaNvr,
  hikvisionCamera,
  labReport,
  makeReport,
  XSS_BANNER,
  XSS_HOSTNAME,
} from '../../collector/fixtures.js';
import { tempDir } from '../../collector/harness.js';
import { runCommand } from './helpers.js';

const dir = tempDir('camsweep-attest-');
afterAll(() => dir.remove());
const AT = new Date('2026-12-07T12:00:00Z');

function withRulesOf(r: Report, asOf: string): Report {
  return {
    ...r,
    scan: {
      ...r.scan,
      rulesVersion: `${asOf}+0123456789ab`,
      rulesAsOf: asOf,
      rate: 200,
      exclusions: ['10.20.0.1'],
    },
  };
}

describe('attestation document', () => {
  const current = withRulesOf(labReport({ site: 'city-hall', at: '2026-12-06T10:00:00Z' }), '2026-12-07');
  const data = attest([{ report: current }], { organisation: 'Town of Example' });
  const { html, hash } = renderAttestation(data, AT);

  it('names the organisation, site, scan dates, versions and the rules as-of date', () => {
    expect(html).toContain('Town of Example');
    expect(html).toContain('Site: city-hall');
    expect(html).toContain(current.scan.startedAt);
    expect(html).toContain('camsweep 0.1.0');
    expect(html).toContain('rules as of 2026-12-07');
    expect(html).toContain('200 packets per second');
    expect(html).toContain('<code>10.20.0.1</code>');
  });

  it('lists covered and suspect devices with citation, date in force and evidence, and leaves the rest out', () => {
    expect(html).toContain('10.20.0.64');
    expect(html).toContain('DS-2CD2385G1-I');
    expect(html).toContain('Pub. L. 115-232, §889(f)(3)(B); 2 CFR 200.216');
    expect(html).toContain('2019-08-13');
    expect(html).toContain('App-webs/');
    expect(data.sites[0]?.devices.map((d) => d.verdict)).not.toContain('not-covered');
    expect(html).not.toContain('10.20.0.90'); // the unknown host is only counted
  });

  it('shows firmware risk separately from the verdict', () => {
    const cam = data.sites[0]?.devices.find((d) => d.ip === '10.20.0.64');
    expect(cam?.verdict).toBe('covered');
    expect(cam?.risks.map((r) => r.cve)).toEqual(['CVE-2021-36260']);
    expect(html).toContain('CVE-2021-36260');
  });

  it('escapes hostile device strings and carries no script', () => {
    expect(html).not.toContain(XSS_BANNER);
    expect(html).not.toContain(XSS_HOSTNAME);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    // The only <script> is the inert JSON data block, whose "<" are \u003c escapes.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toMatch(/<script type="application\/json"/);
    expect(html).toContain('content="default-src &#39;none&#39;;');
  });

  it('prints the SHA-256 of the canonical data it embeds', () => {
    expect(hash).toBe(sha256Hex(canonicalJson(data)));
    expect(html).toContain(hash);
    const embedded = readEmbedded(html, 'x.html');
    expect(embedded.hash).toBe(hash);
    expect(embedded.printedHash).toBe(hash);
    expect(embedded.data).toEqual(JSON.parse(JSON.stringify(data)));
  });

  it('hashes the same data the same whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }] })).toBe('{"a":[{"c":"x","d":null}],"b":1}');
  });

  it('warns in the document when the rules are over 180 days old', () => {
    const old = attest([{ report: withRulesOf(current, '2026-04-01') }], { organisation: null });
    expect(renderAttestation(old, AT).html).toMatch(/WARNING: 250 days old/);
  });

  it('lists what changed since the previous attestation', () => {
    const prevFile = `${dir.path}/previous.html`;
    const before = makeReport([hikvisionCamera(), dahuaNvr()], {
      site: 'city-hall',
      at: '2026-06-01T10:00:00Z',
    });
    writeFileSync(prevFile, renderAttestation(attest([{ report: before }], { organisation: null }), AT).html);
    const hik = hikvisionCamera({ verdict: 'suspect' });
    const after = makeReport([hik, axisCamera({ verdict: 'suspect' })], { site: 'city-hall' });
    const remediation = new Map([
      [
        deviceKey('city-hall', hik),
        {
          state: 'exempted',
          approver: 'City CIO',
          reason: 'replacement ordered',
          expiresAt: '2027-03-31',
          updatedAt: '2026-12-01T09:00:00Z',
        },
      ],
    ]);
    const next = attest([{ report: after, remediation }], { organisation: null, previousFile: prevFile });
    expect(next.previous?.hash).toBe(readEmbedded(readFileSync(prevFile, 'utf8'), prevFile).hash);
    expect(next.changes?.map((c) => c.kind).sort()).toEqual(['gone', 'new', 'remediation', 'verdict']);
    const text = renderAttestation(next, AT).html;
    expect(text).toContain('covered → suspect');
    expect(text).toContain('approved by City CIO; reason: replacement ordered; expires 2027-03-31');
  });

  it('refuses to build from nothing, naming the fix', () => {
    expect(() => attest([], { organisation: null })).toThrow(CamsweepError);
  });
});

describe('camsweep report sign / verify', () => {
  const reportFile = `${dir.path}/report.json`;
  const html = `${dir.path}/attestation.html`;

  it('accepts the original and rejects any edited byte, a wrong key or a forged hash', async () => {
    writeFileSync(reportFile, JSON.stringify(labReport({ site: 'library' })));
    expect((await runCommand(report, ['--from', reportFile, '--html', html, '--org', 'Library'])).code).toBe(
      0,
    );
    expect((await runCommand(report, ['keygen', '--out', `${dir.path}/org`])).code).toBe(0);
    expect((await runCommand(report, ['keygen', '--out', `${dir.path}/other`])).code).toBe(0);
    expect((await runCommand(report, ['sign', '--key', `${dir.path}/org.key`, html])).code).toBe(0);

    const ok = await runCommand(report, ['verify', '--pub', `${dir.path}/org.pub`, html]);
    expect(ok.stdout).toMatch(/Ed25519 signature valid/);
    expect(ok.code).toBe(0);

    const wrongKey = await runCommand(report, ['verify', '--pub', `${dir.path}/other.pub`, html]);
    expect(wrongKey.code).toBe(1);

    const original = readFileSync(html);
    for (const at of [10, Math.floor(original.length / 2), original.length - 2]) {
      const edited = Buffer.from(original);
      edited[at] = edited[at]! ^ 0x01;
      writeFileSync(html, edited);
      const res = await runCommand(report, ['verify', '--pub', `${dir.path}/org.pub`, html]).catch((e) => ({
        code: 1,
        stdout: String(e),
        stderr: '',
      }));
      expect(res.code, `byte ${at}`).toBe(1);
    }
    writeFileSync(html, original);

    // Unsigned check: editing the embedded data (a verdict) breaks the printed hash.
    const forged = original.toString('utf8').replace('"verdict":"covered"', '"verdict":"not-covered"');
    writeFileSync(`${dir.path}/forged.html`, forged);
    const res = await runCommand(report, ['verify', `${dir.path}/forged.html`]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/FAILED: embedded data hashes to [0-9a-f]{64}, the document prints/);
  });
});
