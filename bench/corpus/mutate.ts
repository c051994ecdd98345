// The incremental series: a seeded change of about 1 % of the corpus's files, the mix a workstation
// sees between two backups: documents saved again (rewritten in place at the same size: small files
// whole, large ones a block range, as a mail archive or a database does), logs and archives appended
// to, new files, a few deletions. The plan is a pure function of (file list, seed, fraction); applying
// it keeps a copy of every original it touches, so the corpus is put back exactly (bytes and mtimes)
// after the run, or at the next start if the run was killed half-way.
import { copyFile, mkdir, open, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ByteStream, Sfc32 } from './prng.js';
import { document, Vocabulary } from './text.js';
import { sha256File, type TreeEntry, type TreeListing } from '../lib/fsutil.js';

const KiB = 1024;
const MiB = 1024 * KiB;

export type MutationKind = 'rewrite' | 'append' | 'create' | 'delete';
export const MUTATION_KINDS: readonly MutationKind[] = ['rewrite', 'append', 'create', 'delete'];
/** Shares of the changed files by kind (rounded, at least one of each). */
export const MUTATION_MIX: Record<MutationKind, number> = { rewrite: 0.4, append: 0.3, create: 0.2, delete: 0.1 };
/** A file up to this size is rewritten whole when it is saved again; a larger one in one block range. */
export const WHOLE_REWRITE_MAX = 1 * MiB;

export interface MutationStep {
  kind: MutationKind;
  path: string;
  /** rewrite: first byte rewritten; append: the original size */
  offset: number;
  /** bytes written: rewritten, appended or created (0 for delete) */
  length: number;
  /** text (compressible) or random bytes */
  text: boolean;
}

export interface MutationPlan {
  seed: string;
  fraction: number;
  steps: MutationStep[];
}

export interface MutationSummary {
  seed: string;
  fraction: number;
  counts: Record<MutationKind, number>;
  /** files before the change */
  filesBefore: number;
  filesAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  /** rewritten + appended + created bytes */
  bytesWritten: number;
  bytesDeleted: number;
  applyMs: number;
}

const TEXT_EXT = /\.(txt|md|xml|fodt|xhtml|csv|eml|html|log|json|ts|js|pst)$/i;

/** The seeded plan: which files change and how. Pure: same (files, seed, fraction), same plan. */
export function planMutation(files: readonly { path: string; size: number }[], seed: string, fraction = 0.01): MutationPlan {
  if (!(fraction > 0 && fraction <= 0.5)) throw new Error(`bench: the changed fraction must be in (0, 0.5], got ${fraction}`);
  const rng = new Sfc32(seed, 'mutation');
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const n = Math.max(MUTATION_KINDS.length, Math.round(sorted.length * fraction));
  const count = (k: MutationKind): number => Math.max(1, Math.round(n * MUTATION_MIX[k]));
  const counts: Record<MutationKind, number> = { rewrite: 0, append: count('append'), create: count('create'), delete: count('delete') };
  counts.rewrite = Math.max(1, n - counts.append - counts.create - counts.delete);

  // distinct existing files for rewrite, append and delete (seeded partial Fisher–Yates)
  const pool = sorted.map((_, i) => i);
  let taken = 0;
  const take = (ok: (f: { path: string; size: number }) => boolean): { path: string; size: number } | undefined => {
    for (; taken < pool.length; ) {
      const j = taken + Math.floor(rng.float() * (pool.length - taken));
      [pool[taken], pool[j]] = [pool[j] as number, pool[taken] as number];
      const f = sorted[pool[taken++] as number];
      if (f && ok(f)) return f;
    }
    return undefined;
  };
  const steps: MutationStep[] = [];
  for (let i = 0; i < counts.rewrite; i++) {
    const f = take((x) => x.size > 0);
    if (!f) break;
    const whole = f.size <= WHOLE_REWRITE_MAX;
    const length = whole ? f.size : Math.min(f.size, rng.logUniform(4 * KiB, 4 * MiB));
    const offset = whole ? 0 : rng.int(0, f.size - length);
    steps.push({ kind: 'rewrite', path: f.path, offset, length, text: TEXT_EXT.test(f.path) });
  }
  for (let i = 0; i < counts.append; i++) {
    const f = take(() => true);
    if (!f) break;
    steps.push({ kind: 'append', path: f.path, offset: f.size, length: rng.logUniform(256, 1 * MiB), text: TEXT_EXT.test(f.path) });
  }
  for (let i = 0; i < counts.delete; i++) {
    const f = take(() => true);
    if (!f) break;
    steps.push({ kind: 'delete', path: f.path, offset: 0, length: 0, text: false });
  }
  // new files beside existing ones (a new document in a project folder, a download)
  const existing = new Set(sorted.map((f) => f.path));
  for (let i = 0; i < counts.create && sorted.length; i++) {
    const near = rng.pick(sorted).path;
    const dir = near.includes('/') ? near.slice(0, near.lastIndexOf('/') + 1) : '';
    const text = rng.chance(0.6);
    let path = `${dir}nouveau ${i + 1}${text ? '.txt' : '.bin'}`;
    for (let k = 2; existing.has(path); k++) path = `${dir}nouveau ${i + 1} (${k})${text ? '.txt' : '.bin'}`;
    existing.add(path);
    steps.push({ kind: 'create', path, offset: 0, length: rng.logUniform(1 * KiB, 2 * MiB), text });
  }
  return { seed, fraction, steps };
}

/** The tree listing after the plan, given the listing before and the new entries it wrote. */
export function mutatedListing(before: TreeListing, plan: MutationPlan, written: ReadonlyMap<string, TreeEntry>): TreeListing {
  const gone = new Set(plan.steps.filter((s) => s.kind === 'delete').map((s) => s.path));
  const files = before.files.filter((f) => !gone.has(f.path) && !written.has(f.path));
  files.push(...written.values());
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, dirs: [...before.dirs], others: [...before.others] };
}

export function summarize(plan: MutationPlan, before: TreeListing, after: TreeListing, applyMs: number): MutationSummary {
  const counts: Record<MutationKind, number> = { rewrite: 0, append: 0, create: 0, delete: 0 };
  for (const s of plan.steps) counts[s.kind]++;
  const sizes = new Map(before.files.map((f) => [f.path, f.size]));
  const sum = (l: TreeListing): number => l.files.reduce((a, f) => a + f.size, 0);
  return {
    seed: plan.seed,
    fraction: plan.fraction,
    counts,
    filesBefore: before.files.length,
    filesAfter: after.files.length,
    bytesBefore: sum(before),
    bytesAfter: sum(after),
    bytesWritten: plan.steps.reduce((a, s) => a + s.length, 0),
    bytesDeleted: plan.steps.filter((s) => s.kind === 'delete').reduce((a, s) => a + (sizes.get(s.path) ?? 0), 0),
    applyMs,
  };
}

// ---- applying and undoing (the edges) ----------------------------------------------------------

interface UndoRecord {
  plan: MutationPlan;
  /** original mtimes (seconds) of every touched file and every parent directory */
  mtimes: Record<string, number>;
}

const UNDO_FILE = 'undo.json';
/** Changed files get this mtime (plus their index), later than any generated one: tools that skip on
 *  stat alone see the change, and two runs change the tree identically. */
const MUTATION_MTIME = Date.UTC(2025, 5, 2) / 1000;

function bytesFor(step: MutationStep, seed: string, v: Vocabulary): Buffer {
  if (step.text) return document('note', step.length, v, new Sfc32(seed, `mutation\0${step.kind}\0${step.path}`));
  return new ByteStream(seed, `mutation\0${step.kind}\0${step.path}`).take(step.length);
}

/**
 * Applies the plan to the tree under `root`, keeping originals in `undoDir` (written before any change,
 * so an interrupted run can be undone by `undoMutation`). Returns the listing after the change.
 */
export async function applyMutation(root: string, plan: MutationPlan, before: TreeListing, undoDir: string): Promise<{ listing: TreeListing; summary: MutationSummary }> {
  const t0 = process.hrtime.bigint();
  await rm(undoDir, { recursive: true, force: true });
  await mkdir(undoDir, { recursive: true });
  const mtimes: Record<string, number> = {};
  const note = async (rel: string): Promise<void> => {
    if (rel in mtimes) return;
    const st = await stat(join(root, rel)).catch(() => null);
    if (st) mtimes[rel] = st.mtimeMs / 1000;
  };
  for (const s of plan.steps) {
    if (s.kind !== 'create') await note(s.path);
    await note(s.path.includes('/') ? dirname(s.path) : '.');
  }
  const record: UndoRecord = { plan, mtimes };
  await writeFile(join(undoDir, UNDO_FILE), JSON.stringify(record));

  const v = new Vocabulary(plan.seed);
  const written = new Map<string, TreeEntry>();
  for (const [i, s] of plan.steps.entries()) {
    const abs = join(root, s.path);
    if (s.kind !== 'create') {
      const saved = join(undoDir, String(i));
      await copyFile(abs, `${saved}.tmp`);
      await rename(`${saved}.tmp`, saved); // a copy that exists is a whole one
    }
    if (s.kind === 'delete') {
      await rm(abs);
      continue;
    }
    const buf = bytesFor(s, plan.seed, v);
    const fh = await open(abs, s.kind === 'create' ? 'w' : s.kind === 'append' ? 'a' : 'r+');
    try {
      if (s.kind === 'rewrite') await fh.write(buf, 0, buf.length, s.offset);
      else await fh.write(buf);
    } finally {
      await fh.close();
    }
    const t = MUTATION_MTIME + i;
    await utimes(abs, t, t);
    const st = await stat(abs);
    written.set(s.path, { path: s.path, size: st.size, sha256: await sha256File(abs) });
  }
  const listing = mutatedListing(before, plan, written);
  return { listing, summary: summarize(plan, before, listing, Number(process.hrtime.bigint() - t0) / 1e6) };
}

/** Puts the tree back as it was before `applyMutation` (also after a run killed half-way); no-op when
 *  there is nothing to undo. */
export async function undoMutation(root: string, undoDir: string): Promise<boolean> {
  const file = join(undoDir, UNDO_FILE);
  if (!existsSync(file)) {
    await rm(undoDir, { recursive: true, force: true });
    return false;
  }
  const { plan, mtimes } = JSON.parse(await readFile(file, 'utf8')) as UndoRecord;
  for (const [i, s] of plan.steps.entries()) {
    const abs = join(root, s.path);
    const saved = join(undoDir, String(i));
    if (s.kind === 'create') await rm(abs, { force: true });
    else if (existsSync(saved)) await copyFile(saved, abs);
  }
  // files first, then their folders (creating and deleting entries changed the folders' mtimes)
  const entries = Object.entries(mtimes).sort((a, b) => b[0].split('/').length - a[0].split('/').length);
  for (const [rel, t] of entries) await utimes(join(root, rel), t, t).catch(() => undefined);
  await rm(undoDir, { recursive: true, force: true });
  return true;
}
