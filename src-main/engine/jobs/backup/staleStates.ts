import { lstat } from 'node:fs/promises';
import { errnoCode } from '../../errors/index.js';
import type { Repository } from '../../repo/index.js';

/** Where the sweep stopped last time (catalog meta), so each backup looks at the next slice. */
const CURSOR_KEY = 'file-states-sweep';

/**
 * File states name files in clear in the catalog (DESIGN.md §6, invariant 1 allows it only for
 * files that are on this disk): the state of a file that is gone must go too. Continuous protection
 * drops states as it sees deletions; this sweep catches the rest (manual backups, deletions made
 * while Havre was stopped): each backup checks the next slice of states, in path order, and drops
 * those whose file is no longer there (1,000 a backup: continuous protection runs many a day).
 */
export async function sweepStaleStates(repo: Repository, slice = 1000): Promise<number> {
  const cursor = repo.catalog.getMeta(CURSOR_KEY) ?? '';
  const paths = repo.catalog.fileStatePathsAfter(cursor, slice);
  let dropped = 0;
  for (const p of paths) {
    const gone = await lstat(p).then((st) => !st.isFile(), (e: unknown) => errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR');
    if (gone) {
      repo.catalog.deleteFileState(p);
      dropped++;
    }
  }
  // Past the end, start again from the first path.
  repo.catalog.setMeta(CURSOR_KEY, paths.length < slice ? '' : paths.at(-1)!);
  return dropped;
}
