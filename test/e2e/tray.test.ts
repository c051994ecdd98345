// The tray, notifications, IT's app policy and the login item, decided without Electron
// (trayModel.ts, notifier.ts, appPolicy.ts, loginItem.ts; main.ts applies them).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_APP_POLICY, appPolicyFrom, loadAppPolicy } from '../../src-main/app/appPolicy.js';
import { applyLoginItem, autostartEntry } from '../../src-main/app/loginItem.js';
import { Notifier } from '../../src-main/app/notifier.js';
import { trayView, type TrayMenuItem } from '../../src-main/app/trayModel.js';
import type { AlertEvent, EngineStatus, JobResult, ProtectionStatus } from '../../src-main/ipc/contract.js';

const protection: ProtectionStatus = { mode: 'watching', activity: 'idle', protectedFiles: 10, pendingFiles: 0, pendingBytes: 0, failedFiles: 0, oldestPendingChange: null,
  lastSuccess: [], pause: null, warnings: [] };
const idle: EngineStatus = { state: 'idle', repo: '/media/usb', lastBackup: { snapshotId: 'ab'.repeat(32), time: new Date().toISOString(), files: 10, bytes: 100 }, protection };
const running = { state: 'running' as const, restarts: 0 };
const labels = (menu: TrayMenuItem[]): string[] => menu.map((i) => ('separator' in i ? '—' : `${i.label}${i.enabled ? '' : ' (off)'}`));
const view = (status: EngineStatus | null, over: Partial<Parameters<typeof trayView>[0]> = {}) =>
  trayView({ status, lifecycle: running, progress: null, lang: 'en', policy: DEFAULT_APP_POLICY, ...over });

describe('tray', () => {
  it('says protected, and offers back up, pause, open, restore and quit', () => {
    const v = view(idle);
    expect(v.state).toBe('idle');
    expect(v.tooltip).toBe('Havre — your files are protected');
    expect(labels(v.menu)).toEqual(['Back up now', 'Pause for 30 minutes', 'Pause for 1 hour', 'Pause until tomorrow', '—', 'Open Havre', 'Restore a file…', '—', 'Quit Havre']);
  });

  it('shows a backup\'s progress, a pause and its end, attention, and an engine away', () => {
    const backing = view({ ...idle, state: 'backing-up' }, { progress: { jobId: 'j', kind: 'backup', phase: 'transferring', files: 1, bytes: 420, totalBytes: 1000, bytesPerSecond: 1 } });
    expect(backing.tooltip).toBe('Havre — backing up… 42%');
    expect(labels(backing.menu)[0]).toBe('Back up now (off)');
    const until = new Date(2030, 0, 1, 14, 30).toISOString();
    const paused = view({ ...idle, state: 'paused', protection: { ...protection, pause: { reason: 'user', until } } }, { lang: 'fr' });
    expect(paused.state).toBe('paused');
    expect(paused.tooltip).toBe('Havre — sauvegardes en pause jusqu’à 14:30');
    expect(labels(paused.menu)).toContain('Reprendre les sauvegardes');
    expect(labels(paused.menu)).not.toContain('Pause de 30 minutes');
    expect(view({ ...idle, protection: { ...protection, failedFiles: 2 } }).state).toBe('attention');
    expect(view({ ...idle, protection: { ...protection, warnings: [{ code: 'FOLDER_UNAVAILABLE', message: 'm', messageFr: 'f' }] } }).state).toBe('attention');
    expect(view({ ...idle, repo: null, lastBackup: null }).state).toBe('attention');
    expect(view({ ...idle, state: 'locked' }).state).toBe('locked');
    expect(view({ ...idle, state: 'error' }).state).toBe('error');
    const away = view(idle, { lifecycle: { state: 'restarting', restarts: 1 } });
    expect(away.state).toBe('unavailable');
    expect(labels(away.menu)).toEqual(['Back up now (off)', '—', 'Open Havre', 'Restore a file…', '—', 'Quit Havre']);
  });

  it('has no Quit when IT\'s policy forbids quitting', () => {
    expect(labels(view(idle, { policy: { allowQuit: false, startAtLogin: true } }).menu)).not.toContain('Quit Havre');
  });
});

describe('notifications', () => {
  const result = (over: Partial<JobResult>): JobResult => ({ jobId: 'j1', kind: 'backup', ok: true, summary: { files: 1234, bytes: 1, durationMs: 1 }, ...over });
  const failure = { code: 'STORE_FULL', message: 'The storage is full.', messageFr: 'Le stockage est plein.' };

  it('tells the success of jobs the user started, never of continuous protection\'s', () => {
    const n = new Notifier(() => 'en');
    expect(n.onResult(result({ jobId: 'bg' }))).toBeNull();
    n.requestedJob('mine');
    expect(n.onResult(result({ jobId: 'mine' }))).toEqual({ title: 'Havre', body: 'Backup finished: 1,234 files.' });
    n.requestedJob('r');
    expect(n.onResult(result({ jobId: 'r', kind: 'restore' }))?.body).toBe('Restore finished: 1,234 files.');
  });

  it('tells every failure of the user\'s jobs, and a background failure once until it changes or passes', () => {
    const n = new Notifier(() => 'fr');
    n.requestedJob('mine');
    expect(n.onResult(result({ jobId: 'mine', ok: false, error: failure }))?.body).toBe('La sauvegarde a échoué : Le stockage est plein.');
    expect(n.onResult(result({ jobId: 'bg1', ok: false, error: failure }))).not.toBeNull();
    expect(n.onResult(result({ jobId: 'bg2', ok: false, error: failure }))).toBeNull();
    expect(n.onResult(result({ jobId: 'bg3', ok: true }))).toBeNull();
    expect(n.onResult(result({ jobId: 'bg4', ok: false, error: failure }))).not.toBeNull();
  });

  it('tells the engine restarting after a crash, and failing for good, once', () => {
    const n = new Notifier(() => 'en');
    expect(n.onLifecycle({ state: 'starting', restarts: 0 })).toBeNull();
    expect(n.onLifecycle({ state: 'running', restarts: 0 })).toBeNull();
    expect(n.onLifecycle({ state: 'restarting', restarts: 1 })?.body).toMatch(/stopped unexpectedly and was restarted/);
    expect(n.onLifecycle({ state: 'restarting', restarts: 2 })).toBeNull();
    expect(n.onLifecycle({ state: 'failed', restarts: 9 })?.body).toMatch(/cannot start/);
    expect(n.onLifecycle({ state: 'failed', restarts: 9 })).toBeNull();
  });
});

describe('notifications under IT\'s policy (notifications.level)', () => {
  const result = (over: Partial<JobResult>): JobResult => ({ jobId: 'j1', kind: 'backup', ok: true, summary: { files: 1234, bytes: 1, durationMs: 1 }, ...over });

  it('failures: no success is told, failures and alerts are; none: nothing at all', () => {
    let level: 'all' | 'failures' | 'none' = 'failures';
    const n = new Notifier(() => 'en', () => level);
    n.requestedJob('mine');
    expect(n.onResult(result({ jobId: 'mine' }))).toBeNull();
    const failure = { code: 'STORE_FULL', message: 'The storage is full.', messageFr: 'Le stockage est plein.' };
    expect(n.onResult(result({ jobId: 'bg', ok: false, error: failure }))?.body).toMatch(/The storage is full/);
    const virus: AlertEvent = { id: 'virus', kind: 'virus-found', severity: 'critical', time: '2026-12-06T00:00:00Z', message: 'A virus was found.', messageFr: 'Un virus a été trouvé.' };
    expect(n.onAlert(virus)?.body).toBe('A virus was found.');
    level = 'none';
    n.requestedJob('mine2');
    expect(n.onResult(result({ jobId: 'mine2', ok: false, error: failure }))).toBeNull();
    expect(n.onAlert(virus)).toBeNull();
    expect(n.onLifecycle({ state: 'failed', restarts: 9 })).toBeNull();
  });

  it('comes from the machine policy', () => {
    expect(appPolicyFrom({ version: 1, notifications: { level: 'none' } }).notifications).toBe('none');
    expect(appPolicyFrom({ version: 1 }).notifications).toBeUndefined();
  });
});

describe('app policy and login item', () => {
  const dir = mkdtempSync(join(tmpdir(), 'havre-policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads IT\'s choices, and keeps the defaults for anything missing or malformed', async () => {
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ allowQuit: false, startAtLogin: 'yes', other: 1 }));
    expect(await loadAppPolicy(file)).toEqual({ allowQuit: false, startAtLogin: true });
    writeFileSync(file, '{ not json');
    const log = vi.fn();
    expect(await loadAppPolicy(file, log)).toEqual(DEFAULT_APP_POLICY);
    expect(log).toHaveBeenCalledOnce();
    expect(await loadAppPolicy(join(dir, 'missing.json'))).toEqual(DEFAULT_APP_POLICY);
    expect(await loadAppPolicy(undefined)).toEqual(DEFAULT_APP_POLICY);
  });

  it('starts at login hidden: a login item on Windows and macOS, an XDG autostart entry on Linux', async () => {
    const host = { setLoginItemSettings: vi.fn() };
    await applyLoginItem(host, DEFAULT_APP_POLICY, 'win32', 'C:\\Program Files\\Havre\\Havre.exe');
    expect(host.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, args: ['--hidden'] });
    const before = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = dir;
    try {
      await applyLoginItem(host, DEFAULT_APP_POLICY, 'linux', '/opt/Havre/havre');
      const entry = readFileSync(join(dir, 'autostart', 'havre.desktop'), 'utf8');
      expect(entry).toContain('Exec="/opt/Havre/havre" --hidden');
      await applyLoginItem(host, { allowQuit: true, startAtLogin: false }, 'linux', '/opt/Havre/havre');
      expect(existsSync(join(dir, 'autostart', 'havre.desktop'))).toBe(false);
    } finally {
      if (before === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = before;
    }
    expect(autostartEntry('/opt/my "odd" $path')).toContain('Exec="/opt/my \\"odd\\" \\$path" --hidden');
  });
});
