// Havre's Electron main process: one instance, one hardened window, a tray icon, typed IPC
// handlers that check their sender, and the engine hosted in a supervised utility process
// (DESIGN.md §1, §6). The UI logic lives in src-renderer; the backup logic in src-main/engine.

import { BrowserWindow, Menu, MessageChannelMain, app, ipcMain, session, utilityProcess } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EngineEvent, EngineLifecycle, EngineStatus, RendererEventName, RendererEvents } from '../ipc/contract.js';
import { RENDERER_CSP, devRendererCsp } from '../ipc/csp.js';
import { EngineSupervisor, type EngineChild } from './engineSupervisor.js';
import { fromMessagePortMain, type EngineInit } from './engineWire.js';
import { registerIpcHandlers } from './ipcHandlers.js';
import { resolveAppPaths } from './paths.js';
import { hardenWebContents, installSessionSecurity, secureWebPreferences } from './security.js';
import { createSenderCheck, createUrlPolicy, parseDevServerUrl } from './senderCheck.js';
import { langFromLocale, type TrayState } from './strings.js';
import { createTray, type HavreTray } from './tray.js';

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
  app.whenReady().then(onReady, (error: unknown) => {
    log(`startup failed: ${error instanceof Error ? error.message : 'unknown error'}`);
    app.exit(1);
  });
}

function onReady(): void {
  if (process.platform === 'win32') app.setAppUserModelId('fr.havre.client');
  Menu.setApplicationMenu(
    process.platform === 'darwin' ? Menu.buildFromTemplate([{ role: 'appMenu' }, { role: 'editMenu' }, { role: 'windowMenu' }]) : null,
  );
  installSessionSecurity(session.defaultSession, csp);

  const windowIds = new Set<number>();
  const isTrustedSender = createSenderCheck(isAllowedUrl, (id) => windowIds.has(id));

  supervisor = new EngineSupervisor({
    spawn: spawnEngine,
    onEvent: onEngineEvent,
    onLifecycle: onEngineLifecycle,
    log,
  });
  const engine = supervisor;
  registerIpcHandlers(ipcMain, { isTrustedSender, request: (channel, payload) => engine.request(channel, payload), log });
  engine.start();

  tray = createTray(paths.assetsDir, langFromLocale(app.getLocale()), {
    backupNow: () => {
      void engine.request('backup:start', undefined).then((result) => {
        if (!result.ok) log(`tray: backup not started (${result.error.code})`);
      });
    },
    open: () => showWindow(),
    quit: () => app.quit(),
  });

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

function setTrayFromStatus(status: EngineStatus): void {
  tray?.setState(status.state);
}

function onEngineEvent(event: EngineEvent): void {
  switch (event.type) {
    case 'status:changed':
      setTrayFromStatus(event.payload);
      sendToRenderer('status:changed', event.payload);
      return;
    case 'job:progress':
      sendToRenderer('job:progress', event.payload);
      return;
    case 'job:result':
      sendToRenderer('job:result', event.payload);
      return;
  }
}

function onEngineLifecycle(lifecycle: EngineLifecycle): void {
  sendToRenderer('engine:lifecycle', lifecycle);
  if (lifecycle.state !== 'running') {
    const state: TrayState = 'unavailable';
    tray?.setState(state);
    if (lifecycle.state === 'failed') log(`engine stopped for good after ${lifecycle.restarts} exit(s) (${lifecycle.error?.code ?? 'unknown'})`);
    return;
  }
  void supervisor?.request('engine:status', undefined).then((result) => {
    if (!result.ok) return;
    const status = result.value as EngineStatus;
    setTrayFromStatus(status);
    sendToRenderer('status:changed', status);
  });
}

async function shutdown(): Promise<void> {
  if (shutdownDone) return;
  try {
    await supervisor?.stop();
  } finally {
    tray?.destroy();
    shutdownDone = true;
    app.quit();
  }
}
