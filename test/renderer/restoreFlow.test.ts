// Restoring through the UI, in Chromium, against the real engine over real backups: yesterday's
// version of a file back in its place (bytes checked on disk), then every bad input of the issue —
// a target without permission or without space, a damaged backup, a renderer asking for a place
// outside the user's own, long, right-to-left and emoji names, a 100,000-entry-style folder — and
// the engine process killed mid-restore and restarted by the app's own supervisor.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, readSync, writeFileSync, writeSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNode } from '../../src-main/engine/repo/index.js';
import { createEngineService } from '../../src-main/engine/service/index.js';
import { openRepo } from '../helpers/forge.js';
import { chromiumAvailability } from './chromium.js';
import { NAMES, openPage, realWorld, shoot, startRenderer, type RealWorld, type Renderer } from './realFixture.js';
import { superviseEngine } from './supervised.js';

const availability = chromiumAvailability();
const suite = availability.run ? describe : describe.skip;
const isRoot = process.getuid?.() === 0;

/** Mounts a small tmpfs (root only); returns its unmount. */
function tmpfs(dir: string, options: string): () => void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  return () => execFileSync('umount', ['-l', dir]);
}

/** The version of `name` restored from the versions panel into `target` ('original' or a folder). */
async function restoreVersion(page: Page, name: string, version: number, where: 'original' | string, conflict: 'overwrite' | 'keep-both' = 'overwrite'): Promise<string> {
  await page.getByRole('row').filter({ hasText: name }).click();
  await expect.poll(() => page.getByTestId('versions').locator('li').count()).toBeGreaterThan(version);
  await page.getByTestId('restore-version').nth(version).click();
  const dialog = page.getByTestId('restore-dialog');
  await expect.poll(() => dialog.isVisible()).toBe(true);
  if (where === 'original') await dialog.getByTestId('where-original').check();
  else {
    await dialog.getByTestId('where-elsewhere').check();
    await dialog.getByTestId('target-input').fill(where);
  }
  if (conflict === 'overwrite') await dialog.getByTestId('conflict-overwrite').check();
  await dialog.getByTestId('restore-confirm').click();
  const result = page.getByTestId('restore-result');
  await expect.poll(() => result.count(), { timeout: 60_000 }).toBe(1);
  return (await result.textContent()) ?? '';
}

/** "Restore this folder…" into `target`, confirmed; the result's text once it shows. */
async function restoreFolderTo(page: Page, target: string): Promise<void> {
  await page.getByTestId('restore-this-folder').click();
  const dialog = page.getByTestId('restore-dialog');
  await dialog.getByTestId('where-elsewhere').check();
  await dialog.getByTestId('target-input').fill(target);
  await dialog.getByTestId('restore-confirm').click();
}

async function openRestore(page: Page): Promise<void> {
  await page.getByTestId('nav-restore').click();
  await expect.poll(() => page.getByTestId('file-grid').getAttribute('data-total')).not.toBe('');
}

suite('restore through the UI (real engine, Chromium)', () => {
  let r: Renderer;
  let w: RealWorld;
  const first = 'Bonjour,\nceci est la première version de la lettre.\n';

  beforeAll(async () => {
    w = await realWorld({ bigFolder: 3000 });
    r = await startRenderer();
  });
  afterAll(async () => {
    await r?.close();
    await w?.cleanup();
  });

  it('puts yesterday\'s version of a file back where it was, byte for byte, in a few clicks', async () => {
    const p = await openPage(r, w.engine);
    try {
      const started = Date.now();
      await openRestore(p.page);
      const text = await restoreVersion(p.page, 'lettre.txt', 1, 'original');
      const took = Date.now() - started;
      expect(text).toMatch(/^Restored 1 file\(s\), 53\sB, into .*Documents\.$/);
      expect(readFileSync(path.join(w.src, 'lettre.txt'), 'utf8')).toBe(first);
      console.log(`restore of yesterday's version through the UI: ${took} ms from opening the screen (5 clicks)`);
      await shoot(p.page, 'restore-done-en');
      // The activity log has it.
      await p.page.getByTestId('nav-activity').click();
      await expect.poll(() => p.page.getByTestId('activity-table').textContent()).toMatch(/Restored 1 files \(53\sB\) into/);
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('restores elsewhere, beside what is there, and names that break naive code come back whole', async () => {
    const p = await openPage(r, w.engine, { locale: 'fr-FR' });
    const target = path.join(w.userHome, 'Restaurés');
    try {
      await openRestore(p.page);
      for (const name of [NAMES.emoji, NAMES.rtl, NAMES.long]) {
        const text = await restoreVersion(p.page, name, 0, target, 'keep-both');
        expect(text, name).toMatch(/^1 fichier\(s\) restauré\(s\)/);
        expect(readFileSync(path.join(target, name)).equals(readFileSync(path.join(w.src, name))), name).toBe(true);
        await p.page.getByRole('button', { name: 'Masquer' }).click();
      }
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('refuses a target outside the user\'s own places, from the dialog and from a forged request', async () => {
    const p = await openPage(r, w.engine);
    try {
      await openRestore(p.page);
      const text = await restoreVersion(p.page, 'lettre.txt', 0, '/etc/havre-test');
      expect(text).toMatch(/^The restore could not start: Havre restores only into your own folders/);
      expect(existsSync('/etc/havre-test')).toBe(false);
      const [snap] = await w.engine.browseSnapshots({});
      const forged = await p.page.evaluate(async (id) => {
        const api = (globalThis as unknown as { havre: { invoke: (c: string, r: unknown) => Promise<unknown> } }).havre;
        return Promise.all([
          api.invoke('restore:start', { snapshotId: id, paths: ['/etc/shadow'], target: '/etc', conflict: 'overwrite' }),
          api.invoke('restore:start', { snapshotId: id, target: '/', conflict: 'overwrite' }),
          api.invoke('restore:start', { snapshotId: id, paths: ['x'], target: '/home/../etc', conflict: 'overwrite' }),
          api.invoke('browse:list', { snapshotId: id, path: '/../../etc', offset: 0, limit: 10 }),
          api.invoke('browse:preview', { snapshotId: id, path: '/etc/shadow' }),
          api.invoke('restore:start', { snapshotId: id, target: 'relative', conflict: 'overwrite' }),
        ]);
      }, snap!.id);
      expect(forged.map((x) => (x as { error?: { code: string } }).error?.code ?? JSON.stringify(x).slice(0, 200))).toEqual(['RESTORE_TARGET_FORBIDDEN', 'RESTORE_TARGET_FORBIDDEN',
        'RESTORE_TARGET_FORBIDDEN', 'PATH_NOT_IN_SNAPSHOT', 'PATH_NOT_IN_SNAPSHOT', 'INVALID_REQUEST']);
    } finally {
      await p.close();
    }
  });

  it.runIf(isRoot)('says so when the target may not be written, and loses nothing', async () => {
    const ro = path.join(w.userHome, 'LectureSeule');
    const umount = tmpfs(ro, 'ro,size=1m');
    const p = await openPage(r, w.engine);
    try {
      await openRestore(p.page);
      const text = await restoreVersion(p.page, 'lettre.txt', 0, path.join(ro, 'dedans'));
      expect(text).toMatch(/^The restore could not start: Havre may not write in .*LectureSeule\/dedans: the disk is read-only or you lack the permission\./);
      expect(readFileSync(path.join(w.src, 'lettre.txt'), 'utf8')).toBe(first);
      await shoot(p.page, 'restore-readonly-en');
    } finally {
      await p.close();
      umount();
    }
  });

  it.runIf(isRoot)('says so when the target is full: what was restored, what was not, and nothing half-written', async () => {
    // A folder of 3,000 files and a 600 kB file into 256 kB: the disk fills mid-way.
    writeFileSync(path.join(w.src, 'Projets', 'gros.bin'), Buffer.alloc(600_000, 0x5a));
    const b = await w.f.havre(['backup', w.src]);
    expect(b.code, b.stderr).toBe(0);
    const full = path.join(w.userHome, 'Petit');
    const umount = tmpfs(full, 'size=256k');
    const p = await openPage(r, w.engine);
    try {
      await openRestore(p.page);
      await p.page.getByRole('row').filter({ hasText: 'Projets' }).dblclick();
      await expect.poll(() => p.page.getByTestId('crumbs').textContent()).toContain('Projets');
      await restoreFolderTo(p.page, full);
      const result = p.page.getByTestId('restore-result');
      await expect.poll(() => result.textContent(), { timeout: 60_000 }).toMatch(/^There is no space left in .*Petit: \d+ file\(s\) were restored, \d+ were not\./);
      expect(await p.page.getByTestId('restore-failures').textContent()).toContain('gros.bin — no space left on the disk');
      // Nothing half-written: no temporary file left, and what is there is whole.
      const left = readdirSync(path.join(full, 'Projets'), { recursive: true }).map(String);
      expect(left.filter((n) => n.includes('.havre-restore-'))).toEqual([]);
      expect(left).not.toContain('gros.bin');
      if (left.includes('plan.md')) expect(readFileSync(path.join(full, 'Projets', 'plan.md'), 'utf8')).toContain('# Plan');
      await shoot(p.page, 'restore-full-en');
    } finally {
      await p.close();
      umount();
      rmSync(path.join(w.src, 'Projets', 'gros.bin'));
    }
  });

  it('restores the files of a damaged backup it can, and says which it cannot and why', async () => {
    // Damage the one blob of photo.png in its pack: every snapshot shares it.
    const repo = await openRepo(w.f);
    try {
      const snap = repo.listSnapshots().at(-1)!;
      const node = await findNode((t) => repo.loadTree(t), snap.tree, path.join(w.src, 'photo.png'), 'x');
      if (node?.type !== 'file') throw new Error('photo.png not in the snapshot');
      const loc = repo.findBlob(node.content[0]!);
      const pack = path.join(w.f.repo, 'data', loc.packId.slice(0, 2), loc.packId);
      const fd = openSync(pack, 'r+');
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, loc.offset + 20);
      byte[0] = byte[0]! ^ 0xff;
      writeSync(fd, byte, 0, 1, loc.offset + 20);
      closeSync(fd);
    } finally {
      repo.close();
    }
    const target = path.join(w.userHome, 'Abîmé');
    const p = await openPage(r, w.engine);
    try {
      await openRestore(p.page);
      await restoreFolderTo(p.page, target);
      const result = p.page.getByTestId('restore-result');
      await expect.poll(() => result.textContent(), { timeout: 60_000 }).toMatch(/^1 file\(s\) could not be restored; the other \d+ file\(s\) were\./);
      expect(await p.page.getByTestId('restore-failures').textContent()).toMatch(/photo\.png — its copy in this backup is damaged/);
      expect(existsSync(path.join(target, 'Documents', 'photo.png'))).toBe(false);
      expect(readFileSync(path.join(target, 'Documents', 'lettre.txt'), 'utf8')).toBe(readFileSync(path.join(w.src, 'lettre.txt'), 'utf8'));
      await shoot(p.page, 'restore-damaged-en');
    } finally {
      await p.close();
    }
  });

  it('scrolls a 3,000-entry folder with a handful of rows in the page, by mouse and keyboard', async () => {
    const p = await openPage(r, w.engine);
    try {
      await openRestore(p.page);
      await p.page.getByRole('row').filter({ hasText: 'Big' }).dblclick();
      const grid = p.page.getByTestId('file-grid');
      await expect.poll(() => grid.getAttribute('data-total')).toBe('3000');
      expect(await grid.locator('[role=row]').count()).toBeLessThan(80);
      await grid.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await expect.poll(() => grid.locator('[title="item 2999.txt"]').count()).toBe(1);
      expect(await grid.locator('[role=row]').count()).toBeLessThan(80);
      await grid.focus();
      await p.page.keyboard.press('Home');
      await expect.poll(() => grid.locator('[title="item 0.txt"]').count()).toBe(1);
      await p.page.keyboard.press('ArrowDown');
      await p.page.keyboard.press('ArrowDown');
      await p.page.keyboard.press('Enter');
      await expect.poll(() => p.page.getByTestId('item-panel').textContent()).toContain('item 2.txt');
      await p.page.keyboard.press('End');
      expect(await grid.getAttribute('aria-activedescendant')).toBe('row-2999');
      await p.page.keyboard.press('Backspace');
      await expect.poll(() => grid.getAttribute('data-total')).not.toBe('3000');
    } finally {
      await p.close();
    }
  });

  it('exports the activity log as CSV and JSON', async () => {
    const p = await openPage(r, w.engine);
    try {
      await p.page.getByTestId('nav-activity').click();
      await expect.poll(() => p.page.getByTestId('activity-table').locator('tbody tr').count()).toBeGreaterThan(3);
      const [csvDownload] = await Promise.all([p.page.waitForEvent('download'), p.page.getByTestId('export-csv').click()]);
      const csv = readFileSync((await csvDownload.path())!, 'utf8');
      expect(csvDownload.suggestedFilename()).toMatch(/^havre-activity-\d{4}-\d\d-\d\d\.csv$/);
      const lines = csv.replace(/^\ufeff/, '').trim().split('\r\n');
      expect(lines[0]).toBe('time,kind,action,outcome,files,bytes,duration_ms,skipped,snapshot,subject,error_code,message');
      expect(lines.some((l) => l.includes(',backup,backup.done,ok,'))).toBe(true);
      expect(lines.some((l) => l.includes(',restore,restore.done,ok,1,53,'))).toBe(true);
      // Filtered to restores, as JSON.
      await p.page.getByRole('checkbox', { name: 'Restores' }).check();
      const [jsonDownload] = await Promise.all([p.page.waitForEvent('download'), p.page.getByTestId('export-json').click()]);
      const json = JSON.parse(readFileSync((await jsonDownload.path())!, 'utf8')) as { events: { kind: string }[] };
      expect(json.events.length).toBeGreaterThan(0);
      expect(new Set(json.events.map((e) => e.kind))).toEqual(new Set(['restore']));
    } finally {
      await p.close();
    }
  });

  it('without the keychain, says so and restores with the password instead', async () => {
    const locked = await createEngineService({ home: w.f.home, userHome: w.userHome, protect: false,
      credentials: async () => ({ keychain: null, keychainUnavailableReason: 'no keychain on this computer' }) });
    const p = await openPage(r, locked, { hash: '#/restore' });
    try {
      await expect.poll(() => p.page.getByTestId('restore-error').textContent()).toContain('key is not available');
      await p.page.getByRole('button', { name: 'Restore with my password' }).click();
      const dialog = p.page.getByTestId('session-dialog');
      await dialog.getByTestId('session-password').fill('not the password');
      await dialog.getByTestId('session-submit').click();
      await expect.poll(() => dialog.getByTestId('session-error').textContent()).toMatch(/^Wrong password or recovery key/);
      await dialog.getByTestId('session-password').fill(w.f.password);
      await dialog.getByTestId('session-submit').click();
      await expect.poll(() => p.page.getByTestId('file-grid').getAttribute('data-total'), { timeout: 30_000 }).not.toBe('');
      const text = await restoreVersion(p.page, 'lettre.txt', 0, path.join(w.userHome, 'AvecMotDePasse'));
      expect(text).toMatch(/^Restored 1 file\(s\)/);
      expect(readFileSync(path.join(w.userHome, 'AvecMotDePasse', 'lettre.txt'))).toEqual(readFileSync(path.join(w.src, 'lettre.txt')));
    } finally {
      await p.close();
      await locked.close();
    }
  });

  it('the engine killed mid-restore: the app restarts it, the window says so, and a new restore works', async () => {
    const s = superviseEngine({ home: w.f.home, userHome: w.userHome, password: w.f.password });
    const p = await openPage(r, s.target);
    const target = path.join(w.userHome, 'Interrompu');
    try {
      await expect.poll(() => p.page.getByTestId('status-sentence').textContent(), { timeout: 30_000 }).toMatch(/protected|backup/i);
      await openRestore(p.page);
      await restoreFolderTo(p.page, target);
      // Killed once the restore runs (its first progress), not while the request is on its way.
      await expect.poll(() => p.page.getByTestId('restore-progress').count(), { timeout: 30_000 }).toBe(1);
      s.child()!.kill('SIGKILL');
      const banner = p.page.getByTestId('engine-banner');
      await expect.poll(() => banner.textContent(), { timeout: 20_000 }).toMatch(/stopped unexpectedly/);
      await shoot(p.page, 'engine-restarting-en');
      await expect.poll(() => s.lifecycles.filter((l) => l.state === 'running').length, { timeout: 30_000 }).toBe(2);
      await expect.poll(() => banner.textContent()).toContain('Havre restarted it');
      const result = await p.page.getByTestId('restore-result').textContent();
      // The restore either finished before the kill, or says it was interrupted; never a silent gap.
      expect(result).toMatch(/^The restore was interrupted because the backup engine stopped/);
      await p.page.getByRole('button', { name: 'Dismiss' }).first().click();
      // Whatever stands under a real name is whole.
      const files = existsSync(target) ? readdirSync(target, { recursive: true }).map(String) : [];
      for (const f of files.filter((n) => !n.includes('.havre-restore-') && n.endsWith('lettre.txt'))) {
        expect(readFileSync(path.join(target, f), 'utf8')).toBe(readFileSync(path.join(w.src, 'lettre.txt'), 'utf8'));
      }
      // The restarted engine restores.
      const again = await restoreVersion(p.page, 'lettre.txt', 0, path.join(w.userHome, 'Après'));
      expect(again).toMatch(/^Restored 1 file\(s\)/);
      await shoot(p.page, 'engine-restarted-en');
    } finally {
      await p.close();
      await s.stop();
    }
  });
});
