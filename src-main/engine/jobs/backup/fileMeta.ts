import type { BigIntStats } from 'node:fs';
import type { FileState } from '../../catalog/index.js';

export function baseMeta(st: BigIntStats): { mode: number; mtime: string; uid: number; gid: number } {
  return { mode: Number(st.mode & 0o7777n), mtime: st.mtimeNs.toString(), uid: Number(st.uid), gid: Number(st.gid) };
}

/** DESIGN.md §2: unchanged size + mtime + inode + ctime → the file is not read again. */
export function unchanged(prev: FileState, st: BigIntStats): boolean {
  return prev.size === Number(st.size) && prev.mtimeNs === st.mtimeNs && prev.ctimeNs === st.ctimeNs && prev.inode === st.ino;
}

/**
 * The file did not move while we read it. ctime too: a rewrite of the same size whose mtime is put
 * back (cp -p, rsync -t, some editors) changes only ctime, and the state recorded after the read
 * holds the new ctime, so the next backup would skip the file and keep the bytes read before.
 */
export function sameAfterRead(before: BigIntStats, after: BigIntStats): boolean {
  return before.size === after.size && before.mtimeNs === after.mtimeNs && before.ctimeNs === after.ctimeNs && before.ino === after.ino;
}

export function fileState(path: string, st: BigIntStats, content: Buffer[]): FileState {
  return { path, size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, inode: st.ino, dev: st.dev, mode: Number(st.mode), content };
}
