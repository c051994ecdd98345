// File-system helpers: du -sb, tree listing and hashing, page-cache dropping, sync.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { lstat, open, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DiskUsage {
  /** like `du -sb`: apparent sizes of every entry (directories included), hard links once */
  apparentBytes: number;
  /** like `du -s` in bytes: allocated blocks */
  allocatedBytes: number;
  files: number;
}

export async function diskUsage(root: string): Promise<DiskUsage> {
  const seen = new Set<string>();
  const acc: DiskUsage = { apparentBytes: 0, allocatedBytes: 0, files: 0 };
  async function walk(p: string): Promise<void> {
    let st;
    try {
      st = await lstat(p);
    } catch {
      return;
    }
    if (st.nlink > 1 && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    acc.apparentBytes += st.size;
    acc.allocatedBytes += st.blocks * 512;
    if (st.isDirectory()) {
      for (const name of await readdir(p)) await walk(join(p, name));
    } else {
      acc.files++;
    }
  }
  await walk(root);
  return acc;
}

export interface TreeEntry {
  path: string; // relative, '/'-separated
  size: number;
  sha256: string;
}

export interface TreeListing {
  files: TreeEntry[];
  /** relative directory paths (root excluded) */
  dirs: string[];
  /** symlinks, devices… anything that is neither a file nor a directory */
  others: string[];
}

const HASH_BUF = 4 * 1024 * 1024;

export async function sha256File(path: string, buf: Buffer = Buffer.allocUnsafe(HASH_BUF)): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/** Lists and hashes a tree (sorted by path). */
export async function hashTree(root: string): Promise<TreeListing> {
  const out: TreeListing = { files: [], dirs: [], others: [] };
  const buf = Buffer.allocUnsafe(HASH_BUF);
  async function walk(abs: string, rel: string): Promise<void> {
    const entries = await readdir(abs, { withFileTypes: true });
    for (const e of entries) {
      const a = join(abs, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.dirs.push(r);
        await walk(a, r);
      } else if (e.isFile()) {
        const st = await lstat(a);
        out.files.push({ path: r, size: st.size, sha256: await sha256File(a, buf) });
      } else {
        out.others.push(r);
      }
    }
  }
  await walk(root, '');
  out.files.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  out.dirs.sort();
  out.others.sort();
  return out;
}

export interface TreeDiff {
  ok: boolean;
  missing: string[];
  extra: string[];
  sizeMismatch: string[];
  hashMismatch: string[];
  missingDirs: string[];
  extraDirs: string[];
  others: string[];
}

export function diffTrees(expected: TreeListing, actual: TreeListing): TreeDiff {
  const act = new Map(actual.files.map((f) => [f.path, f]));
  const exp = new Map(expected.files.map((f) => [f.path, f]));
  const d: TreeDiff = { ok: true, missing: [], extra: [], sizeMismatch: [], hashMismatch: [], missingDirs: [], extraDirs: [], others: [...actual.others] };
  for (const f of expected.files) {
    const a = act.get(f.path);
    if (!a) d.missing.push(f.path);
    else if (a.size !== f.size) d.sizeMismatch.push(f.path);
    else if (a.sha256 !== f.sha256) d.hashMismatch.push(f.path);
  }
  for (const f of actual.files) if (!exp.has(f.path)) d.extra.push(f.path);
  const actDirs = new Set(actual.dirs);
  const expDirs = new Set(expected.dirs);
  for (const x of expected.dirs) if (!actDirs.has(x)) d.missingDirs.push(x);
  for (const x of actual.dirs) if (!expDirs.has(x)) d.extraDirs.push(x);
  d.ok = [d.missing, d.extra, d.sizeMismatch, d.hashMismatch, d.missingDirs, d.extraDirs, d.others].every((l) => l.length === 0);
  return d;
}

export function describeDiff(d: TreeDiff): string {
  if (d.ok) return 'identical';
  const parts: string[] = [];
  const add = (label: string, list: string[]): void => {
    if (list.length) parts.push(`${list.length} ${label} (e.g. ${JSON.stringify(list[0])})`);
  };
  add('missing files', d.missing);
  add('extra files', d.extra);
  add('size mismatches', d.sizeMismatch);
  add('SHA-256 mismatches', d.hashMismatch);
  add('missing directories', d.missingDirs);
  add('extra directories', d.extraDirs);
  add('non-regular entries', d.others);
  return parts.join('; ');
}

/** Flushes dirty pages of every file system; returns the time it took (ms). */
export function syncAll(): number {
  const t0 = process.hrtime.bigint();
  spawnSync('sync', [], { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** sync; echo 3 > /proc/sys/vm/drop_caches. Returns false when not permitted (not root, container). */
export async function dropCaches(): Promise<boolean> {
  syncAll();
  try {
    await writeFile('/proc/sys/vm/drop_caches', '3\n');
    return true;
  } catch {
    return false;
  }
}

export async function rmrf(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true, maxRetries: 3 });
}
