// The dashboard's charts: backups per hour over the last 90 days (files and bytes protected, new
// data stored) and what the repository takes, from the catalog alone (no unlock needed).
import { HISTORY_DAYS, type BackupHistory, type HistoryPoint } from '../../ipc/contract.js';
import type { PackRow, SnapshotRow } from '../catalog/index.js';

const HOUR = 3_600_000;

export function backupHistory(snapshots: readonly SnapshotRow[], packs: readonly PackRow[], now: number = Date.now()): BackupHistory {
  const since = now - HISTORY_DAYS * 24 * HOUR;
  const byHour = new Map<number, HistoryPoint>();
  for (const s of snapshots) {
    const t = Date.parse(s.time);
    if (Number.isNaN(t) || t < since) continue;
    const hour = Math.floor(t / HOUR) * HOUR;
    const p = byHour.get(hour) ?? { hour: new Date(hour).toISOString(), snapshots: 0, files: 0, bytes: 0, addedBytes: 0 };
    p.snapshots++;
    // Snapshots come oldest first: the hour's last one tells what was protected then.
    p.files = s.summary.files ?? 0;
    p.bytes = s.summary.bytes ?? 0;
    p.addedBytes += s.summary.addedBytes ?? 0;
    byHour.set(hour, p);
  }
  return {
    points: [...byHour.values()].sort((a, b) => (a.hour < b.hour ? -1 : 1)),
    storage: { storedBytes: packs.reduce((n, p) => n + p.size, 0), packs: packs.length },
  };
}
