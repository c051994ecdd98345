// Seeded trees of small files for the watcher benchmark: folders of 10–30 files, 2–6 subfolders
// each (breadth first, so depth grows like a real home folder's), plus a few deep chains of
// 20–40 nested folders. File contents are a few bytes: watchers care about names, not sizes.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sfc32 } from '../corpus/prng.js';

const TREE_VERSION = 1;

export interface TreeDir {
  /** relative to the tree root, '' for the root itself */
  path: string;
  files: number;
}

export interface TreeManifest {
  version: number;
  seed: string;
  files: number;
  dirs: TreeDir[];
  /** depth of the deepest folder */
  maxDepth: number;
}

export function fileName(i: number): string {
  return `file-${String(i).padStart(4, '0')}.txt`;
}

export function filePath(root: string, dir: TreeDir, i: number): string {
  return join(root, dir.path, fileName(i));
}

function plan(files: number, seed: string): TreeManifest {
  const rng = new Sfc32(seed, `watch-tree-${files}`);
  const dirs: TreeDir[] = [];
  const queue: string[] = [''];
  let left = files;
  let next = 0;
  const name = (): string => `dir-${String(next++).padStart(6, '0')}`;
  // A few deep chains first (about 2 % of the files): a build output or an old project archive.
  const chains = Math.min(4, Math.max(1, Math.floor(files / 2500)));
  let maxDepth = 0;
  for (let c = 0; c < chains; c++) {
    const depth = rng.int(20, 40);
    let path = `chain-${c}`;
    for (let d = 0; d < depth && left > 0; d++) {
      const n = Math.min(left, rng.int(2, 5));
      dirs.push({ path, files: n });
      left -= n;
      path = join(path, name());
    }
    maxDepth = Math.max(maxDepth, depth);
  }
  while (left > 0) {
    const path = queue.shift() ?? '';
    const n = Math.min(left, rng.int(10, 30));
    dirs.push({ path, files: n });
    left -= n;
    const subs = rng.int(2, 6);
    for (let s = 0; s < subs; s++) queue.push(join(path, name()));
    maxDepth = Math.max(maxDepth, path ? path.split('/').length : 0);
  }
  return { version: TREE_VERSION, seed, files, dirs, maxDepth };
}

/** Removes what is not in the manifest (bursts and probes of an interrupted run); returns how many. */
function removeExtraneous(root: string, m: TreeManifest): number {
  const dirs = new Set(m.dirs.map((d) => d.path));
  let removed = 0;
  for (const d of m.dirs) {
    const expected = new Set(Array.from({ length: d.files }, (_, i) => fileName(i)));
    for (const e of readdirSync(join(root, d.path), { withFileTypes: true })) {
      const rel = join(d.path, e.name);
      if (e.isDirectory() ? dirs.has(rel) : expected.has(e.name)) continue;
      rmSync(join(root, rel), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/** The tree of `files` files under `root`, generated once and reused while its manifest matches. */
export function ensureTree(root: string, files: number, seed: string, progress: (msg: string) => void): TreeManifest {
  const manifestFile = `${root}.json`;
  if (existsSync(manifestFile) && existsSync(root)) {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as TreeManifest;
    if (m.version === TREE_VERSION && m.seed === seed && m.files === files) {
      const extra = removeExtraneous(root, m);
      if (extra) progress(`tree ${files}: removed ${extra} entries an interrupted run left behind`);
      return m;
    }
  }
  rmSync(root, { recursive: true, force: true });
  rmSync(manifestFile, { force: true });
  const m = plan(files, seed);
  const rng = new Sfc32(seed, `watch-content-${files}`);
  let written = 0;
  for (const d of m.dirs) {
    mkdirSync(join(root, d.path), { recursive: true });
    for (let i = 0; i < d.files; i++) {
      writeFileSync(filePath(root, d, i), 'x'.repeat(rng.int(0, 200)));
      if (++written % 100_000 === 0) progress(`tree ${files}: ${written} files written`);
    }
  }
  writeFileSync(manifestFile, JSON.stringify(m));
  return m;
}
