// The restore timeline: snapshots newest first, the small snapshots of continuous protection rolled
// up by hour (the hour's latest stands for it), so a day of saves is a handful of lines; every
// snapshot stays reachable by opening its hour.

import type { SnapshotSummary } from '../../../src-main/ipc/contract.js';

export interface TimelineItem {
  /** Stable key for the list. */
  key: string;
  /** The snapshot the item opens (the newest of its hour). */
  latest: SnapshotSummary;
  /** Every snapshot of the item, newest first (one unless rolled up). */
  snapshots: SnapshotSummary[];
  /** True for an hour of continuous snapshots. */
  rolledUp: boolean;
}

export interface TimelineDay {
  /** Local date, YYYY-MM-DD. */
  day: string;
  items: TimelineItem[];
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The local day and hour of an ISO time. */
function localHour(iso: string): { day: string; hour: string } {
  const d = new Date(iso);
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return { day, hour: `${day}T${pad(d.getHours())}` };
}

/** Snapshots (newest first) as days of items; `rollUp` false lists every snapshot on its own. */
export function buildTimeline(snapshots: readonly SnapshotSummary[], rollUp = true): TimelineDay[] {
  const days: TimelineDay[] = [];
  let hourItem: TimelineItem | null = null;
  for (const s of snapshots) {
    const { day, hour } = localHour(s.time);
    let d = days.at(-1);
    if (!d || d.day !== day) {
      d = { day, items: [] };
      days.push(d);
      hourItem = null;
    }
    const continuous = rollUp && s.tags.includes('continuous');
    if (continuous && hourItem && hourItem.key === `hour-${hour}`) {
      hourItem.snapshots.push(s);
      hourItem.rolledUp = true;
      continue;
    }
    const item: TimelineItem = { key: continuous ? `hour-${hour}` : s.id, latest: s, snapshots: [s], rolledUp: false };
    d.items.push(item);
    hourItem = continuous ? item : null;
  }
  return days;
}
