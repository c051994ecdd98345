// Row shapes of the catalog, the local SQLite cache of the repository (DESIGN.md §2). Everything
// here can be rebuilt from the repository, so nothing in it is authoritative.

/** 0 data, 1 tree (docs/FORMAT.md §6). */
export type BlobType = 0 | 1;

/** One entry of a pack header (docs/FORMAT.md §6). */
export interface PackEntry {
  /** 32-byte blob id. */
  id: Buffer;
  type: BlobType;
  codec: number;
  offset: number;
  storedLength: number;
  rawLength: number;
}

/** Where a blob can be read from. */
export interface BlobLocation extends PackEntry {
  /** 64 lowercase hex characters. */
  packId: string;
}

/** What the last backup saw of a file, to skip unchanged files (DESIGN.md §2). */
export interface FileState {
  path: string;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** Unsigned 64-bit, as Node's `fs.stat(p, { bigint: true })` gives it. */
  inode: bigint;
  /** Unsigned 64-bit, as Node's `fs.stat(p, { bigint: true })` gives it. */
  dev: bigint;
  mode: number;
  /** Blob ids of the file's content, in order; empty for an empty file. */
  content: Buffer[];
}

/** A snapshot object (docs/FORMAT.md §9) and its name. */
export interface SnapshotRow {
  /** 64 hex: the snapshot object's name. */
  id: string;
  /** ISO 8601. */
  time: string;
  tree: string;
  paths: string[];
  hostname: string;
  username: string;
  tags: string[];
  parent: string | null;
  summary: Record<string, number>;
}

export interface PackRow {
  packId: string;
  size: number;
  /** The index object that lists the pack, or null while none does yet. */
  indexId: string | null;
}

/** What a tree holds, at any depth: the snapshot summary's counts (tree_stats). */
export interface TreeStats {
  files: number;
  dirs: number;
  bytes: number;
}

/** A tree blob as its pack holds it: sealed (AES-256-GCM, AAD = its id), maybe compressed. */
export interface CachedTree {
  codec: number;
  rawLength: number;
  sealed: Buffer;
}
