// End-to-end test of the real Electron app (main, preload, renderer, engine utility process with a
// stand-in engine module). Needs an Electron binary and a build (`npm run build:app`); where there
// is no binary — as on machines that cannot download one — it is skipped, and says so.

import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const SKIP_MESSAGE = 'Electron e2e skipped: no Electron binary on this machine';

/**
 * The Electron executable, or null. `require('electron')` downloads the binary when it is missing,
 * so it is called only once path.txt points at a file that exists (or an override is set).
 */
function findElectronBinary(): string | null {
  const explicit = process.env.HAVRE_ELECTRON_BINARY;
  if (explicit !== undefined && explicit !== '') return existsSync(explicit) ? explicit : null;
  const pkgDir = path.join(repoRoot, 'node_modules', 'electron');
  const pathTxt = path.join(pkgDir, 'path.txt');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override === undefined && !existsSync(pathTxt)) return null;
  if (override === undefined && !existsSync(path.join(pkgDir, 'dist', readFileSync(pathTxt, 'utf8').trim()))) return null;
  try {
    const exe: unknown = createRequire(import.meta.url)('electron');
    return typeof exe === 'string' && existsSync(exe) ? exe : null;
  } catch {
    return null;
  }
}

const electronBinary = findElectronBinary();
if (electronBinary === null) console.log(SKIP_MESSAGE);

describe('Electron app e2e', () => {
  if (electronBinary === null) {
    it.skip(SKIP_MESSAGE, () => undefined);
    return;
  }
  const executablePath = electronBinary;

  let app: ElectronApplication;
  let window: Page;
  let home: string;

  beforeAll(async () => {
    const built = ['dist/src-main/app/main.js', 'dist/src-main/app/engineProcess.js', 'dist/src-main/preload/index.cjs', 'src-renderer/dist/index.html'];
    const missing = built.filter((f) => !existsSync(path.join(repoRoot, f)));
    if (missing.length > 0) throw new Error(`Build the app first (npm run build:app); missing: ${missing.join(', ')}`);

    home = await mkdtemp(path.join(os.tmpdir(), 'havre-e2e-'));
    const args = [repoRoot];
    if (process.platform === 'linux') {
      if (process.getuid?.() === 0) args.unshift('--no-sandbox'); // Chromium refuses to run as root with its OS sandbox
      if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) args.unshift('--ozone-platform=headless');
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
    app = await _electron.launch({
      executablePath,
      args,
      env: { ...env, HAVRE_HOME: home, HAVRE_ENGINE_MODULE: path.join(import.meta.dirname, 'fixtures', 'fake-engine.mjs'), LANG: 'en_US.UTF-8' },
      timeout: 60_000,
    });
    window = await app.firstWindow();
  });

  afterAll(async () => {
    await app?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('opens one hardened window on our renderer', async () => {
    expect(window.url()).toMatch(/^file:\/\/.*\/src-renderer\/dist\/index\.html$/);
    const windows = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.webContents.getURL()));
    expect(windows).toEqual([window.url()]);

    const surface = await window.evaluate(() => {
      const g = globalThis as unknown as Record<string, unknown>;
      return { havre: Object.keys(g.havre as object).sort(), require: typeof g.require, process: typeof g.process, popup: (g as unknown as { open: (u: string) => unknown }).open('https://example.com/') === null };
    });
    expect(surface).toEqual({ havre: ['invoke', 'onEngineLifecycle', 'onProgress', 'onResult', 'onStatus'], require: 'undefined', process: 'undefined', popup: true });
  });

  it('shows the engine status and backs up with live progress', async () => {
    const sentence = window.getByTestId('status-sentence');
    await expect.poll(() => sentence.textContent(), { timeout: 30_000 }).toContain('Your files are protected');
    await window.getByRole('button', { name: 'Back up now' }).click();
    await expect.poll(() => window.getByTestId('backup-result').textContent(), { timeout: 15_000 }).toContain('Backup finished');
    await expect.poll(() => window.getByTestId('snapshot-table').locator('tbody tr').count()).toBe(2);
  });

  it('refuses to navigate away from the renderer', async () => {
    const before = window.url();
    await window.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(window.url()).toBe(before);
  });
});
