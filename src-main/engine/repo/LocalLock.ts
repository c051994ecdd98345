import { constants } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { HavreError, errnoCode } from '../errors/index.js';

/**
 * One writer at a time per repository on this machine (backup, forget, prune, repair): a lock
 * file beside the catalog holding the owner's pid. A lock whose process is gone is taken over.
 */
export class LocalLock {
  /** Locks this process holds: a lock file naming our own pid is ours only if it is in here. */
  private static readonly held = new Map<string, string>();

  private constructor(private readonly file: string) {}

  static async acquire(file: string, purpose: string): Promise<LocalLock> {
    const mine = LocalLock.held.get(file);
    if (mine !== undefined) throw new HavreError('LOCKED_BY_PROCESS', { holder: `pid ${process.pid}, ${mine}`, file });
    LocalLock.held.set(file, purpose); // claimed before the first await: two callers in one process cannot both pass
    try {
      return await LocalLock.take(file, purpose);
    } catch (e) {
      LocalLock.held.delete(file);
      throw e;
    }
  }

  private static async take(file: string, purpose: string): Promise<LocalLock> {
    await mkdir(dirname(file), { recursive: true });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
        await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), purpose, since: new Date().toISOString() }));
        await fh.close();
        return new LocalLock(file);
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
        const holder = await readHolder(file);
        if (holder && holder.pid !== process.pid && processAlive(holder.pid)) {
          throw new HavreError('LOCKED_BY_PROCESS', { holder: `pid ${holder.pid}, ${holder.purpose} since ${holder.since}`, file });
        }
        await rm(file, { force: true }); // stale: its process is gone
      }
    }
    throw new HavreError('LOCKED_BY_PROCESS', { holder: 'unknown', file });
  }

  /** Who holds the lock now: its owner, or null when free or stale (its process is gone). */
  static async holder(file: string): Promise<{ pid: number; purpose: string; since: string } | null> {
    const h = await readHolder(file);
    return h && processAlive(h.pid) ? h : null;
  }

  async release(): Promise<void> {
    await rm(this.file, { force: true });
    LocalLock.held.delete(this.file);
  }
}

async function readHolder(file: string): Promise<{ pid: number; purpose: string; since: string } | null> {
  try {
    const o = JSON.parse(await readFile(file, 'utf8')) as { pid?: unknown; purpose?: unknown; since?: unknown };
    return typeof o.pid === 'number' ? { pid: o.pid, purpose: String(o.purpose), since: String(o.since) } : null;
  } catch {
    return null; // half-written by a crash: stale
  }
}

/** Whether a process runs (someone else's included: EPERM means it exists). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}
