/**
 * Directory sign-in in a real browser (Debian Chromium via playwright-core): one collector
 * configured with both an OIDC provider (oidc-provider over HTTPS) and an LDAP directory
 * (slapd with StartTLS), each started by this test on loopback. A site-scoped user signs in
 * through each method and sees only their own site, on the overview and in the device list.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS } from '../../src/attest/pdf.js';
import { loadCollectorConfig } from '../../src/collector/auth/config.js';
import { createAgentToken } from '../../src/collector/store/access.js';
import { notOwnTestNamespace } from '../helpers/own-netns.js';
import { makeTestPki } from '../helpers/pki.js';
import { labReport } from './fixtures.js';
import { freePort, type RunningCollector, startCollector, tempDir } from './harness.js';
import { OIDC_USERS, oidcYaml } from './peers/directory-config.js';
import { type RunningProvider, startProvider } from './peers/oidc-provider.js';
import { BASE, type RunningSlapd, SLAPD, startSlapd } from './peers/slapd.js';
import { post } from './suite.js';

const inCI = process.env.CI === 'true' || process.env.CI === '1';

function whyNot(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not installed (apt-get install chromium)`;
  if (!existsSync(SLAPD)) return `${SLAPD} not installed (apt-get install --no-install-recommends slapd)`;
  return notOwnTestNamespace();
}
const skip = whyNot();
if (skip && inCI) throw new Error(`directory browser test cannot run in CI: ${skip}`);
if (skip) process.stderr.write(`skipping directory browser test: ${skip}\n`);

describe.skipIf(skip !== null)('directory sign-in in headless Chromium', () => {
  const dir = tempDir('csw-dir-browser-');
  let idp: RunningProvider;
  let slapd: RunningSlapd;
  let c: RunningCollector;
  let browser: Browser;

  beforeAll(async () => {
    const pki = makeTestPki(dir.path);
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/login/oidc/callback`;
    idp = await startProvider(pki, redirectUri, OIDC_USERS);
    slapd = await startSlapd(
      join(dir.path, 'ldap'),
      [{ uid: 'alice', password: 'alice-Directory-pw1', groups: ['cs-cityhall-viewers'] }],
      pki,
    );
    const file = join(dir.path, 'collector.yaml');
    const ldap = `  ldap:
    url: ${slapd.ldapUrl}
    startTls: true
    caFile: ${pki.ca}
    userBase: ou=people,${BASE}
    userFilter: (uid={username})
    label: County directory
`;
    const mapping = `    - group: cn=cs-cityhall-viewers,ou=groups,${BASE}
      role: viewer
      sites: [city-hall]
`;
    writeFileSync(
      file,
      oidcYaml(idp.issuer, redirectUri, dir.path, pki.ca)
        .replace('  mappings:\n', `${ldap}  mappings:\n`)
        .concat(mapping),
    );
    c = await startCollector(join(dir.path, 'c.db'), { auth: loadCollectorConfig(file).auth, port });
    expect((await post(c.app, c.token, labReport({ site: 'city-hall' }))).status).toBe(201);
    const { token } = await createAgentToken(c.db, 'library', null);
    expect((await post(c.app, token, labReport({ site: 'library' }))).status).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    await idp?.stop();
    await slapd?.stop();
    dir.remove();
  });

  /** What a site-scoped viewer must see: their site and nothing of the other one. */
  async function seesOnlyCityHall(page: Page) {
    await expect(page.locator('.site h2').allTextContents()).resolves.toEqual(['city-hall']);
    await page.goto(`${c.url}/devices`);
    const sites = await page.locator('table.devices tbody tr td').allTextContents();
    expect(sites).toContain('city-hall');
    expect(sites).not.toContain('library');
    await page.goto(`${c.url}/devices?site=library`);
    await expect(page.locator('table.devices tbody tr td', { hasText: '10.20.0.64' }).count()).resolves.toBe(
      0,
    );
  }

  it('signs in through the OIDC provider and shows only the user’s site', async () => {
    // The browser visits the provider's test-CA certificate; the collector itself checks it against caFile.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${c.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.waitForURL((u) => u.origin === idp.issuer);
    await page.locator('input[name="login"]').fill('oscar');
    await page.locator('input[name="password"]').fill('oscar-password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.waitForURL(`${c.url}/`);
    await expect(page.locator('.who').textContent()).resolves.toBe('oscar');
    await seesOnlyCityHall(page);
    await context.close();
  });

  it('signs in with a directory (LDAP) account and shows only the user’s site', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${c.url}/login`);
    await expect(page.getByLabel('County directory').isChecked()).resolves.toBe(true);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('not-her-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('p.error').textContent()).resolves.toBe('Wrong user name or password.');
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('alice-Directory-pw1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${c.url}/`);
    await expect(page.locator('.who').textContent()).resolves.toBe('alice');
    await seesOnlyCityHall(page);
    await context.close();
  });
});
