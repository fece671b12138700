/**
 * HTML → PDF with Debian's Chromium through playwright-core: nothing is downloaded, the page is
 * loaded from a string with the network refused, and each page's footer repeats the hash.
 */
import { existsSync } from 'node:fs';
import { CamsweepError } from '../core/errors.js';

export const CHROMIUM = '/usr/bin/chromium';
// Debian's Chromium, launched the same way by the PDF renderer and the browser tests: no sandbox
// inside containers, no GPU, and nothing that phones home (background networking, component
// updates, sync, QUIC).
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function htmlToPdf(html: string, hash: string, executablePath = CHROMIUM): Promise<Buffer> {
  if (!existsSync(executablePath))
    throw new CamsweepError(
      'E_USAGE',
      `PDF output needs Chromium at ${executablePath}, which is not installed`,
      {
        fix: 'apt-get install --no-install-recommends chromium, or write --html and print it from a browser',
      },
    );
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_FLAGS, headless: true });
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    const page = await context.newPage();
    // The document is self-contained; anything it tries to fetch is a bug or an injection.
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: `<div style="font-size:7px;width:100%;text-align:center;color:#444">SHA-256 ${hash} · page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`,
      margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
    });
  } finally {
    await browser.close();
  }
}
