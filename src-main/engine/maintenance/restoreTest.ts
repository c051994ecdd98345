// The scheduled restore test (issue 7, "proof that restores work"): a random sample of the latest
// snapshot's files is restored into a temporary folder of Havre's home (0700) and compared with
// what this machine knows: a file the catalog says is still on disk unchanged since that backup
// must come back byte for byte identical to it; any other must come back whole (its size, every
// blob authenticated). The sample is deleted after, whatever happens. The result is an audit event
// (`restore-test`) and what the app shows ("last restore test: 2 days ago, 200 files, all identical").
import { randomBytes, randomInt } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { auditedJob, FileListCollector } from '../audit/index.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { unchanged } from '../jobs/backup/fileMeta.js';
import type { Repository } from '../repo/index.js';
import type { FileNode } from '../repo/tree/TreeNode.js';

export interface RestoreTestOptions {
  readonly home: string;
  /** Files in the sample (default 200). */
  readonly sample?: number;
  /** Files larger than this are not sampled (default 64 MiB): the test must stay light. */
  readonly maxFileBytes?: number;
}

export interface RestoreTestResult {
  readonly snapshot: string;
  readonly sampled: number;
  /** Restored byte for byte equal to the unchanged file on disk. */
  readonly identical: number;
  /** Restored whole (size and every blob authenticated); no unchanged copy on disk to compare with. */
  readonly verified: number;
  readonly failed: readonly { readonly path: string; readonly reason: string }[];
  readonly bytes: number;
}

/** Reservoir sampling over the snapshot's files (one pass, bounded memory). */
async function sampleFiles(repo: Repository, tree: string, n: number, maxBytes: number): Promise<{ path: string; node: FileNode }[]> {
  const out: { path: string; node: FileNode }[] = [];
  let seen = 0;
  async function walk(id: string, path: string): Promise<void> {
    for (const node of (await repo.loadTree(id)).nodes) {
      const p = `${path}/${node.name}`;
      if (node.type === 'dir') await walk(node.subtree, p);
      else if (node.type === 'file' && node.size <= maxBytes) {
        seen++;
        if (out.length < n) out.push({ path: p, node });
        else {
          const j = randomInt(seen);
          if (j < n) out[j] = { path: p, node };
        }
      }
    }
  }
  await walk(tree, '');
  return out;
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const ra = createReadStream(a, { highWaterMark: 1 << 20 })[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const rb = createReadStream(b, { highWaterMark: 1 << 20 })[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let bufA: Buffer = Buffer.alloc(0);
  let bufB: Buffer = Buffer.alloc(0);
  let endA = false;
  let endB = false;
  for (;;) {
    if (bufA.length === 0 && !endA) {
      const r = await ra.next();
      if (r.done) endA = true;
      else bufA = r.value;
    }
    if (bufB.length === 0 && !endB) {
      const r = await rb.next();
      if (r.done) endB = true;
      else bufB = r.value;
    }
    if (bufA.length === 0 || bufB.length === 0) return bufA.length === 0 && bufB.length === 0 && endA && endB;
    const n = Math.min(bufA.length, bufB.length);
    if (!bufA.subarray(0, n).equals(bufB.subarray(0, n))) return false;
    bufA = bufA.subarray(n);
    bufB = bufB.subarray(n);
  }
}

/** Whether the catalog says `path` is on disk now exactly as `node` backed it up. */
async function unchangedOnDisk(repo: Repository, path: string, node: FileNode): Promise<boolean> {
  const state = repo.catalog.getFileState(path);
  if (!state || state.content.length !== node.content.length || !state.content.every((b, i) => b.toString('hex') === node.content[i])) return false;
  try {
    return unchanged(state, await lstat(path, { bigint: true }));
  } catch {
    return false;
  }
}

async function testOne(repo: Repository, dir: string, path: string, node: FileNode): Promise<'identical' | 'verified'> {
  const out = join(dir, randomBytes(8).toString('hex'));
  const fh = await open(out, 'wx', 0o600);
  let size = 0;
  try {
    for (const id of node.content) {
      const blob = await repo.readBlob(id); // authenticated: a flipped bit throws INTEGRITY
      size += blob.length;
      await fh.write(blob);
    }
  } finally {
    await fh.close();
  }
  if (size !== node.size) throw new HavreError('INTEGRITY', { what: `restored size ${size} instead of ${node.size}` });
  // Compared only if still unchanged after the restore (a file edited meanwhile proves nothing).
  if (!(await unchangedOnDisk(repo, path, node))) return 'verified';
  const same = await sameBytes(out, path);
  if (!(await unchangedOnDisk(repo, path, node))) return 'verified';
  if (!same) throw new HavreError('INTEGRITY', { what: 'restored bytes differ from the unchanged file on disk' });
  return 'identical';
}

async function restoreTest(repo: Repository, opts: RestoreTestOptions, concerned: FileListCollector): Promise<RestoreTestResult> {
  const row = repo.resolveSnapshot('latest');
  const snap = await repo.loadSnapshot(row.id);
  const sample = await sampleFiles(repo, snap.tree, opts.sample ?? 200, opts.maxFileBytes ?? 64 * 1024 * 1024);
  const dir = join(opts.home, 'restore-test', randomBytes(6).toString('hex'));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let identical = 0;
  let verified = 0;
  let bytes = 0;
  const failed: { path: string; reason: string }[] = [];
  try {
    for (const { path, node } of sample) {
      concerned.add(path);
      try {
        if ((await testOne(repo, dir, path, node)) === 'identical') identical++;
        else verified++;
        bytes += node.size;
      } catch (e) {
        if (!isHavreError(e) || !['INTEGRITY', 'BLOB_MISSING', 'OBJECT_MISSING'].includes(e.code)) throw e;
        failed.push({ path, reason: e.message });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { snapshot: row.id, sampled: sample.length, identical, verified, failed, bytes };
}

/** Runs the restore test and records it: `job.done` or, when a file failed, `job.failed` INTEGRITY (an alert). */
export function runRestoreTest(repo: Repository, opts: RestoreTestOptions): Promise<RestoreTestResult> {
  const concerned = new FileListCollector();
  return auditedJob(repo, 'restore-test', () => restoreTest(repo, opts, concerned), (r) => ({
    fields: { snapshot: r.snapshot, sampled: r.sampled, identical: r.identical, verified: r.verified, failed: r.failed.length, bytes: r.bytes },
    files: concerned,
    ...(r.failed.length > 0 ? { failed: 'INTEGRITY' } : {}),
  }), () => concerned);
}
