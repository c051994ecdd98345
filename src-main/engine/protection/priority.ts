import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { constants, setPriority } from 'node:os';

/**
 * Puts this process in the background: a lower CPU priority (nice 10, Windows "below normal") and,
 * on Linux, the lowest best-effort I/O priority (`ionice -c2 -n7`, not the idle class, which a busy
 * disk could starve for ever). Linux keeps both per thread: every thread there now is lowered, and
 * the threads made later (chunk workers, libuv's pool) inherit it. An unprivileged process cannot
 * raise its priority again: "low when the user is active" therefore stays low (docs/DECISIONS.md).
 * Best effort: a system that refuses leaves the priority as it was.
 */
export function lowerPriority(platform: NodeJS.Platform = process.platform): void {
  const below = constants.priority.PRIORITY_BELOW_NORMAL;
  try {
    setPriority(0, below);
  } catch {
    // refused: stays at normal priority
  }
  if (platform !== 'linux') return;
  let tids: number[];
  try {
    tids = readdirSync('/proc/self/task').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return;
  }
  for (const tid of tids) {
    try {
      setPriority(tid, below);
    } catch {
      // a thread that ended meanwhile
    }
  }
  execFile('ionice', ['-c', '2', '-n', '7', '-p', ...tids.map(String)], { timeout: 2000 }, () => undefined);
}
