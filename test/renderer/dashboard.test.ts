// The renderer, built for real with Vite, running in Debian's Chromium against the test bridge
// (bridge.ts) and an in-test fake engine (fakeEngine.ts). Checks first paint, the status
// sentence, "Back up now" with live progress, the language switch, keyboard use, the CSP, and
// that malformed requests are refused. Screenshots land in test-results/screenshots/.

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_CSP } from '../../src-main/ipc/csp.js';
import { openBridgedPage, serveStatic, type BridgedPage, type StaticServer } from './bridge.js';
import { assertChromium, chromiumAvailability, CHROMIUM_ARGS, CHROMIUM_PATH, IN_CI } from './chromium.js';
import { FakeEngine } from './fakeEngine.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const screenshotDir = path.join(repoRoot, 'test-results', 'screenshots');

const availability = chromiumAvailability();
if (!availability.run) console.warn(availability.reason);
const suite = availability.run ? describe : describe.skip;

suite('renderer dashboard in Chromium (test bridge, fake engine)', () => {
  let outDir: string;
  let server: StaticServer;
  let browser: Browser;
  const open: Array<BridgedPage | BrowserContext> = [];

  beforeAll(async () => {
    if (IN_CI) assertChromium();
    outDir = await mkdtemp(path.join(os.tmpdir(), 'havre-renderer-'));
    await build({
      configFile: path.join(repoRoot, 'src-renderer', 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    server = await serveStatic(outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    await mkdir(screenshotDir, { recursive: true });
  });

  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  /** A fresh context and bridged page; collects console errors and page errors. */
  async function start(engine: FakeEngine, locale = 'en-US') {
    const context = await browser.newContext({ locale, viewport: { width: 1000, height: 720 }, colorScheme: 'light' });
    open.push(context);
    const bridged = await openBridgedPage(context, engine);
    open.push(bridged);
    const problems: string[] = [];
    bridged.page.on('console', (msg: ConsoleMessage) => {
      if (msg.type() !== 'error' && msg.type() !== 'warning') return;
      // A <meta> CSP cannot carry frame-ancestors; the HTTP header (and main.ts's) does.
      if (msg.text().includes("'frame-ancestors' is ignored")) return;
      problems.push(`${msg.type()}: ${msg.text()}`);
    });
    bridged.page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    const response = await bridged.page.goto(server.url);
    return { ...bridged, problems, response };
  }

  it('loads, paints, shows the status sentence and the snapshot list under the strict CSP', async () => {
    const engine = new FakeEngine();
    const { page, problems, response } = await start(engine);

    expect(response?.headers()['content-security-policy']).toBe(RENDERER_CSP);
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toBe(RENDERER_CSP);

    const sentence = page.getByTestId('status-sentence');
    await expect.poll(() => sentence.textContent()).toMatch(/^Your files are protected\. Last backup 12 minutes ago: 18,452 files, 4\.8\sGB\.$/);
    await expect.poll(() => page.getByTestId('snapshot-table').locator('tbody tr').count()).toBe(3);

    const fcp = await page.evaluate(() => {
      const entry = performance.getEntriesByName('first-contentful-paint')[0];
      return entry === undefined ? null : entry.startTime;
    });
    expect(fcp).not.toBeNull();
    console.log(`renderer first contentful paint: ${Math.round(fcp ?? 0)} ms (budget 1 s is checked by bench/, not here)`);

    // Only the contract's API is exposed, and the page has no Node.
    const surface = await page.evaluate(() => {
      const g = globalThis as unknown as Record<string, unknown>;
      return { keys: Object.keys(g.havre as object).sort(), require: typeof g.require, process: typeof g.process };
    });
    expect(surface).toEqual({ keys: ['invoke', 'onActivity', 'onEngineLifecycle', 'onNavigate', 'onProgress', 'onResult', 'onStatus'], require: 'undefined', process: 'undefined' });
    expect(engine.calls).toEqual(expect.arrayContaining(['status', 'listSnapshots']));
    expect(problems).toEqual([]);
  });

  it('"Back up now" (keyboard) calls backup:start, renders live progress, then the result', async () => {
    const engine = new FakeEngine();
    const { page, calls, problems } = await start(engine);
    await expect.poll(() => page.getByTestId('status-sentence').textContent()).toContain('protected');

    // Keyboard only: the skip link first, then the sections, the language switch, the button; Enter.
    const focused = (): Promise<string> => page.evaluate(() => {
      const el = (globalThis as unknown as { document: { activeElement: { id: string; textContent: string | null } } }).document.activeElement;
      return el.id || (el.textContent ?? '').trim();
    });
    const order: string[] = [];
    for (let i = 0; i < 7; i++) {
      await page.keyboard.press('Tab');
      order.push(await focused());
    }
    expect(order).toEqual(['Skip to the content', 'Overview', 'Activity', 'Restore', 'Settings', 'lang-select', 'Back up now']);
    const button = page.getByRole('button', { name: 'Back up now' });
    await page.keyboard.press('Enter');

    await expect.poll(() => engine.calls.filter((c) => c === 'startBackup').length).toBe(1);
    expect(calls.map((c) => c.channel)).toContain('backup:start');
    await expect.poll(() => page.getByTestId('backup-now').isDisabled()).toBe(true);

    engine.emit({
      type: 'job:progress',
      payload: {
        jobId: 'job-1', kind: 'backup', phase: 'transferring', files: 120, totalFiles: 400,
        bytes: 1_250_000_000, totalBytes: 5_000_000_000, bytesPerSecond: 85_000_000, etaSeconds: 44,
        currentPath: '/home/marie/Documents/Rapport annuel 2025.odt',
      },
    });
    const detail = page.getByTestId('progress-detail');
    await expect.poll(() => detail.textContent()).toContain('120 of 400 files');
    expect(await detail.textContent()).toMatch(/1\.3\sGB of 5\sGB/);
    expect(await page.getByTestId('backup-progress').textContent()).toContain('25%');
    expect(await page.locator('progress').getAttribute('value')).toBe('1250000000');
    expect(await page.getByTestId('backup-progress').textContent()).toContain('Sending files');
    await page.screenshot({ path: path.join(screenshotDir, 'dashboard-en-progress.png'), fullPage: true });

    // The job ends: progress goes, the result shows, the list is reloaded with the new snapshot.
    const newest = { ...engine.snapshots[0]!, id: 'abcdef01'.repeat(8), shortId: 'abcdef01', time: new Date().toISOString(), files: 18_460 };
    engine.snapshots = [newest, ...engine.snapshots];
    engine.emit({ type: 'job:result', payload: { jobId: 'job-1', kind: 'backup', ok: true, summary: { files: 400, bytes: 5_000_000_000, durationMs: 61_000, snapshotId: newest.id } } });
    await expect.poll(() => page.getByTestId('backup-result').textContent()).toMatch(/Backup finished: 400 files, 5\sGB\./);
    await expect.poll(() => page.getByTestId('snapshot-table').locator('tbody tr').count()).toBe(4);
    expect(await page.getByTestId('backup-progress').count()).toBe(0);
    expect(await button.isEnabled()).toBe(true);
    await page.screenshot({ path: path.join(screenshotDir, 'dashboard-en.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('switches to French, and starts in French when the browser is French', async () => {
    const engine = new FakeEngine();
    const { page, problems } = await start(engine);
    await expect.poll(() => page.getByTestId('status-sentence').textContent()).toContain('protected');

    await page.getByLabel('Language').selectOption('fr');
    await expect.poll(() => page.getByTestId('status-sentence').textContent()).toMatch(
      /^Vos fichiers sont protégés\. Dernière sauvegarde il y a 12 minutes : 18\s452 fichiers, 4,8\sGo\.$/,
    );
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang)).toBe('fr');
    expect(await page.getByRole('button', { name: 'Sauvegarder maintenant' }).count()).toBe(1);
    expect(await page.getByRole('columnheader', { name: 'Taille' }).count()).toBe(1);
    await page.screenshot({ path: path.join(screenshotDir, 'dashboard-fr.png'), fullPage: true });
    expect(problems).toEqual([]);

    const fr = await start(new FakeEngine(), 'fr-FR');
    await expect.poll(() => fr.page.getByTestId('status-sentence').textContent()).toContain('Vos fichiers sont protégés');
    expect(await fr.page.getByLabel('Langue').inputValue()).toBe('fr');
  });

  it('shows the engine restarting and disables the button', async () => {
    const engine = new FakeEngine();
    const { page, emit } = await start(engine);
    await expect.poll(() => page.getByTestId('status-sentence').textContent()).toContain('protected');
    await emit('engine:lifecycle', { state: 'restarting', restarts: 1, retryInMs: 500 });
    await expect.poll(() => page.getByTestId('status-sentence').textContent()).toContain('restarting');
    expect(await page.getByTestId('backup-now').isDisabled()).toBe(true);
    await emit('engine:lifecycle', { state: 'running', restarts: 1 });
    await expect.poll(() => page.getByTestId('status-sentence').textContent()).toContain('protected');
  });

  it('refuses malformed requests and never leaks a raw engine error', async () => {
    const engine = new FakeEngine();
    const { page } = await start(engine);
    await expect.poll(() => page.getByTestId('status-sentence').textContent()).toContain('protected');
    const before = engine.calls.length;

    const results = await page.evaluate(async () => {
      const api = (globalThis as unknown as { havre: { invoke: (...args: unknown[]) => Promise<unknown> } }).havre;
      return Promise.all([
        api.invoke('snapshot:ls', { snapshotId: 'not-hex!', path: '/' }),
        api.invoke('snapshot:ls', { snapshotId: 'abcdef01', path: '/', extra: 1 }),
        api.invoke('restore:start', { snapshotId: 'abcdef01', target: 'relative/dir', conflict: 'skip' }),
        api.invoke('restore:start', { snapshotId: 'abcdef01', target: '/tmp/r', conflict: 'clobber' }),
        api.invoke('job:cancel', { jobId: '../../etc' }),
        api.invoke('engine:status', { unexpected: true }),
        api.invoke('fs:readFile', '/etc/passwd'),
      ]);
    });
    expect(results.map((r) => (r as { error: { code: string } }).error.code)).toEqual([
      'INVALID_REQUEST', 'INVALID_REQUEST', 'INVALID_REQUEST', 'INVALID_REQUEST', 'INVALID_REQUEST', 'INVALID_REQUEST', 'UNKNOWN_CHANNEL',
    ]);
    expect(engine.calls.length).toBe(before); // nothing reached the engine

    engine.throwNext = new Error('EACCES: /home/marie/.ssh/id_ed25519 password=hunter2');
    const leaked = await page.evaluate(() =>
      (globalThis as unknown as { havre: { invoke: (c: string) => Promise<unknown> } }).havre.invoke('engine:status'),
    );
    expect(leaked).toEqual({ ok: false, error: { code: 'INTERNAL', message: expect.any(String), messageFr: expect.any(String) } });
    expect(JSON.stringify(leaked)).not.toMatch(/hunter2|\.ssh|EACCES|at /);

    const good = await page.evaluate(() =>
      (globalThis as unknown as { havre: { invoke: (c: string, r: unknown) => Promise<unknown> } }).havre.invoke('snapshot:ls', { snapshotId: 'abcdef01', path: '/' }),
    );
    expect(good).toMatchObject({ ok: true, value: [{ name: 'Documents', type: 'dir' }] });
  });
});

// UI states the real engine cannot be put in on demand (IT's locked policy arrives with issue 8;
// warnings of a watcher limit; a pause until a given time): the fake engine stands in.
suite('renderer states from the fake engine: locks, warnings, pause, navigation', () => {
  let outDir: string;
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(os.tmpdir(), 'havre-renderer-states-'));
    await build({ configFile: path.join(repoRoot, 'src-renderer', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    server = await serveStatic(outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    await mkdir(screenshotDir, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  async function open(engine: FakeEngine, hash = '', locale = 'en-US') {
    const context = await browser.newContext({ locale, viewport: { width: 1100, height: 800 } });
    const bridged = await openBridgedPage(context, engine);
    await bridged.page.goto(`${server.url}${hash}`);
    return { ...bridged, close: async () => {
      await bridged.close();
      await context.close();
    } };
  }

  const policy = (setting: string) => ({ code: 'SETTING_LOCKED', message: `The setting “${setting}” is fixed by your organisation’s policy (IT: company policy); ask your IT support to change it.`,
    messageFr: `Le réglage « ${setting} » est fixé par la politique de votre organisation (IT : politique de l’entreprise) ; demandez à votre support informatique de le changer.` });

  it('shows settings IT locked as locked, with the reason, and never sends them', async () => {
    const engine = new FakeEngine();
    engine.settings = { ...engine.settings, locked: { folders: policy('folders'), uploadKiBps: policy('uploadKiBps'), pauseOnMetered: policy('pauseOnMetered') } };
    const b = await open(engine, '#/settings');
    try {
      const { page } = b;
      await expect.poll(() => page.getByTestId('locked-reason').count()).toBe(3);
      expect(await page.getByTestId('new-folder').isDisabled()).toBe(true);
      expect(await page.getByTestId('limit-upload').isDisabled()).toBe(true);
      expect(await page.getByTestId('locked-reason').first().textContent()).toContain('fixed by your organisation’s policy');
      await page.getByTestId('continuous').uncheck();
      await page.getByTestId('settings-save').click();
      await expect.poll(() => page.getByTestId('settings-saved').count()).toBe(1);
      const sent = b.calls.filter((c) => c.channel === 'settings:set').map((c) => c.payload);
      expect(sent).toEqual([{ continuous: false }]);
      await page.screenshot({ path: path.join(screenshotDir, 'settings-locked-en.png'), fullPage: true });
    } finally {
      await b.close();
    }
  });

  it('says what needs attention and offers the fix; pauses and resumes', async () => {
    const engine = new FakeEngine();
    engine.statusValue = { ...engine.statusValue, protection: { ...engine.protection, mode: 'scan-only', failedFiles: 2, pendingFiles: 3, pendingBytes: 2_400_000,
      oldestPendingChange: new Date(Date.now() - 600_000).toISOString(),
      warnings: [{ code: 'FOLDER_UNAVAILABLE', message: 'The folder /media/marie/USB cannot be reached (not found): its protection waits until it is back. What was already backed up is safe.',
        messageFr: 'Le dossier /media/marie/USB est inaccessible (not found) : sa protection attend son retour. Ce qui était déjà sauvegardé est en sécurité.' }] } };
    const b = await open(engine);
    try {
      const { page } = b;
      await expect.poll(() => page.getByTestId('status-sentence').textContent()).toMatch(/^3 changed files wait to be backed up \(2\.4\sMB\)/);
      const warnings = page.getByTestId('warnings');
      expect(await warnings.textContent()).toContain('/media/marie/USB cannot be reached');
      expect(await warnings.textContent()).toContain('2 file(s) could not be backed up');
      await page.screenshot({ path: path.join(screenshotDir, 'dashboard-attention-en.png'), fullPage: true });
      await warnings.getByRole('button', { name: 'Choose folders' }).click();
      await expect.poll(() => page.locator('main').getAttribute('data-screen')).toBe('settings');
      await page.getByTestId('nav-dashboard').click();
      await page.getByTestId('pause-menu').click();
      engine.statusValue = { ...engine.statusValue, state: 'paused' };
      await page.getByRole('button', { name: 'Until tomorrow' }).click();
      await expect.poll(() => engine.calls.includes('pause')).toBe(true);
      expect(b.calls.find((c) => c.channel === 'protection:pause')?.payload).toEqual({ until: 'tomorrow' });
    } finally {
      await b.close();
    }
  });

  it('switches to the dark theme from Settings, over a light system, and keeps the choice', async () => {
    const b = await open(new FakeEngine(), '#/settings');
    try {
      const bg = (): Promise<string> => b.page.evaluate(() => {
        const g = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string }; document: { documentElement: unknown } };
        return g.getComputedStyle(g.document.documentElement).backgroundColor;
      });
      await expect.poll(() => b.page.getByTestId('settings-theme').count()).toBe(1);
      expect(await bg()).toBe('rgb(245, 247, 250)');
      await b.page.getByTestId('settings-theme').selectOption('dark');
      await expect.poll(bg).toBe('rgb(18, 23, 29)');
      await b.page.reload();
      await expect.poll(bg).toBe('rgb(18, 23, 29)');
      await b.page.getByTestId('settings-theme').selectOption('system');
      await expect.poll(bg).toBe('rgb(245, 247, 250)');
    } finally {
      await b.close();
    }
  });

  it('opens the screen the main process asks for (the tray\'s "Restore a file…")', async () => {
    const b = await open(new FakeEngine());
    try {
      await expect.poll(() => b.page.locator('main').getAttribute('data-screen')).toBe('dashboard');
      await b.emit('app:navigate', { screen: 'restore' });
      await expect.poll(() => b.page.locator('main').getAttribute('data-screen')).toBe('restore');
      expect(await b.page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash)).toBe('#/restore');
      expect(await b.page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } } }).document.activeElement.tagName)).toBe('H1');
    } finally {
      await b.close();
    }
  });
});
