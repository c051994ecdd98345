// Where the desktop app may restore to (the engine checks it, whatever the window asks): the user's
// own folders — the home folder, a folder Havre backs up, or a file's original place when it is this
// machine's own backup — and never into Havre's own data or the repository. A renderer that was
// tricked into asking for /etc or ~/.config/havre gets RESTORE_TARGET_FORBIDDEN and nothing moves.
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { HavreError, errnoCode } from '../errors/index.js';
import { snapshotPathParts } from '../repo/index.js';

export interface RestoreAccess {
  /** The user's home folder. */
  readonly userHome: string;
  /** Havre's own folder (configuration, catalogs, spool): never a target. */
  readonly havreHome: string;
  /** Folders Havre backs up (settings). */
  readonly folders: readonly string[];
  /** The repository's folder when it is on a disk here: never a target. */
  readonly repoPath?: string;
}

/** The path with symbolic links resolved as far as it exists; the rest appended as given. */
async function realish(path: string): Promise<string> {
  const rest: string[] = [];
  let p = resolve(path);
  for (;;) {
    try {
      return join(await realpath(p), ...rest.reverse());
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT' && errnoCode(e) !== 'ENOTDIR') throw e;
      const up = dirname(p);
      if (up === p) return join(p, ...rest.reverse());
      rest.push(p.slice(up.length).replace(/^[\\/]+/, ''));
      p = up;
    }
  }
}

function inside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r) && !r.split(sep).includes('..'));
}

/**
 * Throws RESTORE_TARGET_FORBIDDEN unless `target` is a place this user may restore to: inside the
 * home or a protected folder, or — for a protected folder itself — its original parent. `paths` are
 * the snapshot paths restored; `ownMachine`: this machine's backup, whose paths are places here.
 */
export async function checkRestoreTarget(target: string, paths: readonly string[] | undefined, access: RestoreAccess, ownMachine: boolean): Promise<void> {
  const forbidden = (): HavreError => new HavreError('RESTORE_TARGET_FORBIDDEN', { path: target });
  if (!isAbsolute(target) || target.split(/[\\/]+/).includes('..')) throw forbidden();
  const real = await realish(target).catch(() => {
    throw forbidden();
  });
  for (const own of [access.havreHome, access.repoPath]) {
    if (own !== undefined && inside(real, await realish(own))) throw forbidden();
  }
  const places = [access.userHome, ...access.folders];
  for (const place of places) if (inside(real, await realish(place))) return;
  // The original place of a protected folder itself (its parent): this machine's own backup, and
  // only for paths that are the user's own places or inside them.
  if (ownMachine && paths && paths.length > 0) {
    const absolute = paths.map((p) => `/${snapshotPathParts(p).join('/')}`);
    const ownPaths = absolute.every((p) => places.some((place) => inside(p, place)));
    const parents = new Set(absolute.map((p) => dirname(p)));
    if (ownPaths && parents.size === 1 && (await realish([...parents][0]!)) === real) return;
  }
  throw forbidden();
}

/**
 * RESTORE_TARGET_DENIED when the target, or the folder it would be created in, cannot be written
 * (a read-only disk, no permission): said before the restore starts, and nothing is created.
 */
export async function checkTargetWritable(target: string): Promise<void> {
  let p = resolve(target);
  for (;;) {
    const st = await stat(p).catch((e: unknown) => (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR' ? null : Promise.reject(e)));
    if (st) {
      try {
        if (!st.isDirectory()) throw new Error('not a folder');
        await access(p, constants.W_OK | constants.X_OK);
        return;
      } catch {
        throw new HavreError('RESTORE_TARGET_DENIED', { path: target });
      }
    }
    const up = dirname(p);
    if (up === p) throw new HavreError('RESTORE_TARGET_DENIED', { path: target });
    p = up;
  }
}
