import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { HavreError, errnoCode, isHavreError } from '../../errors/index.js';
import type { FileNode, Repository } from '../../repo/index.js';
import type { ProgressMeter } from '../shared/Progress.js';
import { Limit } from '../shared/limit.js';
import type { BlobCache } from './BlobCache.js';
import type { BlobOpenPool } from './BlobOpenPool.js';
import { keepBothName, type ConflictMode } from './conflict.js';
import { planRestore, type PackRun, type PlanLimits, type PlannedBlob, type RestorePlan } from './RestorePlan.js';
import { RestoringFile } from './RestoringFile.js';
import type { SafeTarget } from './SafeTarget.js';
import { sameContent } from './sameContent.js';

/** A file of the snapshot to restore, as the tree walk finds it. */
export interface FileEntry {
  readonly dir: string[];
  readonly node: FileNode;
}

export interface RestoreIssue {
  readonly path: string;
  readonly code: string;
  readonly reason: string;
}

/** What every window of one restore shares. */
export interface WindowContext {
  readonly repo: Repository;
  readonly target: SafeTarget;
  readonly pool: BlobOpenPool;
  readonly cache: BlobCache;
  readonly meter: ProgressMeter;
  readonly conflict: ConflictMode;
  readonly now: Date;
  readonly result: { files: number; bytes: number; identical: string[]; skipped: RestoreIssue[]; renamed: { path: string; as: string }[] };
  /** Records a file that could not be restored; throws what must end the whole restore. */
  readonly fail: (path: string, e: unknown) => void;
  /** Told of each file restored (the audit event's file list). */
  readonly onRestored?: (path: string) => void;
}

/** Ranged reads in flight: each holds at most PLAN_LIMITS.maxRun bytes until its blobs are written. */
const RUNS_IN_FLIGHT = 4;
const PLAN_LIMITS: PlanLimits = { maxGap: 1024 * 1024, maxRun: 32 * 1024 * 1024 };
/** Existing files compared, and temporary files created, at once. */
const PREPARE_IN_FLIGHT = 8;

/**
 * Errors that end the whole restore: the store is gone or refuses us (a folder, the appliance, a
 * bucket, every target), so every other file would fail too, after its own retries.
 */
const FATAL: ReadonlySet<string> = new Set(['STORE_UNAVAILABLE', 'STORE_PERMISSION', 'APPLIANCE_UNREACHABLE', 'APPLIANCE_CERT_REFUSED', 'APPLIANCE_FORBIDDEN',
  'S3_UNREACHABLE', 'S3_CREDENTIALS_REJECTED', 'S3_FORBIDDEN', 'S3_BUCKET_MISSING', 'TARGETS_UNREACHABLE']);

export function isFatal(e: unknown): boolean {
  return isHavreError(e) && FATAL.has(e.code);
}

const relPath = (dir: readonly string[], name: string): string => [...dir, name].join('/');

/**
 * Files restored together (RestorePlan.ts): prepared (conflicts decided, temporary files created
 * beside their final names), then read pack by pack, written, completed, and renamed into place a
 * folder at a time. Each folder's chain is re-checked once before the files are created and once
 * before they are renamed, not once per file.
 */
export class RestoreWindow {
  private constructor(private readonly ctx: WindowContext, private readonly files: RestoringFile[]) {}

  static async prepare(ctx: WindowContext, entries: readonly FileEntry[]): Promise<RestoreWindow> {
    // Each distinct folder of the window re-checked (a link may have appeared since the walk).
    const dirs = await ctx.target.recheckAll(entries.map((e) => e.dir), PREPARE_IN_FLIGHT);
    const limit = new Limit(PREPARE_IN_FLIGHT);
    const opened = await Promise.all(entries.map((e) => limit.run(() => prepareFile(ctx, e, dirs))));
    return new RestoreWindow(ctx, opened.filter((f): f is RestoringFile => f !== null));
  }

  /** Gives the window up (the restore ends): its temporary files are removed. */
  async abort(): Promise<void> {
    await Promise.all(this.files.map((f) => f.abort()));
  }

  async execute(): Promise<void> {
    const { ctx, files } = this;
    const plan = planRestore(files.map((f) => f.node), (id) => ctx.repo.catalog.findBlob(Buffer.from(id, 'hex')), PLAN_LIMITS);
    const completing: Promise<void>[] = [];
    const complete: RestoringFile[] = [];

    const giveUp = async (i: number, e: unknown): Promise<void> => {
      const f = files[i]!;
      if (f.aborted) return;
      await f.abort();
      ctx.fail(f.path, e);
    };
    const landed = (i: number): void => {
      const f = files[i]!;
      if (f.aborted || --plan.pending[i]! > 0) return;
      completing.push(f.complete(f.node.content.length).then(() => void complete.push(f), (e: unknown) => giveUp(i, e)));
    };
    const deliver = async (b: PlannedBlob, plain: Buffer): Promise<void> => {
      await Promise.all(b.to.map(async ({ file, offset }) => {
        const f = files[file]!;
        if (f.aborted) return;
        try {
          await f.write(plain, offset);
          ctx.result.bytes += plain.length;
          landed(file);
        } catch (e) {
          await giveUp(file, e);
        }
      }));
    };
    const blobFailed = async (b: PlannedBlob, e: unknown): Promise<void> => {
      if (isFatal(e)) throw e;
      for (const { file } of b.to) await giveUp(file, e);
    };

    try {
      await startEmptyAndBroken(plan, files, giveUp, landed);
      const runLimit = new Limit(RUNS_IN_FLIGHT);
      await Promise.all(plan.runs.map((run) => runLimit.run(() => this.readRun(run, deliver, blobFailed))));
      await Promise.all(completing);
      for (const [i, f] of files.entries()) {
        // Every blob was planned: a file still waiting would be a bug in the plan, never a silent gap.
        if (!f.aborted && plan.pending[i]! > 0) await giveUp(i, new HavreError('INTERNAL', { reason: `restore lost track of ${f.path}` }));
      }
      await this.renameAll(complete);
    } catch (e) {
      await Promise.allSettled(completing);
      await this.abort();
      throw e;
    }
  }

  /** One ranged read of a pack, its blobs opened on the workers and delivered. */
  private async readRun(run: PackRun, deliver: (b: PlannedBlob, plain: Buffer) => Promise<void>, blobFailed: (b: PlannedBlob, e: unknown) => Promise<void>): Promise<void> {
    const { repo, pool, cache } = this.ctx;
    const wanted = run.blobs.filter((b) => b.to.some(({ file }) => !this.files[file]!.aborted));
    if (wanted.length === 0) return;
    const cached = wanted.map((b) => cache.get(b.id));
    let bytes: Buffer | null = null;
    if (cached.some((c) => c === undefined)) {
      try {
        bytes = await repo.store.get('data', run.packId, { offset: run.offset, length: run.length });
        if (bytes.length !== run.length) throw new HavreError('INTEGRITY', { what: `pack ${run.packId.slice(0, 12)} (truncated)` });
      } catch (e) {
        if (isFatal(e)) throw e;
        bytes = null; // each blob on its own, from wherever it can still be read
      }
    }
    const whole = bytes;
    await Promise.all(wanted.map(async (b, i) => {
      let plain = cached[i];
      try {
        if (!plain && whole) {
          const at = b.loc.offset - run.offset;
          // A copy of its own: the worker takes the bytes over, and the run stays whole for the others.
          const sealed = Buffer.from(whole.subarray(at, at + b.loc.storedLength));
          const idBuf = Buffer.from(b.id, 'hex');
          plain = await pool.open(idBuf, b.loc, sealed).catch((e: unknown) => repo.openElsewhere(b.loc, (s) => pool.open(idBuf, b.loc, s), e));
          cache.set(b.id, plain);
        }
        plain ??= await this.fetchBlob(b.id);
      } catch (e) {
        await blobFailed(b, e);
        return;
      }
      await deliver(b, plain);
    }));
  }

  /** A blob's plaintext read on its own (its run could not be read): from the cache, or its pack. */
  private async fetchBlob(id: string): Promise<Buffer> {
    const { repo, pool, cache } = this.ctx;
    const hit = cache.get(id);
    if (hit) return hit;
    const idBuf = Buffer.from(id, 'hex');
    const { loc, sealed } = await repo.readSealed(idBuf);
    const plain = await pool.open(idBuf, loc, sealed).catch((e: unknown) => repo.openElsewhere(loc, (s) => pool.open(idBuf, loc, s), e));
    cache.set(id, plain);
    return plain;
  }

  /** Renames the completed files into place, a folder at a time, the window's folder chains checked just before. */
  private async renameAll(complete: readonly RestoringFile[]): Promise<void> {
    const { ctx } = this;
    const byDir = new Map<string, RestoringFile[]>();
    for (const f of complete) {
      const key = f.dir.join('/');
      const list = byDir.get(key);
      if (list) list.push(f);
      else byDir.set(key, [f]);
    }
    // Every folder of the window re-checked just before its renames, each folder on the way once.
    const verdicts = await ctx.target.recheckAll([...byDir.values()].map((g) => g[0]!.dir), PREPARE_IN_FLIGHT);
    for (const [key, group] of byDir) {
      const e = verdicts.get(key);
      if (e instanceof Error) {
        for (const f of group) {
          await f.abort();
          ctx.fail(f.path, e);
        }
        continue;
      }
      for (const f of group) {
        try {
          await f.rename();
          ctx.result.files++;
          ctx.onRestored?.(f.path);
        } catch (e) {
          await f.abort();
          ctx.fail(f.path, e);
        }
      }
      ctx.meter.report({ phase: 'restoring', files: ctx.result.files, bytes: ctx.result.bytes, currentPath: group.at(-1)!.path });
    }
  }
}

/** Missing blobs and sizes that do not add up fail their file at once; empty files complete at once. */
async function startEmptyAndBroken(plan: RestorePlan, files: readonly RestoringFile[], giveUp: (i: number, e: unknown) => Promise<void>, landed: (i: number) => void): Promise<void> {
  for (const [i, id] of plan.missing) await giveUp(i, new HavreError('BLOB_MISSING', { id: id.slice(0, 16) }));
  for (const [i, f] of files.entries()) {
    if (f.aborted) continue;
    if (plan.sizes[i] !== f.node.size) await giveUp(i, new HavreError('INTEGRITY', { what: `file ${f.path} (size ${plan.sizes[i]} instead of ${f.node.size})` }));
    else if (plan.pending[i] === 0) {
      plan.pending[i] = 1;
      landed(i);
    }
  }
}

/** The file's temporary file, or null when it is identical, skipped, or cannot be started. */
async function prepareFile(ctx: WindowContext, { dir, node }: FileEntry, dirs: Map<string, string | Error>): Promise<RestoringFile | null> {
  const path = relPath(dir, node.name);
  try {
    const dirAbs = dirs.get(dir.join('/'));
    if (dirAbs === undefined || dirAbs instanceof Error) throw dirAbs ?? new HavreError('INTERNAL', { reason: 'restore: folder not checked' });
    let name = node.name;
    const existing = ctx.target.created(dirAbs) ? null
      : await lstat(join(dirAbs, name)).catch((e: unknown) => (errnoCode(e) === 'ENOENT' ? null : Promise.reject(e)));
    if (existing) {
      if (existing.isFile() && (await sameContent(ctx.repo, join(dirAbs, name), node, existing.size))) {
        ctx.result.identical.push(path);
        return null;
      }
      if (existing.isDirectory() && ctx.conflict !== 'keep-both') {
        ctx.result.skipped.push({ path, code: 'FOLDER_IN_THE_WAY', reason: 'a folder exists with this name' });
        return null;
      }
      if (ctx.conflict === 'skip') {
        ctx.result.skipped.push({ path, code: 'EXISTS', reason: 'a different file exists (conflict mode skip)' });
        return null;
      }
      if (ctx.conflict === 'keep-both') {
        name = await keepBothName(dirAbs, node.name, ctx.now);
        ctx.result.renamed.push({ path, as: relPath(dir, name) });
      }
    }
    return await RestoringFile.create(dir, path, node, dirAbs, name);
  } catch (e) {
    ctx.fail(path, e);
    return null;
  }
}
