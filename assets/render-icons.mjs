#!/usr/bin/env node
// Renders the SVG icons of this folder to the PNGs Electron and electron-builder need (Electron's
// nativeImage cannot read SVG). Uses the system Chromium through playwright-core.
//   node assets/render-icons.mjs        (CHROMIUM=/path/to/chromium to override)
import { chromium } from 'playwright-core';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

const here = import.meta.dirname;
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** [svg, png, size in px] */
const jobs = [
  ['icon.svg', 'icon.png', 1024],
  ['icon.svg', 'icon-256.png', 256],
];
for (const file of await readdir(path.join(here, 'tray'))) {
  if (!file.endsWith('.svg')) continue;
  const base = file.slice(0, -'.svg'.length);
  jobs.push([`tray/${file}`, `tray/${base}.png`, 16], [`tray/${file}`, `tray/${base}@2x.png`, 32]);
}

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  for (const [svg, png, size] of jobs) {
    const data = (await readFile(path.join(here, svg))).toString('base64');
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<html><body style="margin:0;background:transparent"><img width="${size}" height="${size}" src="data:image/svg+xml;base64,${data}"></body></html>`,
    );
    await page.locator('img').evaluate((img) => img.decode());
    await page.screenshot({ path: path.join(here, png), omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    console.log(`${svg} → ${png} (${size}px)`);
  }
} finally {
  await browser.close();
}
