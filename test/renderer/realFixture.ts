// What the renderer tests drive: a real repository with a few real backups of a folder whose names
// are long, right-to-left, emoji and accented, the real engine over it, and the renderer built and
// served; plus Chromium. Each suite makes its own, so suites never share state.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { build } from 'vite';
import { expect } from 'vitest';
import { writeHomeConfig } from '../../src-main/engine/home/homeConfig.js';
import { readConfig } from '../../src-main/engine/repo/index.js';
import { createEngineService, type EngineService } from '../../src-main/engine/service/index.js';
import { updateSettings } from '../../src-main/engine/settings/index.js';
import { FsStore } from '../../src-main/engine/store/index.js';
import type { EngineApi } from '../../src-main/ipc/contract.js';
import { newRepo, type RepoFixture } from '../helpers/repoFixture.js';
import { openBridgedPage, serveStatic, type BridgedPage, type BridgeTarget, type StaticServer } from './bridge.js';
import { assertChromium, CHROMIUM_ARGS, CHROMIUM_PATH, IN_CI } from './chromium.js';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const screenshotDir = path.join(repoRoot, 'test-results', 'screenshots');

export const NAMES = {
  long: `${'Rapport trimestriel du service comptabilité '.repeat(5).trim()}.odt`,
  rtl: 'تقرير الميزانية السنوية.txt',
  emoji: '📸 Vacances à la mer 🏖️.txt',
  accented: 'Élève — année 2025.txt',
};

/** A renderer build served over HTTP with the production CSP, and Chromium. */
export interface Renderer {
  server: StaticServer;
  browser: Browser;
  close(): Promise<void>;
}

export async function startRenderer(): Promise<Renderer> {
  if (IN_CI) assertChromium();
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'havre-renderer-'));
  await build({ configFile: path.join(repoRoot, 'src-renderer', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server = await serveStatic(outDir);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  mkdirSync(screenshotDir, { recursive: true });
  return {
    server, browser,
    close: async () => {
      await browser.close();
      await server.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

export interface OpenedPage extends BridgedPage {
  context: BrowserContext;
  /** Console errors and page errors seen so far. */
  problems: string[];
}

export async function openPage(r: Renderer, engine: EngineApi | BridgeTarget, opts: { locale?: string; dark?: boolean; hash?: string; width?: number; height?: number } = {}): Promise<OpenedPage> {
  const context = await r.browser.newContext({ locale: opts.locale ?? 'en-US', viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 },
    colorScheme: opts.dark ? 'dark' : 'light', acceptDownloads: true });
  const bridged = await openBridgedPage(context, engine);
  const problems: string[] = [];
  bridged.page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() !== 'error' && msg.type() !== 'warning') return;
    if (msg.text().includes("'frame-ancestors' is ignored")) return; // a <meta> CSP cannot carry it; the header does
    problems.push(`${msg.type()}: ${msg.text()}`);
  });
  bridged.page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  await bridged.page.goto(`${r.server.url}${opts.hash ?? ''}`);
  return { ...bridged, context, problems, close: async () => {
    await bridged.close();
    await context.close();
  } };
}

export async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/** A repository with three real backups of Documents (the first and the last differ), and an engine over it. */
export interface RealWorld {
  f: RepoFixture;
  src: string;
  /** The user's home for the engine: restores "elsewhere" go below it. */
  userHome: string;
  engine: EngineService;
  cleanup(): Promise<void>;
}

export async function realWorld(opts: { protect?: boolean; bigFolder?: number } = {}): Promise<RealWorld> {
  const f = newRepo();
  const userHome = path.join(f.dir, 'user');
  const src = path.join(userHome, 'Documents');
  mkdirSync(path.join(src, 'Projets', 'Archives'), { recursive: true });
  const at = (file: string, iso: string): void => utimesSync(file, new Date(iso), new Date(iso));
  writeFileSync(path.join(src, 'lettre.txt'), 'Bonjour,\nceci est la première version de la lettre.\n');
  at(path.join(src, 'lettre.txt'), '2026-03-02T09:15:00Z');
  writeFileSync(path.join(src, NAMES.long), 'long');
  writeFileSync(path.join(src, NAMES.rtl), 'مرحبا');
  writeFileSync(path.join(src, NAMES.emoji), 'plage');
  writeFileSync(path.join(src, NAMES.accented), 'élève');
  writeFileSync(path.join(src, 'Projets', 'plan.md'), '# Plan\n\n1. Écrire\n2. Relire\n');
  writeFileSync(path.join(src, 'Projets', 'Archives', 'ancien.txt'), 'ancien');
  writeFileSync(path.join(src, 'photo.png'), Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008020000009091683600000019494441547801' +
    '63f8cf80000c33c0c4c0f0ff3f0319000047ec0c45bd8b99f50000000049454e44ae426082', 'hex'));
  if (opts.bigFolder) {
    mkdirSync(path.join(src, 'Big'));
    for (let i = 0; i < opts.bigFolder; i++) writeFileSync(path.join(src, 'Big', `item ${i}.txt`), '');
  }
  const backup = async (tag?: string): Promise<void> => {
    const r = await f.havre(['backup', src, ...(tag ? ['--tag', tag] : [])]);
    expect(r.code, r.stderr).toBe(0);
  };
  await backup();
  writeFileSync(path.join(src, 'lettre.txt'), 'Bonjour,\nceci est la deuxième version, corrigée.\n');
  at(path.join(src, 'lettre.txt'), '2026-03-03T16:40:00Z');
  await backup('continuous');
  writeFileSync(path.join(src, 'notes.txt'), 'notes du jour');
  await backup('continuous');
  const { config } = await readConfig(await FsStore.open(f.repo));
  await writeHomeConfig(f.home, { version: 1, repo: { path: f.repo, repoId: config.repoId } });
  await updateSettings(f.home, { folders: [src] }, userHome);
  const engine = await createEngineService({ home: f.home, credentials: async () => ({ password: f.password }), protect: opts.protect ?? false, userHome });
  return { f, src, userHome, engine, cleanup: async () => {
    await engine.close();
    f.cleanup();
  } };
}
