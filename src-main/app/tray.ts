// The tray icon: its image follows the engine's state; its menu has three actions.

import { Menu, Tray, nativeImage } from 'electron';
import path from 'node:path';
import { MAIN_STRINGS, type Lang, type TrayState } from './strings.js';

export interface TrayActions {
  backupNow: () => void;
  open: () => void;
  quit: () => void;
}

export interface HavreTray {
  setState(state: TrayState): void;
  destroy(): void;
}

/** assets/tray/tray-<state>.png (16 px) with its @2x sibling, which Electron picks on HiDPI. */
export function trayIconPath(assetsDir: string, state: TrayState): string {
  return path.join(assetsDir, 'tray', `tray-${state}.png`);
}

export function createTray(assetsDir: string, lang: Lang, actions: TrayActions): HavreTray {
  const t = MAIN_STRINGS[lang];
  const image = (state: TrayState) => nativeImage.createFromPath(trayIconPath(assetsDir, state));
  const tray = new Tray(image('unavailable'));
  tray.setToolTip(t.tooltip.unavailable);
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { id: 'backup-now', label: t.backupNow, click: () => actions.backupNow() },
      { id: 'open', label: t.open, click: () => actions.open() },
      { type: 'separator' },
      { id: 'quit', label: t.quit, click: () => actions.quit() },
    ]),
  );
  tray.on('click', () => actions.open());

  let current: TrayState = 'unavailable';
  return {
    setState(state) {
      if (state === current || tray.isDestroyed()) return;
      current = state;
      tray.setImage(image(state));
      tray.setToolTip(t.tooltip[state]);
    },
    destroy() {
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
