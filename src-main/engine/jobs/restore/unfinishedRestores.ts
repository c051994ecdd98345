// A restore killed midway (a crash, kill -9, a power cut) leaves its temporary files
// (`.havre-restore-<12 hex>`, RestoringFile.ts) in the folders it was filling: never a wrong file
// under a real name, but litter. Each restore notes its target in <home>/restores/ while it runs;
// the next restore removes what restores of dead processes left, then forgets their notes. The
// walk costs a folder listing per folder of the old target, and happens only after a crash.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../errors/index.js';
import { writeFileAtomic } from '../../files/durable.js';
import { processAlive } from '../../repo/index.js';
import { RESTORE_TEMP } from './RestoringFile.js';

interface RestoreNote {
  readonly pid: number;
  readonly target: string;
}

function notesDir(home: string): string {
  return join(home, 'restores');
}

/** Notes a restore into `target`; the returned function forgets the note when it ends (whatever the outcome). */
export async function noteRestore(home: string, target: string): Promise<() => Promise<void>> {
  await mkdir(notesDir(home), { recursive: true, mode: 0o700 });
  const file = join(notesDir(home), `${randomBytes(8).toString('hex')}.json`);
  const note: RestoreNote = { pid: process.pid, target };
  await writeFileAtomic(file, `${JSON.stringify(note)}\n`);
  return () => rm(file, { force: true });
}

/** Removes the temporary files under `root` (no link followed); returns how many. */
async function sweepTree(root: string): Promise<number> {
  let removed = 0;
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue; // gone, or not ours to read: nothing to clean there
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() && RESTORE_TEMP.test(e.name)) {
        // Checked again without following a link: only a regular file of ours is removed.
        const st = await lstat(p).catch(() => null);
        if (st?.isFile()) {
          await rm(p, { force: true });
          removed++;
        }
      }
    }
  }
  return removed;
}

/** Cleans after every restore whose process is gone; returns how many temporary files were removed. */
export async function sweepUnfinishedRestores(home: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(notesDir(home));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return 0;
    throw e;
  }
  let removed = 0;
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = join(notesDir(home), name);
    let note: Partial<RestoreNote>;
    try {
      note = JSON.parse(await readFile(file, 'utf8')) as Partial<RestoreNote>;
    } catch {
      await rm(file, { force: true }); // torn by the crash itself: nothing to go on
      continue;
    }
    if (typeof note.pid === 'number' && (note.pid === process.pid || processAlive(note.pid))) continue;
    if (typeof note.target === 'string' && note.target.length > 0) removed += await sweepTree(note.target);
    await rm(file, { force: true });
  }
  return removed;
}
