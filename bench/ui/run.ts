// The desktop UI's budgets (DESIGN.md §7), measured, never asserted: first paint of the renderer,
// and a folder of 100,000 entries in the restore browser — how long it takes to show, and how
// smoothly it scrolls (frame intervals while scrolling, rows in the page, rows still blank). Also
// the restore browser's queries on that repository (a page, a file's versions, a name search).
// Real pieces throughout: a repository written by the havre CLI, the engine service, the built
// renderer in Debian's Chromium through the renderer tests' bridge.
//   npx tsx bench/ui/run.ts [--entries 100000] [--work DIR] [--keep]     (as in bench/README.md)
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';
import { build } from 'vite';
import { writeHomeConfig } from '../../src-main/engine/home/homeConfig.js';
import { readConfig } from '../../src-main/engine/repo/index.js';
import { createEngineService } from '../../src-main/engine/service/index.js';
import { updateSettings } from '../../src-main/engine/settings/index.js';
import { FsStore } from '../../src-main/engine/store/index.js';
import { runHavre } from '../../test/helpers/cli.js';
import { percentile, timeCatalogQueries } from '../lib/catalogQueries.js';
import { openBridgedPage, serveStatic } from '../../test/renderer/bridge.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/renderer/chromium.js';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '100000' }, keep: { type: 'boolean', default: false }, work: { type: 'string' } } });
const ENTRIES = Number(values.entries);
const root = path.resolve(import.meta.dirname, '..', '..');

const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;
const median = (xs: number[]): number => percentile(xs, 50);
const pct = percentile;
const log = (line: string): void => console.error(`[ui-bench] ${line}`);

// --work DIR keeps (and reuses) the repository: making 100,000 files and backing them up takes minutes.
const dir = values.work ? path.resolve(values.work) : await mkdtemp(path.join(os.tmpdir(), 'havre-ui-bench-'));
const keep = values.keep || values.work !== undefined;
const results: Record<string, unknown> = { entries: ENTRIES, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version } };
try {
  // ---- a repository with one folder of ENTRIES files --------------------------------------------
  const repo = path.join(dir, 'repo');
  const home = path.join(dir, 'home');
  const user = path.join(dir, 'user');
  const big = path.join(user, 'Documents', 'Big');
  mkdirSync(big, { recursive: true });
  const env = { HAVRE_HOME: home, HAVRE_PASSWORD: 'ui bench password', HAVRE_KEYCHAIN: 'none', HAVRE_INSECURE_TEST_KDF: '1' };
  let t0 = performance.now();
  if (!existsSync(repo)) {
    for (let i = 0; i < ENTRIES; i++) writeFileSync(path.join(big, `document ${String(i).padStart(6, '0')}.txt`), `${i}\n`);
    writeFileSync(path.join(user, 'Documents', 'lettre.txt'), 'version 1\n');
    log(`created ${ENTRIES} files in ${ms(t0)} ms`);
    const init = await runHavre(['init', '--repo', repo], env);
    if (init.code !== 0) throw new Error(init.stderr);
    t0 = performance.now();
    const backup = await runHavre(['backup', path.join(user, 'Documents')], env);
    if (backup.code !== 0) throw new Error(backup.stderr);
    writeFileSync(path.join(user, 'Documents', 'lettre.txt'), 'version 2\n');
    await runHavre(['backup', path.join(user, 'Documents')], env);
    results.backupMs = ms(t0);
    log(`two backups in ${results.backupMs} ms`);
  }
  const { config } = await readConfig(await FsStore.open(repo));
  await writeHomeConfig(home, { version: 1, repo: { path: repo, repoId: config.repoId } });
  await updateSettings(home, { folders: [path.join(user, 'Documents')] }, user);
  const engine = await createEngineService({ home, credentials: async () => ({ password: env.HAVRE_PASSWORD }), protect: false, userHome: user });

  // ---- the engine's queries (shared with the many-files series of bench/run.ts) ----------------
  const docs = Array.from({ length: 20 }, (_, k) => path.join(big, `document ${String((k * 4999) % ENTRIES).padStart(6, '0')}.txt`));
  results.engine = await timeCatalogQueries(engine, {
    folders: [big],
    files: [path.join(user, 'Documents', 'lettre.txt'), ...docs],
    searches: ['lettre', 'document 0999', '4242', 'no such name', 'doc'],
    rounds: { list: 50, versions: 20, search: 5 },
  });
  log(`engine: ${JSON.stringify(results.engine)}`);

  // ---- the renderer ---------------------------------------------------------------------------
  const out = path.join(dir, 'renderer');
  await build({ configFile: path.join(root, 'src-renderer', 'vite.config.ts'), logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
  const server = await serveStatic(out);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  // tsx compiles with esbuild's keepNames, so functions handed to the page call a __name helper the
  // page does not have.
  const newContext = async (): Promise<BrowserContext> => {
    const c = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await c.addInitScript('globalThis.__name = (f) => f;');
    return c;
  };
  try {
    const paints: number[] = [];
    const sentence: number[] = [];
    for (let k = 0; k < 5; k++) {
      const context = await newContext();
      const b = await openBridgedPage(context, engine);
      await b.page.goto(server.url);
      await b.page.getByTestId('backup-now').waitFor();
      await b.page.waitForFunction(() => !/Checking|Starting|Vérification|Démarrage/.test(
        (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('[data-testid=status-sentence]')?.textContent ?? 'Checking'));
      const t = await b.page.evaluate(() => ({
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
        now: performance.now(),
      }));
      paints.push(Math.round(t.fcp));
      sentence.push(Math.round(t.now));
      await b.close();
      await context.close();
    }
    results.firstPaint = { firstContentfulPaintMsMedian: median(paints), all: paints, statusSentenceShownMsMedian: median(sentence) };
    log(`first paint: ${JSON.stringify(results.firstPaint)}`);

    // A fresh engine, so the big folder is opened cold (its sealed trees are in the catalog, as a
    // backup leaves them; nothing decoded in memory).
    const fresh = await createEngineService({ home, credentials: async () => ({ password: env.HAVRE_PASSWORD }), protect: false, userHome: user });
    const context = await newContext();
    const b = await openBridgedPage(context, fresh);
    await b.page.goto(`${server.url}#/restore`);
    const grid = b.page.getByTestId('file-grid');
    await grid.and(b.page.locator('[data-total]:not([data-total=""])')).waitFor();
    await b.page.getByRole('row').filter({ hasText: 'Big' }).first().dblclick();
    t0 = performance.now();
    await b.page.locator(`[data-testid=file-grid][data-total="${ENTRIES}"]`).waitFor({ timeout: 120_000 });
    await b.page.getByTitle('document 000000.txt').waitFor();
    const shown = ms(t0);
    // Scrolling: a steady scroll (as with a mouse wheel held down, 3 rows a frame), then a drag of
    // the scrollbar across the whole folder in 2 s; frame intervals from requestAnimationFrame.
    const scroll = await b.page.evaluate(async (rowsPerFrame: number) => {
      interface El { scrollTop: number; scrollHeight: number; clientHeight: number; textContent: string | null; querySelectorAll(s: string): Iterable<El> }
      const g = globalThis as unknown as { document: { querySelector(s: string): El | null }; requestAnimationFrame(cb: (t: number) => void): number };
      const el = g.document.querySelector('[data-testid=file-grid]')!;
      const frame = (): Promise<number> => new Promise((r) => g.requestAnimationFrame(r));
      const measure = async (frames: number, step: (i: number) => void): Promise<{ intervals: number[]; rows: number[]; blank: number }> => {
        const intervals: number[] = [];
        const rows: number[] = [];
        let blank = 0;
        let last = await frame();
        for (let i = 0; i < frames; i++) {
          step(i);
          const now = await frame();
          intervals.push(now - last);
          last = now;
          const visible = [...el.querySelectorAll('[role=row]')];
          rows.push(visible.length);
          if (visible.some((r) => r.textContent?.trim() === '…')) blank++;
        }
        return { intervals, rows, blank };
      };
      const steady = await measure(600, () => (el.scrollTop += 36 * rowsPerFrame));
      el.scrollTop = 0;
      await frame();
      const max = el.scrollHeight - el.clientHeight;
      const drag = await measure(120, (i) => (el.scrollTop = (max * (i + 1)) / 120));
      return { steady, drag };
    }, 3);
    const summarize = (s: { intervals: number[]; rows: number[]; blank: number }) => ({
      frames: s.intervals.length,
      frameMsMedian: Math.round(median(s.intervals) * 10) / 10,
      frameMsP95: Math.round(pct(s.intervals, 95) * 10) / 10,
      frameMsMax: Math.round(Math.max(...s.intervals) * 10) / 10,
      framesOver50ms: s.intervals.filter((x) => x > 50).length,
      rowsInPageMax: Math.max(...s.rows),
      framesWithBlankRows: s.blank,
    });
    results.bigFolder = { shownMs: shown, steadyScroll: summarize(scroll.steady), scrollbarDrag: summarize(scroll.drag) };
    log(`big folder: ${JSON.stringify(results.bigFolder)}`);
    await b.close();
    await context.close();
    await fresh.close();
  } finally {
    await browser.close();
    await server.close();
    await engine.close();
  }
  const file = path.join(root, 'test-results', 'ui-bench.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
} finally {
  if (!keep) await rm(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
}
