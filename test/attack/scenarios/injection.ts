/**
 * Item 9 (text): injection payloads from devices, rendered in headless Chromium (Debian's
 * /usr/bin/chromium through playwright-core, inside the suite's network namespace) and
 * exported as CSV. Nothing may run, no bidi override or NUL may reach the rendered text, and
 * no CSV cell may start a formula (after blanks, a line break, or in fullwidth form).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../../../src/attest/pdf.js';
import {
  ADMIN,
  Client,
  type Context,
  device,
  type Outcome,
  postReport,
  report,
  type Scenario,
  startChildCollector,
} from '../lib.js';

export const PAYLOADS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(2)>',
  '<svg onload=alert(3)>',
  '"><script>alert(4)</script>',
  "' onmouseover=alert(5) x='",
  '</title><script>alert(6)</script>',
  '</textarea><script>alert(7)</script>',
  'javascript:alert(8)',
  '<a href="javascript:alert(9)">x</a>',
  '<iframe srcdoc="<script>alert(10)</script>">',
  '<%= it.csrf %>',
  '{{constructor.constructor("alert(11)")()}}',
  ['$', '{alert(12)}'].join(''),
  '<style>*{display:none}</style>',
  '<meta http-equiv="refresh" content="0;url=https://evil.invalid">',
  'admin\u202egnp.exe',
  'cam\u0000era',
  'zero\u200bwidth\u2066isolate\u2069',
  '=1+1',
  ' =HYPERLINK("https://evil.invalid")',
  '\n=1+1',
  '\uff1d1+1',
  '|calc',
  ';calc',
  '@SUM(A1)',
  '\t=1',
  '-2+3',
  '+cmd',
];

const FORMULA_CELL = /^[\s\u3000]*[=+\-@|;\uff1d\uff0b\uff0d\uff20\uff5c\uff1b]/;

/** Splits RFC 4180 CSV into cells (quoted cells may hold commas and line breaks). */
function csvCells(text: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length) {
        if (text[i] === '"' && text[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else cell += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') cell += text[i++];
    }
    cells.push(cell);
    if (text[i] === ',') i++;
    else if (text[i] === '\r') i += 2;
  }
  return cells;
}

export const injection: Scenario = {
  name: 'injection payloads through Chromium and CSV',
  item: '9',
  async run(ctx: Context): Promise<Outcome> {
    if (!existsSync(CHROMIUM)) return { tries: 0, held: false, detail: `${CHROMIUM} not installed` };
    const c = await startChildCollector(ctx, join(ctx.work, 'inject.db'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    try {
      const devices = PAYLOADS.map((p, i) =>
        device(`10.20.2.${i + 1}`, {
          model: p,
          firmware: p,
          banner: p,
          host: p.replace(/\s/g, '_').slice(0, 200),
        }),
      );
      const stored = await postReport(c.url, c.tokens.a, report('site-a', devices));
      if (stored.status !== 201)
        return {
          tries: 0,
          held: false,
          detail: `report not stored: ${JSON.stringify(stored.json).slice(0, 200)}`,
        };
      const page = await browser.newPage();
      let dialogs = 0;
      page.on('dialog', async (d) => {
        dialogs++;
        await d.dismiss();
      });
      await page.goto(`${c.url}/login`);
      await page.fill('input[name=username]', ADMIN.username);
      await page.fill('input[name=password]', ADMIN.password);
      await Promise.all([page.waitForURL(`${c.url}/`), page.click('button[type=submit]')]);
      const urls = ['/', '/devices', ...PAYLOADS.map((_, i) => `/devices/${i + 1}`)];
      const broke: string[] = [];
      for (const u of urls) {
        await page.goto(`${c.url}${u}`);
        const text = await page.innerText('body');
        if (/[\u202a-\u202e\u2066-\u2069\u0000]/.test(text)) broke.push(`${u}: bidi/NUL reaches the page`);
        if (
          (await page
            .locator(
              'main script, main img, main iframe, main style, main meta, main [onerror], main [onload], main [onmouseover], main a[href^=javascript]',
            )
            .count()) > 0
        )
          broke.push(`${u}: markup from a device was rendered`);
      }
      if (dialogs > 0) broke.push(`${dialogs} script dialogs ran`);
      const client = new Client(c.url);
      await client.login(ADMIN.username, ADMIN.password);
      const csv = await (await client.request('/export/devices.csv')).text();
      const cells = csvCells(csv);
      const formulas = cells.filter((cell) => FORMULA_CELL.test(cell) || /^[\t\r\n]/.test(cell));
      if (formulas.length)
        broke.push(
          `${formulas.length} CSV cells start a formula (e.g. ${JSON.stringify(formulas[0]).slice(0, 30)})`,
        );
      if (/[\u202a-\u202e\u2066-\u2069\u0000]/.test(csv)) broke.push('bidi/NUL in the CSV');
      return {
        tries: PAYLOADS.length * (urls.length + 1),
        held: broke.length === 0,
        detail: broke.length
          ? broke.slice(0, 5).join('; ')
          : `${PAYLOADS.length} payloads on ${urls.length} pages and the CSV stayed inert`,
      };
    } finally {
      await browser.close();
      await c.stop();
    }
  },
};
