// One root's exclusion list, in the two forms the watcher needs: the `ignore` option @parcel/watcher
// matches natively (so excluded folders are not even watched), and a JS test for what parcel does
// not filter (the predicate, the paths our own walks of new folders find, the events of
// subscriptions on folders below the root, which cannot take the root's anchored globs).
import { isAbsolute, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import type { WatchIgnore } from './types.js';

export interface CompiledIgnore {
  /** parcel's `ignore` option for a subscription on `dir` (the root or a folder below it) */
  parcelIgnore(dir: string): string[];
  /** true when `path` (absolute, below the root) or one of its folders is excluded */
  matches(path: string): boolean;
}

/** Globs that mean the same whatever folder they are matched from (`**\/x`). */
function rootIndependent(glob: string): boolean {
  return glob.startsWith('**/');
}

function withoutTrailingSep(p: string): string {
  return p.length > 1 && p.endsWith(sep) ? p.slice(0, -1) : p;
}

export function compileIgnore(root: string, ignore: WatchIgnore | undefined): CompiledIgnore {
  const paths = (ignore?.paths ?? []).map((p) => {
    if (!isAbsolute(p)) throw new TypeError(`watch: ignore paths must be absolute (got "${p}")`);
    return withoutTrailingSep(p);
  });
  const globs = [...(ignore?.globs ?? [])];
  // The options parcel's own wrapper uses, so that JS and native matching agree.
  const glob = globs.length ? picomatch(globs, { dot: true, windows: process.platform === 'win32' }) : null;
  const predicate = ignore?.predicate;
  return {
    parcelIgnore(dir) {
      return [...paths, ...(dir === root ? globs : globs.filter(rootIndependent))];
    },
    matches(path) {
      for (const p of paths) if (path === p || path.startsWith(p + sep)) return true;
      if (glob) {
        const rel = relative(root, path);
        if (rel && !rel.startsWith('..')) {
          // a path is excluded when any of its folders is: `build` excludes build/x/y too
          const parts = rel.split(sep);
          for (let i = 1; i <= parts.length; i++) if (glob(parts.slice(0, i).join(sep))) return true;
        }
      }
      return predicate ? predicate(path) : false;
    },
  };
}
