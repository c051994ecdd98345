// The renderer in Chromium driving the REAL engine (EngineService, the same one the Electron engine
// process hosts) through the test bridge: "Back up now" in the UI writes a real snapshot, which the
// CLI then restores byte for byte.
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHomeConfig } from '../../src-main/engine/home/homeConfig.js';
import { readConfig } from '../../src-main/engine/repo/index.js';
import { createEngineService } from '../../src-main/engine/service/index.js';
import { updateSettings } from '../../src-main/engine/settings/index.js';
import { FsStore } from '../../src-main/engine/store/index.js';
import { newRepo, type RepoFixture } from '../helpers/repoFixture.js';
import { openBridgedPage, serveStatic, type StaticServer } from './bridge.js';
import { assertChromium, chromiumAvailability, CHROMIUM_ARGS, CHROMIUM_PATH, IN_CI } from './chromium.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const availability = chromiumAvailability();
const suite = availability.run ? describe : describe.skip;

suite('renderer + real engine through the test bridge', () => {
  let f: RepoFixture;
  let outDir: string;
  let server: StaticServer;
  let browser: Browser;
  let src: string;

  beforeAll(async () => {
    if (IN_CI) assertChromium();
    f = newRepo();
    src = path.join(f.dir, 'Documents');
    mkdirSync(src);
    writeFileSync(path.join(src, 'lettre.txt'), 'Bonjour, ceci est une lettre.\n');
    writeFileSync(path.join(src, 'données.bin'), Buffer.alloc(300_000, 7));
    const { config } = await readConfig(await FsStore.open(f.repo));
    await writeHomeConfig(f.home, { version: 1, repo: { path: f.repo, repoId: config.repoId } });
    await updateSettings(f.home, { folders: [src] });
    outDir = await mkdtemp(path.join(os.tmpdir(), 'havre-renderer-real-'));
    await build({ configFile: path.join(repoRoot, 'src-renderer', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    server = await serveStatic(outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
    f?.cleanup();
  });

  it('"Back up now" backs up real files; the snapshot shows in the list and restores byte-identical', async () => {
    const engine = await createEngineService({ home: f.home, credentials: async () => ({ password: f.password }) });
    const context = await browser.newContext({ locale: 'en-US' });
    const bridged = await openBridgedPage(context, engine);
    try {
      const { page } = bridged;
      await page.goto(server.url);
      await page.getByRole('button', { name: 'Back up now' }).click();
      await expect.poll(() => page.getByTestId('snapshot-table').locator('tbody tr').count(), { timeout: 60_000 }).toBe(1);
      await expect.poll(() => page.getByTestId('backup-result').textContent(), { timeout: 60_000 }).toMatch(/Backup finished: 2 files/);
      const snaps = await engine.listSnapshots();
      expect(snaps).toHaveLength(1);
      const out = path.join(f.dir, 'restored');
      const r = await f.havre(['restore', snaps[0]!.id, '--target', out, '--path', src]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(path.join(out, 'Documents', 'lettre.txt')).equals(readFileSync(path.join(src, 'lettre.txt')))).toBe(true);
      expect(readFileSync(path.join(out, 'Documents', 'données.bin')).equals(readFileSync(path.join(src, 'données.bin')))).toBe(true);

      // The scheduled restore test (issue 7), run now: the overview says when and how it went.
      const run = await engine.maintain();
      expect(run?.restoreTest).toMatchObject({ sampled: 2, identical: 2, verified: 0 });
      await page.reload();
      await expect.poll(() => page.getByTestId('figure-restore-test').textContent(), { timeout: 30_000 }).toMatch(/Last restore test.*2 files, all identical/);
    } finally {
      await bridged.close();
      await context.close();
      await engine.close();
    }
  });
});
