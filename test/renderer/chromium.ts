// Where the renderer tests find a browser: Debian's Chromium (apt-get install chromium). Missing
// Chromium skips the suite on a developer machine, with a message, and fails it in CI.

import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.HAVRE_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

export type ChromiumAvailability = { run: true } | { run: false; reason: string };

/** Whether to run; in CI a missing Chromium is not a reason to skip (the suite then fails in beforeAll). */
export function chromiumAvailability(): ChromiumAvailability {
  if (existsSync(CHROMIUM_PATH) || IN_CI) return { run: true };
  return { run: false, reason: `Renderer tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set HAVRE_CHROMIUM)` };
}

export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is required for the renderer tests in CI but ${CHROMIUM_PATH} is missing: .ci/run must apt-get install -y chromium`);
  }
}
