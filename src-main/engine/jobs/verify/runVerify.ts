import { auditedJob, expectedSnapshots, FileListCollector } from '../../audit/index.js';
import { randomInt } from 'node:crypto';
import type { PackEntry } from '../../catalog/index.js';
import { HavreError, isHavreError } from '../../errors/index.js';
import type { Repository, TreeNode } from '../../repo/index.js';
import { decodeIndexObject, loadAllSnapshots } from './readRepo.js';
import { parsePack } from '../../repo/index.js';
import { ProgressMeter, type ProgressListener } from '../shared/Progress.js';

export interface VerifyOptions {
  /** Download and decrypt every pack (true) or this percentage of them, chosen at random. */
  readonly readData?: boolean;
  readonly readDataSubsetPercent?: number;
  /**
   * Read the packs of these slices of `of` (a pack's slice: its name's first 8 hex digits modulo
   * `of`): the scheduled verification reads slice after slice, so every pack is read once per
   * round (engine/maintenance), which a random subset does not promise.
   */
  readonly readDataSlices?: { readonly slices: readonly number[]; readonly of: number };
  readonly onProgress?: ProgressListener;
}

export interface VerifyProblem {
  readonly kind: 'snapshot' | 'index' | 'pack' | 'tree' | 'blob';
  readonly object: string;
  readonly reason: string;
}

export interface AffectedFile {
  readonly snapshot: string;
  readonly path: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly snapshots: number;
  readonly indexes: number;
  readonly packs: number;
  readonly packsRead: number;
  readonly blobsChecked: number;
  readonly trees: number;
  readonly problems: VerifyProblem[];
  readonly affected: AffectedFile[];
  readonly unindexedPacks: number;
}

function reasonOf(e: unknown): string {
  if (isHavreError(e)) return e.message;
  throw e;
}

/**
 * Checks the repository from the store itself, not from the catalog: every snapshot, index and
 * tree decodes, every referenced blob is indexed in a pack that exists with the indexed size; with
 * read-data, every pack hashes to its name and every blob in it authenticates. Damage is reported
 * with the files and snapshots it affects.
 */
export async function runVerify(repo: Repository, opts: VerifyOptions = {}): Promise<VerifyResult> {
  return auditedJob(repo, 'verify', () => verify(repo, opts), (r) => {
    const affected = new FileListCollector();
    for (const a of r.affected) affected.add(a.path);
    return {
      fields: { ok: r.ok, readData: opts.readData === true, ...(opts.readDataSlices ? { slices: opts.readDataSlices.slices, of: opts.readDataSlices.of } : {}), packs: r.packs, packsRead: r.packsRead, problems: r.problems.length,
        damagedSnapshots: new Set(r.affected.map((a) => a.snapshot)).size },
      files: affected,
      ...(r.ok ? {} : { failed: 'INTEGRITY' }),
    };
  });
}

async function verify(repo: Repository, opts: VerifyOptions): Promise<VerifyResult> {
  const problems: VerifyProblem[] = [];
  // Read before the snapshots are listed: a backup that ends meanwhile is not yet expected. A copy
  // read alone may lag behind (its catch-up waits for the network): it is checked for what it
  // holds, and the rollback check is the repository's own (its primary, or every target together).
  const expected = repo.audit && !repo.copyAlone ? expectedSnapshots(repo.audit.events()) : new Set<string>();
  const meter = new ProgressMeter('verify', opts.onProgress);
  const bad = new Map<string, string>(); // blob id → why it cannot be read

  // 1. Index objects.
  const blobs = new Map<string, { packId: string; entry: PackEntry }>();
  const indexedPacks = new Map<string, { size: number; entries: readonly PackEntry[] }>();
  const indexNames = (await repo.store.list('index')).map((o) => o.name);
  for (const name of indexNames) {
    try {
      for (const p of await decodeIndexObject(repo, name)) {
        indexedPacks.set(p.packId, { size: p.size, entries: p.entries });
        for (const e of p.entries) blobs.set(e.id.toString('hex'), { packId: p.packId, entry: e });
      }
    } catch (e) {
      problems.push({ kind: 'index', object: name, reason: reasonOf(e) });
    }
  }

  // 2. Packs exist, with the indexed size.
  const stored = new Map((await repo.store.list('data')).map((o) => [o.name, o.size]));
  const badPack = (packId: string, reason: string): void => {
    problems.push({ kind: 'pack', object: packId, reason });
    for (const e of indexedPacks.get(packId)?.entries ?? []) bad.set(e.id.toString('hex'), reason);
  };
  for (const [packId, p] of indexedPacks) {
    const size = stored.get(packId);
    if (size === undefined) badPack(packId, 'missing from the store');
    else if (size !== p.size) badPack(packId, `size ${size} instead of ${p.size}`);
  }
  const unindexedPacks = [...stored.keys()].filter((k) => !indexedPacks.has(k)).length;

  // 3. Read data: hash, header, every blob.
  let packsRead = 0;
  let blobsChecked = 0;
  const percent = opts.readData ? 100 : (opts.readDataSubsetPercent ?? 0);
  const slices = opts.readData ? undefined : opts.readDataSlices;
  if (percent > 0 || slices) {
    const candidates = [...indexedPacks.keys()].filter((id) => stored.get(id) === indexedPacks.get(id)!.size);
    const chosen = slices ? candidates.filter((id) => slices.slices.includes(packSlice(id, slices.of)))
      : percent >= 100 ? candidates : pickRandom(candidates, Math.ceil((candidates.length * percent) / 100));
    let bytes = 0;
    for (const packId of chosen) {
      meter.report({ phase: 'reading data', files: packsRead, totalFiles: chosen.length, bytes });
      const expected = indexedPacks.get(packId)!;
      let data: Buffer;
      try {
        data = await repo.getObject('data', packId);
        const header = parsePack(data, repo.keys.enc, packId);
        if (!sameEntries(header, expected.entries)) throw new HavreError('INTEGRITY', { what: `pack ${packId.slice(0, 12)} (header differs from index)` });
      } catch (e) {
        badPack(packId, reasonOf(e));
        continue;
      }
      packsRead++;
      bytes += data.length;
      for (const e of expected.entries) {
        blobsChecked++;
        try {
          repo.openBlob(e.id, e, data.subarray(e.offset, e.offset + e.storedLength));
        } catch (err) {
          const reason = reasonOf(err);
          problems.push({ kind: 'blob', object: e.id.toString('hex'), reason });
          bad.set(e.id.toString('hex'), reason);
        }
      }
    }
  }

  // 4. Snapshots and trees; every referenced blob must be indexed and not damaged.
  const { snapshots, damaged } = await loadAllSnapshots(repo);
  for (const d of damaged) problems.push({ kind: 'snapshot', object: d.id, reason: d.reason });
  const affected: AffectedFile[] = [];
  const treeOk = new Map<string, boolean>();
  let trees = 0;
  const check = (id: string): string | null => (blobs.has(id) ? (bad.get(id) ?? null) : 'not in any index');

  async function walk(snapshot: string, treeId: string, path: string): Promise<void> {
    const known = treeOk.get(treeId);
    if (known === true) return; // a healthy tree seen before: its subtrees were walked then
    const why = check(treeId);
    let nodes: readonly TreeNode[];
    try {
      if (why) throw new HavreError('INTEGRITY', { what: `tree ${treeId.slice(0, 12)}: ${why}` });
      nodes = (await repo.loadTree(treeId)).nodes;
      trees++;
    } catch (e) {
      if (known === undefined) problems.push({ kind: 'tree', object: treeId, reason: reasonOf(e) });
      treeOk.set(treeId, false);
      affected.push({ snapshot, path: path || '/' });
      return;
    }
    let healthy = true;
    for (const n of nodes) {
      const p = `${path}/${n.name}`;
      if (n.type === 'file') {
        const reasons = n.content.map(check).filter((r): r is string => r !== null);
        if (reasons.length > 0) {
          healthy = false;
          affected.push({ snapshot, path: p });
          for (const id of n.content) if (!blobs.has(id) && !bad.has(id)) {
            problems.push({ kind: 'blob', object: id, reason: 'not in any index' });
            bad.set(id, 'not in any index');
          }
        }
      } else if (n.type === 'dir') {
        const before = affected.length;
        await walk(snapshot, n.subtree, p);
        if (affected.length > before) healthy = false;
      }
    }
    // Only a fully healthy tree is skipped next time; a damaged one is walked again per snapshot
    // so that every affected snapshot is named.
    treeOk.set(treeId, healthy);
  }
  for (const s of snapshots) await walk(s.id.slice(0, 8), s.snapshot.tree, '');

  // 5. Rollback: what this machine wrote and never forgot is still there (audit log, K_log).
  const listed = new Set([...snapshots.map((s) => s.id), ...damaged.map((d) => d.id)]);
  for (const id of expected) {
    if (!listed.has(id)) problems.push({ kind: 'snapshot', object: id, reason: ROLLED_BACK });
  }

  meter.report({ phase: 'done', files: packsRead, bytes: 0 }, true);
  return { ok: problems.length === 0, snapshots: snapshots.length, indexes: indexNames.length, packs: indexedPacks.size, packsRead,
    blobsChecked, trees, problems, affected, unindexedPacks };
}

/** Why a snapshot the audit log expects is reported (verify's problem reason). */
export const ROLLED_BACK = 'written by this machine (audit log) and never forgotten, but missing from the repository: deleted outside Havre, or the repository was put back to an older state';

function sameEntries(a: readonly PackEntry[], b: readonly PackEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => {
    const f = b[i]!;
    return e.id.equals(f.id) && e.offset === f.offset && e.storedLength === f.storedLength && e.rawLength === f.rawLength && e.codec === f.codec && e.type === f.type;
  });
}

/** The slice of `of` a pack belongs to (its name is a SHA-256: uniform). */
export function packSlice(packId: string, of: number): number {
  return Number.parseInt(packId.slice(0, 8), 16) % of;
}

function pickRandom<T>(items: T[], n: number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}
