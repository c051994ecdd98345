// Starting at login, as IT's policy says (on by default): Windows and macOS through Electron's login
// items, Linux through an XDG autostart entry. Packaged builds only: a developer's build never
// registers itself.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppPolicy } from './appPolicy.js';

export interface LoginItemHost {
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void;
}

export function autostartFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'autostart', 'havre.desktop');
}

/** The XDG desktop entry that starts Havre hidden in the tray. */
export function autostartEntry(executable: string): string {
  const quoted = `"${executable.replace(/(["`$\\])/g, '\\$1')}"`;
  return ['[Desktop Entry]', 'Type=Application', 'Name=Havre', 'Comment=Backups for this computer', `Exec=${quoted} --hidden`,
    'X-GNOME-Autostart-enabled=true', 'NoDisplay=true', ''].join('\n');
}

export async function applyLoginItem(host: LoginItemHost, policy: AppPolicy, platform: NodeJS.Platform, executable: string): Promise<void> {
  if (platform !== 'linux') {
    host.setLoginItemSettings({ openAtLogin: policy.startAtLogin, args: ['--hidden'] });
    return;
  }
  const file = autostartFile();
  if (!policy.startAtLogin) {
    await rm(file, { force: true });
    return;
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, autostartEntry(executable), { mode: 0o644 });
}
