// shot.mjs — opens a dsim viewer page in Debian's headless Chromium and saves
// a PNG screenshot (used for docs/img/demo.png and by hand).
// usage: node shot.mjs PAGE.html OUT.png [WIDTHxHEIGHT] [--from-ms A --to-ms B] [--click-cx]
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// Flags from the machine notes: no sandbox as root, no GPU, and no background
// networking (the closed network refuses it).
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

async function main() {
  const [page_path, out, size = '1400x800', ...rest] = process.argv.slice(2);
  if (!page_path || !out) {
    console.error('usage: node shot.mjs PAGE.html OUT.png [WIDTHxHEIGHT] [--from-ms A --to-ms B] [--click-cx]');
    process.exit(2);
  }
  const [w, h] = size.split('x').map(Number);
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: w, height: h } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(pathToFileURL(path.resolve(page_path)).href);
  await page.waitForFunction(() => window.dsimView && window.dsimView.ready);
  const from = rest.indexOf('--from-ms'), to = rest.indexOf('--to-ms');
  if (from >= 0 && to >= 0)
    await page.evaluate(([a, b]) => window.dsimView.setWindow(a * 1e6, b * 1e6), [Number(rest[from + 1]), Number(rest[to + 1])]);
  if (rest.includes('--click-cx')) {
    const li = await page.$('#cx-list li');
    if (li) await li.click();
  }
  await page.waitForTimeout(100);
  await page.screenshot({ path: out });
  await browser.close();
  console.log('wrote', out);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href)
  main().catch((e) => { console.error(e); process.exit(1); });
