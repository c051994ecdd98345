// Havre's Electron main process: one instance, one hardened window, a tray icon, typed IPC
// handlers that check their sender, and the engine hosted in a supervised utility process
// (DESIGN.md §1, §6). The UI logic lives in src-renderer; the backup logic in src-main/engine.

import { BrowserWindow, Menu, MessageChannelMain, Notification, app, ipcMain, session, utilityProcess } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EngineEvent, EngineLifecycle, EngineStatus, JobProgress, JobRef, PauseRequest, RendererEventName, RendererEvents } from '../ipc/contract.js';
import { RENDERER_CSP, devRendererCsp } from '../ipc/csp.js';
import { loadPolicy } from '../engine/policy/index.js';
import { DEFAULT_APP_POLICY, appPolicyFrom, loadAppPolicy, type AppPolicy } from './appPolicy.js';
import { EngineSupervisor, type EngineChild } from './engineSupervisor.js';
import { fromMessagePortMain, type EngineInit } from './engineWire.js';
import { registerIpcHandlers } from './ipcHandlers.js';
import { applyLoginItem } from './loginItem.js';
import { Notifier, type Notice } from './notifier.js';
import { resolveAppPaths } from './paths.js';
import { hardenWebContents, installSessionSecurity, secureWebPreferences } from './security.js';
import { createSenderCheck, createUrlPolicy, parseDevServerUrl } from './senderCheck.js';
import { langFromLocale, type Lang } from './strings.js';
import { createTray, type HavreTray } from './tray.js';
import { trayView, type TrayAction } from './trayModel.js';
import { startUpdates } from './updater.js';

const log = (line: string): void => console.log(`[havre] ${line}`);

// Everything a packaged build must not take from the environment is read only when unpackaged.
const paths = resolveAppPaths(app.getAppPath(), import.meta.url);
const devServerUrl = app.isPackaged ? undefined : parseDevServerUrl(process.env.HAVRE_DEV_SERVER_URL);
const engineModule =
  !app.isPackaged && process.env.HAVRE_ENGINE_MODULE !== undefined && path.isAbsolute(process.env.HAVRE_ENGINE_MODULE)
    ? pathToFileURL(process.env.HAVRE_ENGINE_MODULE).href
    : undefined;
const csp = devServerUrl === undefined ? RENDERER_CSP : devRendererCsp(devServerUrl);
const isAllowedUrl = createUrlPolicy({ rendererIndexFile: paths.rendererIndex, devServerUrl });
const startHidden = process.argv.includes('--hidden');

let mainWindow: BrowserWindow | null = null;
let tray: HavreTray | null = null;
let supervisor: EngineSupervisor | null = null;
let quitting = false;
let shutdownDone = false;
let policy: AppPolicy = DEFAULT_APP_POLICY;
let stopUpdates: () => void = () => undefined;
let lang: Lang = 'en';
// What the tray shows, kept from the engine's events.
let lastStatus: EngineStatus | null = null;
let lastLifecycle: EngineLifecycle | null = null;
let lastProgress: JobProgress | null = null;
const notifier = new Notifier(() => lang, () => policy.notifications ?? 'all');

app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, isAllowedUrl, log));
  app.on('window-all-closed', () => {
    // A tray app keeps running with no window; "Quit" in the tray menu ends it.
  });
  app.on('activate', () => showWindow());
  app.on('before-quit', (event) => {
    quitting = true;
    if (shutdownDone) return;
    event.preventDefault();
    void shutdown();
  });
  app.whenReady().then(() => onReady(), (error: unknown) => {
    log(`startup failed: ${error instanceof Error ? error.message : 'unknown error'}`);
    app.exit(1);
  });
}

async function onReady(): Promise<void> {
  if (process.platform === 'win32') app.setAppUserModelId('fr.havre.client');
  lang = langFromLocale(app.getLocale());
  const machinePolicy = app.isPackaged ? await loadPolicy({ home: engineHome() }) : null;
  for (const p of machinePolicy?.problems ?? []) log(`policy: ${p.message}`);
  policy = machinePolicy ? appPolicyFrom(machinePolicy.policy) : await loadAppPolicy(process.env.HAVRE_APP_POLICY, log);
  // macOS's application menu carries Quit (⌘Q) only when the policy allows quitting.
  Menu.setApplicationMenu(
    process.platform === 'darwin'
      ? Menu.buildFromTemplate([policy.allowQuit ? { role: 'appMenu' } : { label: 'Havre', submenu: [{ role: 'about' }, { role: 'hide' }] }, { role: 'editMenu' },
        { role: 'windowMenu' }])
      : null,
  );
  installSessionSecurity(session.defaultSession, csp);
  if (app.isPackaged) {
    await applyLoginItem(app, policy, process.platform, process.execPath).catch((e: unknown) => log(`login item not set (${e instanceof Error ? e.message : 'error'})`));
  }

  const windowIds = new Set<number>();
  const isTrustedSender = createSenderCheck(isAllowedUrl, (id) => windowIds.has(id));

  supervisor = new EngineSupervisor({
    spawn: spawnEngine,
    onEvent: onEngineEvent,
    onLifecycle: onEngineLifecycle,
    log,
  });
  const engine = supervisor;
  registerIpcHandlers(ipcMain, {
    isTrustedSender,
    request: async (channel, payload) => {
      const result = await engine.request(channel, payload);
      // Jobs the user starts get their success told too (notifier.ts).
      if (result.ok && (channel === 'backup:start' || channel === 'restore:start')) notifier.requestedJob((result.value as JobRef).jobId);
      return result;
    },
    log,
  });
  engine.start();
  if (machinePolicy) {
    stopUpdates = startUpdates({ home: engineHome(), policy: machinePolicy.policy, currentVersion: app.getVersion(), log,
      onRefused: (e) => {
        log(`updates: ${e.message}`);
        notify({ title: 'Havre', body: e.userMessage(lang) });
      } });
  }

  tray = createTray(paths.assetsDir, currentTrayView(), (action) => onTrayAction(action));

  const win = createWindow();
  windowIds.add(win.webContents.id);
  win.on('closed', () => windowIds.clear());
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 980,
    height: 700,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'Havre',
    backgroundColor: '#f5f7fa',
    icon: path.join(paths.assetsDir, 'icon.png'),
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(paths.preload, !app.isPackaged),
  });
  win.once('ready-to-show', () => {
    if (!startHidden) win.show();
  });
  win.on('close', (event) => {
    if (!quitting) {
      event.preventDefault();
      win.hide();
    }
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  mainWindow = win;
  if (devServerUrl !== undefined) void win.loadURL(devServerUrl);
  else void win.loadFile(paths.rendererIndex);
  return win;
}

function showWindow(): void {
  const win = mainWindow;
  if (win === null || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

function engineHome(): string {
  const fromEnv = process.env.HAVRE_HOME;
  return fromEnv !== undefined && path.isAbsolute(fromEnv) ? fromEnv : path.join(app.getPath('userData'), 'engine');
}

function spawnEngine(): EngineChild {
  const child = utilityProcess.fork(paths.engineEntry, [], { serviceName: 'Havre engine', stdio: 'inherit' });
  const { port1, port2 } = new MessageChannelMain();
  const init: EngineInit = { kind: 'init', home: engineHome(), ...(engineModule === undefined ? {} : { engineModule }) };
  child.once('spawn', () => child.postMessage(init, [port2]));
  return {
    port: fromMessagePortMain(port1),
    onExit: (listener) => {
      child.once('exit', listener);
    },
    kill: () => {
      child.kill();
    },
  };
}

/** Sends an event to our window only, and only while it shows our renderer. */
function sendToRenderer<E extends RendererEventName>(name: E, payload: RendererEvents[E]): void {
  const win = mainWindow;
  if (win === null || win.isDestroyed()) return;
  const contents = win.webContents;
  if (contents.isDestroyed() || !isAllowedUrl(contents.getURL())) return;
  contents.send(name, payload);
}

function currentTrayView(): ReturnType<typeof trayView> {
  return trayView({ status: lastStatus, lifecycle: lastLifecycle, progress: lastProgress, lang, policy });
}

function updateTray(): void {
  tray?.show(currentTrayView());
}

function onTrayAction(action: TrayAction): void {
  const engine = supervisor;
  const request = (what: string, run: () => Promise<{ ok: boolean; error?: { code: string } }>): void => {
    void run().then((r) => {
      if (!r.ok) log(`tray: ${what} did not happen (${r.error?.code ?? 'unknown'})`);
    });
  };
  const pause = (p: PauseRequest): void => request('pause', async () => (engine ? engine.request('protection:pause', p) : { ok: false }));
  switch (action) {
    case 'backup-now':
      request('backup', async () => {
        const r = engine ? await engine.request('backup:start', undefined) : { ok: false as const };
        if (r.ok) notifier.requestedJob((r.value as JobRef).jobId);
        return r;
      });
      return;
    case 'pause-30': return pause({ minutes: 30 });
    case 'pause-60': return pause({ minutes: 60 });
    case 'pause-tomorrow': return pause({ until: 'tomorrow' });
    case 'resume':
      request('resume', async () => (engine ? engine.request('protection:resume', undefined) : { ok: false }));
      return;
    case 'open':
      showWindow();
      return;
    case 'restore':
      showWindow();
      sendToRenderer('app:navigate', { screen: 'restore' });
      return;
    case 'quit':
      if (policy.allowQuit) app.quit();
      return;
  }
}

function notify(notice: Notice | null): void {
  if (notice === null || !Notification.isSupported()) return;
  new Notification({ title: notice.title, body: notice.body, icon: path.join(paths.assetsDir, 'icon.png') }).show();
}

function onEngineEvent(event: EngineEvent): void {
  switch (event.type) {
    case 'status:changed':
      lastStatus = event.payload;
      if (event.payload.state !== 'backing-up') lastProgress = null;
      updateTray();
      sendToRenderer('status:changed', event.payload);
      return;
    case 'job:progress':
      if (event.payload.kind === 'backup') {
        lastProgress = event.payload;
        updateTray();
      }
      sendToRenderer('job:progress', event.payload);
      return;
    case 'job:result':
      if (event.payload.kind === 'backup') lastProgress = null;
      notify(notifier.onResult(event.payload));
      sendToRenderer('job:result', event.payload);
      return;
    case 'activity:added':
      sendToRenderer('activity:added', event.payload);
      return;
    case 'alert':
      notify(notifier.onAlert(event.payload));
      return;
  }
}

function onEngineLifecycle(lifecycle: EngineLifecycle): void {
  lastLifecycle = lifecycle;
  notify(notifier.onLifecycle(lifecycle));
  sendToRenderer('engine:lifecycle', lifecycle);
  if (lifecycle.state !== 'running') {
    lastProgress = null;
    updateTray();
    if (lifecycle.state === 'failed') log(`engine stopped for good after ${lifecycle.restarts} exit(s) (${lifecycle.error?.code ?? 'unknown'})`);
    return;
  }
  void supervisor?.request('engine:status', undefined).then((result) => {
    if (!result.ok) return;
    const status = result.value as EngineStatus;
    lastStatus = status;
    updateTray();
    sendToRenderer('status:changed', status);
  });
}

async function shutdown(): Promise<void> {
  if (shutdownDone) return;
  stopUpdates();
  try {
    await supervisor?.stop();
  } finally {
    tray?.destroy();
    shutdownDone = true;
    app.quit();
  }
}
