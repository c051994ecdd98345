import type { BlobLocation } from '../../catalog/index.js';

/** Where one blob's plaintext goes: file `file` of the window, at byte `offset`. */
export interface BlobDestination {
  readonly file: number;
  readonly offset: number;
}

/** One blob to read in a run, and every place its plaintext is written. */
export interface PlannedBlob {
  readonly id: string;
  readonly loc: BlobLocation;
  readonly to: BlobDestination[];
}

/** One ranged read of a pack, `[offset, offset + length)`, holding the blobs in `blobs`. */
export interface PackRun {
  readonly packId: string;
  readonly offset: number;
  readonly length: number;
  readonly blobs: PlannedBlob[];
}

/** A file of the window: the blob ids of its content, in order. */
export interface PlanFile {
  readonly content: readonly string[];
}

export interface RestorePlan {
  /** Ranged reads, in the order files first need them. */
  readonly runs: PackRun[];
  /** Per file: how many blob writes it waits for (0: an empty file). */
  readonly pending: number[];
  /** Per file: the size its blobs add up to, as the index records them. */
  readonly sizes: number[];
  /** Files that name a blob no index knows, with the first such id. */
  readonly missing: Map<number, string>;
}

export interface PlanLimits {
  /** Blobs of one pack closer than this are read in one request, gap included. */
  readonly maxGap: number;
  /** No run grows beyond this (a run's bytes are held in memory while its blobs are opened). */
  readonly maxRun: number;
}

/**
 * restic's restorer idea: a window of files is restored pack by pack, not file by file. Each blob
 * is read once per window however many files (or places in one file) hold it, and the blobs a pack
 * holds for the window are read in as few ranged requests as the gaps allow: a store with a
 * round trip per request (S3, the appliance) pays one per run instead of one per blob.
 */
export function planRestore(files: readonly PlanFile[], locate: (id: string) => BlobLocation | undefined, limits: PlanLimits): RestorePlan {
  const blobs = new Map<string, PlannedBlob>();
  const packOrder: string[] = [];
  const byPack = new Map<string, PlannedBlob[]>();
  const pending = files.map(() => 0);
  const sizes = files.map(() => 0);
  const missing = new Map<number, string>();

  files.forEach((f, file) => {
    const locs = f.content.map(locate);
    const absent = locs.findIndex((l) => l === undefined);
    if (absent >= 0) {
      missing.set(file, f.content[absent]!);
      return;
    }
    let offset = 0;
    f.content.forEach((id, i) => {
      const loc = locs[i]!;
      let b = blobs.get(id);
      if (!b) {
        b = { id, loc, to: [] };
        blobs.set(id, b);
        let list = byPack.get(loc.packId);
        if (!list) {
          byPack.set(loc.packId, (list = []));
          packOrder.push(loc.packId);
        }
        list.push(b);
      }
      b.to.push({ file, offset });
      offset += loc.rawLength;
    });
    pending[file] = f.content.length;
    sizes[file] = offset;
  });

  const runs: PackRun[] = [];
  for (const packId of packOrder) {
    const list = byPack.get(packId)!.sort((a, b) => a.loc.offset - b.loc.offset);
    let cur: { offset: number; end: number; blobs: PlannedBlob[] } | null = null;
    for (const b of list) {
      const start = b.loc.offset;
      const end = start + b.loc.storedLength;
      if (cur && start - cur.end <= limits.maxGap && end - cur.offset <= limits.maxRun && start >= cur.end) {
        cur.end = end;
        cur.blobs.push(b);
        continue;
      }
      if (cur) runs.push({ packId, offset: cur.offset, length: cur.end - cur.offset, blobs: cur.blobs });
      cur = { offset: start, end, blobs: [b] };
    }
    if (cur) runs.push({ packId, offset: cur.offset, length: cur.end - cur.offset, blobs: cur.blobs });
  }
  return { runs, pending, sizes, missing };
}
