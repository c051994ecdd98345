// What the tray shows, decided from what the engine says: the icon and tooltip tell the state at a
// glance (protected, backing up with progress, paused, attention needed, error, engine away) and the
// menu offers what makes sense now. Pure, so it is tested without Electron; tray.ts applies it.

import type { EngineLifecycle, EngineStatus, JobProgress } from '../ipc/contract.js';
import type { AppPolicy } from './appPolicy.js';
import { fill, MAIN_STRINGS, type Lang, type TrayState } from './strings.js';

export const TRAY_ACTIONS = ['backup-now', 'pause-30', 'pause-60', 'pause-tomorrow', 'resume', 'open', 'restore', 'quit'] as const;
export type TrayAction = (typeof TRAY_ACTIONS)[number];

export type TrayMenuItem = { action: TrayAction; label: string; enabled: boolean } | { separator: true };

export interface TrayView {
  state: TrayState;
  tooltip: string;
  menu: TrayMenuItem[];
}

export interface TrayInput {
  status: EngineStatus | null;
  lifecycle: EngineLifecycle | null;
  /** The running backup's progress, if any. */
  progress: JobProgress | null;
  lang: Lang;
  policy: AppPolicy;
  now?: number;
}

export function trayState(status: EngineStatus | null, lifecycle: EngineLifecycle | null): TrayState {
  if (lifecycle === null || lifecycle.state !== 'running' || status === null) return 'unavailable';
  if (status.state !== 'idle') return status.state;
  const p = status.protection;
  const attention = status.repo === null || status.lastBackup === null || (p !== undefined && (p.warnings.length > 0 || p.failedFiles > 0));
  return attention ? 'attention' : 'idle';
}

export function trayView(i: TrayInput): TrayView {
  const t = MAIN_STRINGS[i.lang];
  const state = trayState(i.status, i.lifecycle);
  const pause = i.status?.protection?.pause ?? null;
  let tooltip = t.tooltip[state];
  const total = i.progress?.totalBytes;
  if (state === 'backing-up' && i.progress && total) {
    const percent = new Intl.NumberFormat(i.lang, { style: 'percent', maximumFractionDigits: 0 }).format(Math.min(1, i.progress.bytes / total));
    tooltip = fill(t.tooltipProgress, { percent });
  }
  if (state === 'paused' && pause?.until) {
    tooltip = fill(t.pausedUntil, { until: new Intl.DateTimeFormat(i.lang, { timeStyle: 'short' }).format(new Date(pause.until)) });
  }
  const running = state !== 'unavailable';
  const protecting = running && i.status?.protection !== undefined;
  const userPaused = pause?.reason === 'user';
  const busy = state === 'backing-up' || state === 'restoring';
  const menu: TrayMenuItem[] = [
    { action: 'backup-now', label: t.backupNow, enabled: running && !busy && i.status?.repo !== null },
    ...(protecting && !userPaused ? [
      { action: 'pause-30' as const, label: t.pause30, enabled: true },
      { action: 'pause-60' as const, label: t.pause60, enabled: true },
      { action: 'pause-tomorrow' as const, label: t.pauseTomorrow, enabled: true },
    ] : []),
    ...(protecting && userPaused ? [{ action: 'resume' as const, label: t.resume, enabled: true }] : []),
    { separator: true },
    { action: 'open', label: t.open, enabled: true },
    { action: 'restore', label: t.restore, enabled: true },
    ...(i.policy.allowQuit ? [{ separator: true } as const, { action: 'quit' as const, label: t.quit, enabled: true }] : []),
  ];
  return { state, tooltip, menu };
}
