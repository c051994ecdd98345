// The tray icon: applies a TrayView (trayModel.ts) — the image for the state, the tooltip, the menu.

import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import path from 'node:path';
import type { TrayState } from './strings.js';
import type { TrayAction, TrayView } from './trayModel.js';

export interface HavreTray {
  show(view: TrayView): void;
  destroy(): void;
}

/** assets/tray/tray-<state>.png (16 px) with its @2x sibling, which Electron picks on HiDPI. */
export function trayIconPath(assetsDir: string, state: TrayState): string {
  return path.join(assetsDir, 'tray', `tray-${state}.png`);
}

export function createTray(assetsDir: string, first: TrayView, act: (action: TrayAction) => void): HavreTray {
  const image = (state: TrayState) => nativeImage.createFromPath(trayIconPath(assetsDir, state));
  const tray = new Tray(image(first.state));
  let shown = '';
  const show = (view: TrayView): void => {
    if (tray.isDestroyed()) return;
    const key = JSON.stringify(view);
    if (key === shown) return;
    shown = key;
    tray.setImage(image(view.state));
    tray.setToolTip(view.tooltip);
    tray.setContextMenu(Menu.buildFromTemplate(view.menu.map((item): MenuItemConstructorOptions =>
      'separator' in item ? { type: 'separator' } : { id: item.action, label: item.label, enabled: item.enabled, click: () => act(item.action) })));
  };
  show(first);
  tray.on('click', () => act('open'));
  return {
    show,
    destroy() {
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
