import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors/index.js';
import { writeFileAtomic } from '../files/durable.js';
import type { UserPause } from './gates.js';

/**
 * The user's pause, kept in HAVRE_HOME/pause.json so that it outlives a restart and so that
 * `havre pause` in a terminal reaches a `havre daemon` or the app running beside it.
 */
export function pauseFile(home: string): string {
  return join(home, 'pause.json');
}

export async function readUserPause(home: string): Promise<UserPause | null> {
  try {
    const o = JSON.parse(await readFile(pauseFile(home), 'utf8')) as { untilMs?: unknown };
    if (o.untilMs === null) return { untilMs: null };
    return typeof o.untilMs === 'number' && Number.isFinite(o.untilMs) ? { untilMs: o.untilMs } : null;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || e instanceof SyntaxError) return null; // none, or a damaged file: not paused
    throw e;
  }
}

export async function writeUserPause(home: string, pause: UserPause | null): Promise<void> {
  if (pause === null) await rm(pauseFile(home), { force: true });
  else await writeFileAtomic(pauseFile(home), JSON.stringify(pause) + '\n');
}
