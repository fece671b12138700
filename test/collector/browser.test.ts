/**
 * The dashboard in a real browser: headless Debian Chromium driven by playwright-core (no
 * browser download). Signs in, finds the Hikvision camera from a lab-shaped report, opens its
 * evidence, records an exemption, and proves the hostile banner is shown as text and never ran.
 * With CAMSWEEP_SCREENSHOT=path it also seeds several sites and saves the overview screenshot
 * used in src/collector/README.md.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS } from '../../src/attest/pdf.js';
import { notOwnTestNamespace } from '../helpers/own-netns.js';
import {
  axisCamera,
  dahuaNvr,
  hikvisionCamera,
  labReport,
  makeReport,
  switchLabReport,
  unknownHost,
  XSS_BANNER,
  XSS_HOSTNAME,
} from './fixtures.js';
import { ADMIN, type RunningCollector, startCollector, tempDir } from './harness.js';
import { post } from './suite.js';

const inCI = process.env.CI === 'true' || process.env.CI === '1';

/** A browser may only run inside npm test's own network namespace. */
function whyNot(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not installed (apt-get install chromium)`;
  return notOwnTestNamespace();
}
const skip = whyNot();
if (skip && inCI) throw new Error(`browser test cannot run in CI: ${skip}`);
if (skip) process.stderr.write(`skipping dashboard browser test: ${skip}\n`);

describe.skipIf(skip !== null)('dashboard in headless Chromium', () => {
  const dir = tempDir('camsweep-browser-');
  let c: RunningCollector;
  let browser: Browser;
  beforeAll(async () => {
    c = await startCollector(`${dir.path}/c.db`, { timeZone: 'America/Chicago' });
    expect((await post(c.app, c.token, labReport({ site: 'city-hall' }))).status).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    dir.remove();
  });

  it('signs in, finds the Hikvision camera, shows its evidence as text and records an exemption', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    const cspViolations: string[] = [];
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });

    await page.goto(`${c.url}/devices`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${c.url}/`);
    await expect(page.locator('.site h2').first().textContent()).resolves.toBe('city-hall');

    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await page.getByLabel('Search').fill('hikvision');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.locator('table.devices tbody tr');
    await expect(rows.count()).resolves.toBe(1);
    await rows.first().getByRole('link', { name: '10.20.0.64' }).click();

    // The maker shows under its vocabulary name, not its id.
    await expect(page.locator('h1').textContent()).resolves.toContain(
      'Hangzhou Hikvision Digital Technology Co., Ltd. DS-2CD2385G1-I',
    );
    const evidence = page.locator('table.evidence');
    await expect(evidence.locator('pre.value', { hasText: XSS_BANNER }).textContent()).resolves.toBe(
      XSS_BANNER,
    );
    await expect(evidence.locator('pre.value', { hasText: 'App-webs/' }).count()).resolves.toBe(1);
    await expect(page.locator('table.kv').textContent()).resolves.toContain(XSS_HOSTNAME);
    await expect(page.locator('table.findings').textContent()).resolves.toContain(
      'Pub. L. 115-232, §889(f)(3)(B)',
    );
    // Nothing the device sent became markup.
    await expect(page.locator('main script, main img').count()).resolves.toBe(0);

    await page.getByLabel('State').selectOption('exempted');
    await page.getByLabel('Approver').fill('City CIO');
    await page.getByLabel('Reason').fill('isolated VLAN until replacement in 2026');
    await page.getByLabel('Expires').fill('2026-12-31');
    await page.getByRole('button', { name: 'Record' }).click();
    await page.waitForLoadState('load');
    await expect(page.locator('main').textContent()).resolves.toContain(
      'approved by City CIO, until 2026-12-31',
    );
    await expect(page.locator('table.log tbody tr').count()).resolves.toBe(1);

    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  // CAMSWEEP_SCREENSHOT=src/collector/docs/dashboard.png regenerates the README's picture.
  it('shows every site with its counts and trend on the overview, and screenshots it', async () => {
    const { createAgentToken } = await import('../../src/collector/store/access.js');
    const sites = [
      { site: 'city-hall', covered: [2, 3, 3, 3, 2, 1], extra: 6 },
      { site: 'public-works', covered: [5, 5, 4, 4, 4, 3], extra: 12 },
      { site: 'library', covered: [1, 1, 1, 0, 0, 0], extra: 4 },
    ];
    for (const s of sites) {
      const token = s.site === 'city-hall' ? c.token : (await createAgentToken(c.db, s.site, null)).token;
      for (let day = 0; day < s.covered.length; day++) {
        const at = new Date(Date.UTC(2025, 5, 1 + day, 2)).toISOString();
        const devices = [
          ...Array.from({ length: s.covered[day]! }, (_, i) =>
            i % 2
              ? dahuaNvr({ ip: `10.30.1.${i + 1}`, mac: `3c:ef:8c:00:01:${String(i).padStart(2, '0')}` })
              : hikvisionCamera({
                  ip: `10.30.0.${i + 1}`,
                  mac: `58:50:ed:00:00:${String(i).padStart(2, '0')}`,
                }),
          ),
          hikvisionCamera({ ip: '10.30.2.9', mac: '58:50:ed:00:02:09', verdict: 'suspect', findings: [] }),
          ...Array.from({ length: s.extra }, (_, i) =>
            axisCamera({ ip: `10.30.3.${i + 1}`, mac: `ac:cc:8e:00:03:${String(i).padStart(2, '0')}` }),
          ),
          unknownHost('10.30.4.1'),
          unknownHost('10.30.4.2'),
        ];
        expect((await post(c.app, token, makeReport(devices, { site: s.site, at }))).status).toBe(201);
      }
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
    const page = await context.newPage();
    await page.goto(`${c.url}/login`);
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${c.url}/`);
    const shown = await page.locator('.site h2').allTextContents();
    expect(shown.map((t) => t.trim()).sort()).toEqual(sites.map((s) => s.site).sort());
    // Six seeded scans per site (city-hall also has the first test's report).
    const trends = await page.locator('figure.trend figcaption').allTextContents();
    expect(trends).toHaveLength(3);
    for (const t of trends) expect(t).toMatch(/Trend over the last (6|7) scans/);
    const png = await page.screenshot({
      fullPage: true,
      ...(process.env.CAMSWEEP_SCREENSHOT ? { path: process.env.CAMSWEEP_SCREENSHOT } : {}),
    });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    await context.close();
  });

  it('answers what each device is and where it is, with the site coverage next to the counts', async () => {
    const { createAgentToken } = await import('../../src/collector/store/access.js');
    const { token } = await createAgentToken(c.db, 'water-works', null);
    const at = '2026-06-01T02:00:00.000Z';
    expect((await post(c.app, token, switchLabReport({ site: 'water-works', at }))).status).toBe(201);
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    await page.goto(`${c.url}/login`);
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${c.url}/`);

    // Overview: coverage beside the verdict counts, the unreachable VLAN named as a blind spot.
    const site = page.locator('.site', { has: page.getByRole('heading', { name: 'water-works' }) });
    await expect(site.locator('table.counts').count()).resolves.toBe(1);
    await expect(site.locator('table.subnets tbody tr').allTextContents()).resolves.toEqual([
      expect.stringMatching(/10\.77\.0\.0\/24\s*3 of 253\s*3\s*0\s*local segment/),
      expect.stringMatching(/10\.79\.0\.0\/24\s*0 of 254\s*0\s*2\s*routed/),
    ]);
    await expect(site.getByRole('list', { name: 'Blind spots' }).textContent()).resolves.toContain(
      '10.79.0.0/24 unreachable',
    );
    // Times in the configured zone (Chicago, CDT in June), the ISO form on hover.
    const when = site.locator('.coverage time');
    await expect(when.textContent()).resolves.toBe('2026-05-31 21:00 CDT');
    await expect(when.getAttribute('title')).resolves.toBe(at);

    // Device list: filter by VLAN, see switch and port, sort, and no remediation for unknowns.
    await page.goto(`${c.url}/devices?site=water-works`);
    await page.getByLabel('VLAN').selectOption('79');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.locator('table.devices tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await page.getByRole('link', { name: 'IP', exact: true }).click();
    await page.getByRole('link', { name: 'IP', exact: true }).click();
    await expect(page.locator('th[aria-sort="descending"]').textContent()).resolves.toContain('IP');
    const cells = async (i: number) =>
      (await rows.nth(i).locator('td').allTextContents()).map((t) => t.trim());
    const first = await cells(0);
    expect(first.slice(2, 3)).toEqual(['10.79.0.65']);
    expect(first).toEqual(
      expect.arrayContaining([
        'Hangzhou Hikvision Digital Technology Co., Ltd.',
        'core-sw-lab (10.77.0.5)',
        '1/1/8 (cam yard)',
        '79',
        'open',
      ]),
    );
    await page.goto(
      `${c.url}/devices?site=water-works&switch=${encodeURIComponent('core-sw-lab (10.77.0.5)')}&sort=vlan&dir=asc`,
    );
    await expect(rows.count()).resolves.toBe(3);
    const unknownRow = await cells(0);
    expect(unknownRow[2]).toBe('10.77.0.31');
    expect(unknownRow[11]).toBe('—');

    // The unknown device says what it showed, hostile text as text, and offers no remediation.
    await rows.first().getByRole('link', { name: '10.77.0.31' }).click();
    const seen = page.locator('table.seen');
    await expect(seen.textContent()).resolves.toContain('SSH-2.0-dropbear_2019.78');
    await expect(seen.textContent()).resolves.toContain('Linux gateway 4.9.37');
    await expect(seen.textContent()).resolves.toContain('Intel Corporate');
    await expect(seen.locator('pre.value', { hasText: XSS_BANNER }).textContent()).resolves.toBe(XSS_BANNER);
    await expect(page.locator('main').textContent()).resolves.toContain('Open TCP ports: 22, 23');
    await expect(page.locator('table.location').textContent()).resolves.toContain('1/1/31');
    await expect(page.locator('form.remediation').count()).resolves.toBe(0);
    await expect(page.locator('main script, main img').count()).resolves.toBe(0);
    expect(dialogs).toEqual([]);
    await context.close();
  });
});
