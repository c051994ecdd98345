// The clock of each event (DECISIONS.md): the wall clock's source, and a monotonic reading
// (CLOCK_MONOTONIC: since boot, shared by every process of the machine) so the verifier can flag
// time going back and a wall clock that ran ahead of the monotonic one. Sleep also makes the wall
// clock run ahead (the monotonic clock stops while suspended): a warning, never a break.
import { hostname } from 'node:os';

export interface EventClock {
  /** Where the wall time came from: the system clock (NTP-disciplined or not, the OS knows). */
  readonly source: 'system';
  /** Milliseconds of the monotonic clock (since boot). */
  readonly mono: number;
  readonly host: string;
}

export function readClock(): EventClock {
  return { source: 'system', mono: Math.round(Number(process.hrtime.bigint() / 1000n)) / 1000, host: hostname() };
}

export interface ClockWarning {
  readonly seq: number;
  readonly kind: 'time-went-back' | 'wall-ahead' | 'restarted';
  readonly ms: number;
}

/** Wall clock ahead of the monotonic one by more than this between two events: worth a look. */
const AHEAD_TOLERANCE_MS = 5 * 60 * 1000;

function clockOf(data: Record<string, unknown>): EventClock | null {
  const c = data.clock as Partial<EventClock> | undefined;
  return c && typeof c.mono === 'number' && typeof c.host === 'string' ? (c as EventClock) : null;
}

export function clockWarnings(events: readonly { seq: number; time: string; data: Record<string, unknown> }[]): ClockWarning[] {
  const out: ClockWarning[] = [];
  for (let i = 1; i < events.length; i++) {
    const a = events[i - 1]!;
    const b = events[i]!;
    const wall = Date.parse(b.time) - Date.parse(a.time);
    if (wall < 0) out.push({ seq: b.seq, kind: 'time-went-back', ms: -wall });
    const ca = clockOf(a.data);
    const cb = clockOf(b.data);
    if (!ca || !cb || ca.host !== cb.host) continue;
    const mono = cb.mono - ca.mono;
    if (mono < 0) out.push({ seq: b.seq, kind: 'restarted', ms: 0 });
    else if (wall - mono > AHEAD_TOLERANCE_MS) out.push({ seq: b.seq, kind: 'wall-ahead', ms: Math.round(wall - mono) });
  }
  return out;
}
