// src-main/app/main.ts run for real under Node, with a stand-in for the 'electron' module
// (fixtures/electron-stub/) and the engine utility process emulated by a worker thread running the
// real src-main/app/engineProcess.ts. It proves the wiring of main — window options, session
// hardening, sender-checked IPC handlers, engine supervision and restart, tray, clean quit —
// where no Electron binary exists. What it cannot prove (Chromium's own enforcement of those
// options) is left to electron.test.ts on a machine with Electron.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_CSP } from '../../src-main/ipc/csp.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const driver = path.join(import.meta.dirname, 'fixtures', 'electron-stub', 'run-main.mjs');
const fakeEngine = path.join(import.meta.dirname, 'fixtures', 'fake-engine.mjs');

type Json = Record<string, unknown>;

function runMain(scenario: string, env: Record<string, string>, home: string): Promise<{ result: Json; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [driver, scenario], {
      cwd: repoRoot,
      env: { ...process.env, ...env, STUB_APP_PATH: repoRoot, HAVRE_HOME: home, ELECTRON_RUN_AS_NODE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      const line = output.split('\n').find((l) => l.startsWith('RESULT '));
      if (line === undefined) reject(new Error(`no result from the main-process driver:\n${output}`));
      else resolve({ result: JSON.parse(line.slice('RESULT '.length)) as Json, output });
    });
  });
}

describe('main process under Node with an electron stand-in', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'havre-main-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('hardens the window and session, serves the engine, restarts it after a crash, quits cleanly', async () => {
    const { result: r, output } = await runMain('normal', { HAVRE_ENGINE_MODULE: fakeEngine }, home);
    expect(r.error, output).toBeUndefined();

    expect(r.sandboxEnabled).toBe(true);
    expect(r.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(String((r.webPreferences as Json).preload)).toMatch(/preload[/\\]index\.cjs$/);
    expect(r.windowUrl).toBe(`file://${repoRoot}/src-renderer/dist/index.html`);
    expect(r.channels).toEqual(['engine:status', 'snapshots:list', 'snapshot:ls', 'backup:start', 'restore:start', 'job:cancel', 'protection:pause',
      'protection:resume', 'protection:failures', 'settings:get', 'settings:set', 'browse:snapshots', 'browse:list', 'browse:versions', 'browse:search',
      'browse:preview', 'session:open', 'session:close', 'activity:list', 'stats:history', 'setup:get', 'appliance:enroll', 'appliance:password']);
    expect(r.openHandler).toEqual({ action: 'deny' });
    expect(r.navigationPrevented).toBe(true);
    expect(r.webviewPrevented).toBe(true);
    expect(r.permissionGranted).toBe(false);
    expect(r.permissionCheck).toBe(false);
    expect(r.headers).toEqual({ 'content-type': ['text/html'], 'Content-Security-Policy': [RENDERER_CSP] });
    expect(r.tray).toEqual({ tooltip: 'Havre — moteur arrêté',
      menu: ['Sauvegarder maintenant (disabled)', 'separator', 'Ouvrir Havre', 'Restaurer un fichier…', 'separator', 'Quitter Havre'] });

    expect(r.status).toMatchObject({ ok: true, value: { state: 'idle', repo: '/media/e2e/HAVRE' } });
    for (const key of ['untrusted', 'subframe', 'otherWindow']) expect(r[key], key).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    expect(r.badPayload).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(String(r.trayAfterStatus)).toMatch(/tray-idle\.png$/);

    expect(r.backup).toEqual({ ok: true, value: { jobId: 'e2e-1' } });
    expect(r.progressSeen).toBe(true);
    expect(r.result).toMatchObject({ jobId: 'e2e-1', kind: 'backup', ok: true });
    expect(r.statusEvents).toEqual(['idle', 'backing-up', 'idle']);
    // A backup the user started is told when done; the tray follows the engine.
    expect(r.notifiedBackup).toEqual({ title: 'Havre', body: 'Sauvegarde terminée : 10 fichiers.' });
    expect(r.trayRunning).toMatchObject({ tooltip: 'Havre — vos fichiers sont protégés', menu: ['Sauvegarder maintenant', 'Pause de 30 minutes', 'Pause d’une heure',
      'Pause jusqu’à demain', 'separator', 'Ouvrir Havre', 'Restaurer un fichier…', 'separator', 'Quitter Havre'] });
    expect(String((r.trayRunning as Json).image)).toMatch(/tray-idle\.png$/);
    expect(r.trayPaused).toMatchObject({ tooltip: expect.stringMatching(/^Havre — sauvegardes en pause jusqu’à \d\d:\d\d$/) });
    expect(String((r.trayPaused as Json).image)).toMatch(/tray-paused\.png$/);
    expect(r.navigate).toEqual({ screen: 'restore' });

    expect(r.lifecycles).toEqual([
      { state: 'running', restarts: 0 },
      { state: 'restarting', restarts: 1, retryInMs: 500, code: 'ENGINE_RESTARTED' },
      { state: 'starting', restarts: 1 },
      { state: 'running', restarts: 1 },
    ]);
    expect(r.children).toBe(2);
    expect(r.statusAfterRestart).toMatchObject({ ok: true });
    expect(r.notifications).toEqual(['Sauvegarde terminée : 10 fichiers.', 'Le moteur de Havre s’est arrêté de façon inattendue et a été redémarré.']);

    expect(r.closeHidden).toBe(true);
    expect(r.quitCalls).toBe(2); // the first waits for the engine to close, the second quits
    expect(r.trayDestroyed).toBe(true);
    expect(r.workerErrors).toEqual([]);
  });

  it('reports a missing engine module once, without a restart loop', async () => {
    const { result: r, output } = await runMain('missing-engine', { HAVRE_ENGINE_MODULE: path.join(home, 'no-such-engine.mjs') }, home);
    expect(r.error, output).toBeUndefined();
    expect(r.lifecycles).toEqual([{ state: 'failed', restarts: 1, error: expect.objectContaining({ code: 'ENGINE_FAILED' }) }]);
    expect(r.children).toBe(1);
    expect(r.status).toMatchObject({ ok: false, error: { code: 'ENGINE_FAILED' } });
    expect(r.quitCalls).toBe(2);
  });
});
