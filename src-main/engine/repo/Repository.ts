import { join } from 'node:path';
import { AuditLog, recordBestEffort } from '../audit/index.js';
import { Catalog } from '../catalog/index.js';
import type { BlobLocation, CachedTree, SnapshotRow } from '../catalog/index.js';
import { blobId, deriveRepoKeys, open, wipe, wipeRepoKeys, type RepoKeys } from '../crypto/index.js';
import { decodeBlob } from '../compress/index.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { objectName, type Store } from '../store/index.js';
import type { RepoConfig } from './config/RepoConfig.js';
import { verifyRepoConfig } from './config/RepoConfig.js';
import { decodeIndex, encodeIndex, type IndexedPack } from './index/indexFormat.js';
import { readConfig, readKeyRecords } from './keyRecords.js';
import type { FinishedPack } from './pack/PackWriter.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from './snapshot/Snapshot.js';
import { decodeTree } from './tree/treeCodec.js';
import type { Tree } from './tree/TreeNode.js';
import { unlockSecret, type Credentials, type UnlockPath } from './unlock.js';

/** Blobs named by one index object written during a backup (restic's index holds up to 50,000). */
const INDEX_BLOBS = 50_000;
const PERSON_UNLOCKS: readonly UnlockPath[] = ['password', 'recovery-key', 'appliance-user', 'appliance-admin'];

function openAudit(home: string, repoId: string, kLog: Buffer | null): AuditLog | null {
  try {
    return AuditLog.open(home, repoId, kLog);
  } catch (e) {
    process.stderr.write(`havre: ${e instanceof Error ? e.message : String(e)}\n`);
    return null;
  }
}

export interface OpenOptions {
  /** Folder for this machine's caches: the catalog lives in `<home>/catalogs/<repoId>.sqlite`. */
  readonly home: string;
  readonly credentials: Credentials;
  /**
   * Reading one copy of a repository on its own (`--from NAME`): a catalog of its own, so the
   * machine's catalog keeps describing the primary.
   */
  readonly catalogVariant?: string;
}

/**
 * An unlocked repository: the store, the keys (in memory only), the config, and the catalog that
 * caches the repository's index and snapshots. The repository is the truth; `sync()` brings the
 * catalog up to date with it.
 */
export class Repository {
  private closed = false;

  private constructor(
    readonly store: Store,
    readonly keys: RepoKeys,
    readonly config: RepoConfig,
    readonly catalog: Catalog,
    readonly unlockedVia: UnlockPath,
  ) {}

  static catalogFile(home: string, repoId: string, variant?: string): string {
    return join(home, 'catalogs', variant === undefined ? `${repoId}.sqlite` : `${repoId}.${variant.replace(/[^A-Za-z0-9_-]/g, '_')}.sqlite`);
  }

  static async open(store: Store, opts: OpenOptions): Promise<Repository> {
    const { config } = await readConfig(store);
    const { secret, via } = await Repository.unlockAudited(store, config.repoId, opts);
    if (secret.length !== 32) {
      wipe(secret);
      throw new HavreError('INTEGRITY', { what: 'repository key' });
    }
    const keys = deriveRepoKeys(secret);
    wipe(secret);
    try {
      verifyRepoConfig(config, keys.config);
    } catch (e) {
      wipeRepoKeys(keys);
      throw e;
    }
    const catalog = Catalog.open(Repository.catalogFile(opts.home, config.repoId, opts.catalogVariant));
    const repo = new Repository(store, keys, config, catalog, via);
    repo.audit = openAudit(opts.home, config.repoId, keys.log);
    repo.copyAlone = opts.catalogVariant !== undefined;
    // A person unlocking is an event; the machine's own unlocks (keychain, appliance certificate)
    // happen at every run and are implied by the job's event.
    if (PERSON_UNLOCKS.includes(via)) recordBestEffort(repo.audit, 'unlock', { via });
    try {
      await repo.sync();
    } catch (e) {
      // Only a store that is out of reach is tolerated, and only with a catalog already filled.
      if (!isHavreError(e, 'APPLIANCE_UNREACHABLE') || catalog.listIndexIds().length === 0) {
        repo.close();
        throw e;
      }
      repo.offline = e;
    }
    return repo;
  }

  /** Unlocks SECRET; a wrong password or recovery key is an event of the audit log (without K_log: unauthenticated). */
  private static async unlockAudited(store: Store, repoId: string, opts: OpenOptions): Promise<{ secret: Buffer; via: UnlockPath }> {
    try {
      return opts.credentials.source
        ? await opts.credentials.source.unlock(repoId)
        : await unlockSecret(await readKeyRecords(store, repoId), opts.credentials);
    } catch (e) {
      if (isHavreError(e, 'WRONG_PASSWORD') || isHavreError(e, 'WRONG_PASSWORD_ATTEMPTS') || isHavreError(e, 'LOCKED_OUT')) {
        const log = openAudit(opts.home, repoId, null);
        recordBestEffort(log, 'unlock.failed', { error: e.code, via: opts.credentials.recoveryKey !== undefined ? 'recovery-key' : 'password' });
        log?.close();
      }
      throw e;
    }
  }

  /** This repository's audit log on this machine (null when its file cannot be opened: jobs go on, DECISIONS.md). */
  audit: AuditLog | null = null;

  /** Opened on one copy alone (a cloud copy read by itself), which may lag behind the repository. */
  copyAlone = false;

  /**
   * Set when the store could not be listed at open (an appliance out of reach): the catalog, which
   * only this machine writes to, stands in for the listing, and writes queue up in the store.
   */
  offline: HavreError | null = null;

  /** Objects that could not be read while syncing; `verify` says what they affect. */
  readonly damaged: { kind: 'index' | 'snapshots'; name: string; reason: string }[] = [];

  private noteDamage(kind: 'index' | 'snapshots', name: string, e: unknown): void {
    if (!isHavreError(e) || (e.code !== 'INTEGRITY' && e.code !== 'UNSUPPORTED_VERSION' && e.code !== 'OBJECT_MISSING')) throw e;
    if (!this.damaged.some((d) => d.name === name)) this.damaged.push({ kind, name, reason: e.message });
  }

  close(): void {
    if (this.closed) return;
    try {
      this.flushTreeCache();
    } catch {
      // only a cache: a catalog that cannot take it now loses nothing
    }
    this.closed = true;
    this.catalog.close();
    this.audit?.close();
    wipeRepoKeys(this.keys);
  }

  // ---- index -------------------------------------------------------------------------------

  /** Loads index objects the catalog has not seen, and forgets packs whose index is gone. */
  async sync(): Promise<void> {
    const remote = new Set((await this.store.list('index')).map((o) => o.name));
    const known = new Set(this.catalog.listIndexIds());
    const gone = [...known].filter((n) => !remote.has(n));
    let toLoad = [...remote].filter((n) => !known.has(n));
    if (gone.length > 0) {
      // An index was replaced (a prune, maybe from another catalog). Its packs may be listed by a
      // surviving index too, and the catalog records one index per pack: drop the stale ones, then
      // reload every index so each surviving pack is named again.
      const goneSet = new Set(gone);
      this.catalog.removePacks(this.catalog.listPacks().filter((p) => p.indexId !== null && goneSet.has(p.indexId)).map((p) => p.packId));
      toLoad = [...remote];
    }
    for (const name of toLoad) {
      let packs: IndexedPack[];
      try {
        packs = decodeIndex(await this.getObject('index', name), this.keys.enc, name);
      } catch (e) {
        // One damaged index must not lock the user out of everything else: note it, go on.
        this.noteDamage('index', name, e);
        continue;
      }
      this.catalog.transaction(() => {
        for (const p of packs) this.catalog.addPack(p.packId, p.size, [...p.entries]);
        this.catalog.markIndexed(packs.map((p) => p.packId), name);
      });
    }
    await this.syncSnapshots();
  }

  /** Stores a finished pack and records its blobs in the catalog (not yet in a repository index). */
  async savePack(pack: FinishedPack): Promise<void> {
    await this.store.put('data', pack.packId, pack.bytes);
    this.catalog.addPack(pack.packId, pack.bytes.length, pack.entries);
    this.blobsUnindexed += pack.entries.length;
  }

  /** Blobs in packs saved by this process and not yet named by an index it wrote. */
  private blobsUnindexed = 0;
  private indexing: Promise<unknown> = Promise.resolve();

  /**
   * Writes one index object naming every pack the repository's index does not name yet. One at a
   * time: two at once would both name the same packs.
   */
  flushIndex(): Promise<string | null> {
    const next = this.indexing.catch(() => undefined).then(() => this.writePendingIndex());
    this.indexing = next;
    return next;
  }

  /**
   * During a long backup: an index object every `maxBlobs` blobs (as restic does), so the index of
   * a million-file backup is never built in memory at once, and a crash leaves less to adopt.
   */
  async flushIndexIfLarge(maxBlobs = INDEX_BLOBS): Promise<void> {
    if (this.blobsUnindexed >= maxBlobs) await this.flushIndex();
  }

  private async writePendingIndex(): Promise<string | null> {
    const packIds = this.catalog.unindexedPacks();
    this.blobsUnindexed = 0;
    if (packIds.length === 0) return null;
    const packs: IndexedPack[] = packIds.map((packId) => ({ packId, size: this.catalog.packSize(packId), entries: this.catalog.packEntries(packId) }));
    return this.writeIndex(packs, packIds);
  }

  async writeIndex(packs: IndexedPack[], markPackIds: string[]): Promise<string> {
    const bytes = encodeIndex(packs, this.keys.enc);
    const name = objectName(bytes);
    await this.store.put('index', name, bytes);
    this.catalog.markIndexed(markPackIds, name);
    return name;
  }

  // ---- blobs and trees ---------------------------------------------------------------------

  findBlob(id: string | Buffer): BlobLocation {
    const buf = typeof id === 'string' ? Buffer.from(id, 'hex') : id;
    const loc = this.catalog.findBlob(buf);
    if (!loc) throw new HavreError('BLOB_MISSING', { id: buf.toString('hex').slice(0, 16) });
    return loc;
  }

  /** A blob's location and its sealed bytes, read from its pack (not yet authenticated). */
  async readSealed(id: Buffer): Promise<{ loc: BlobLocation; sealed: Buffer }> {
    const loc = this.findBlob(id);
    let failure: HavreError;
    try {
      const sealed = await this.store.get('data', loc.packId, { offset: loc.offset, length: loc.storedLength });
      if (sealed.length === loc.storedLength) return { loc, sealed };
      failure = new HavreError('INTEGRITY', { what: `blob ${id.toString('hex').slice(0, 16)} (truncated pack)` });
    } catch (e) {
      if (!isHavreError(e, 'OBJECT_MISSING')) throw e;
      failure = e;
    }
    // The pack is gone or cut short, though an index names it (an older index put back, a
    // repository copied halfway): forget it, and read the blob from another pack that holds it.
    // Only when the store confirms it: a read that failed on the way (a flaky network) must not
    // make this machine's catalog forget a pack that is whole.
    const info = await this.store.head('data', loc.packId);
    if (info !== null && info.size >= loc.offset + loc.storedLength) throw failure;
    this.catalog.removePacks([loc.packId]);
    if (!this.catalog.findBlob(id)) throw failure;
    return this.readSealed(id);
  }

  /**
   * Reads, decrypts, decodes and authenticates one blob; never returns wrong bytes. The pack's
   * type label is not checked: dedup is by content, so a tree may be stored as a data blob with
   * the same bytes (a file holding `{"nodes":[]}`), and the id authenticates the bytes either way.
   */
  async readBlob(id: string | Buffer): Promise<Buffer> {
    const idBuf = typeof id === 'string' ? Buffer.from(id, 'hex') : id;
    const { loc, sealed } = await this.readSealed(idBuf);
    try {
      return this.openBlob(idBuf, loc, sealed);
    } catch (e) {
      try {
        return await this.openElsewhere(loc, (s) => this.openBlob(idBuf, loc, s), e);
      } catch (failure) {
        return this.readFromDuplicate(idBuf, loc.packId, failure);
      }
    }
  }

  /**
   * Every copy of this blob in this pack failed to authenticate: another pack holding it (a repair
   * from the workstation, maintenance/repair.ts) becomes its primary location and is read.
   */
  private async readFromDuplicate(id: Buffer, failedPack: string, failure: unknown): Promise<Buffer> {
    if (!isHavreError(failure, 'INTEGRITY')) throw failure;
    for (const packId of this.catalog.duplicatePacks(id)) {
      if (packId === failedPack || !this.catalog.preferLocation(id, packId)) continue;
      const loc = this.findBlob(id);
      try {
        const sealed = await this.store.get('data', loc.packId, { offset: loc.offset, length: loc.storedLength });
        return this.openBlob(id, loc, sealed);
      } catch {
        // damaged too: the next copy
      }
    }
    throw failure;
  }

  /**
   * A blob that failed to open (`failure`), tried again from the store's other copies, nearest
   * first (a repository kept on several targets, targets/): the first that opens wins.
   */
  async openElsewhere(loc: BlobLocation, open: (sealed: Buffer) => Buffer | Promise<Buffer>, failure: unknown): Promise<Buffer> {
    if (!isHavreError(failure, 'INTEGRITY')) throw failure;
    for (const alt of this.store.alternates?.() ?? []) {
      try {
        const sealed = await alt.get('data', loc.packId, { offset: loc.offset, length: loc.storedLength });
        if (sealed.length === loc.storedLength) return await open(sealed);
      } catch {
        // this copy is damaged too, or away: the next one
      }
    }
    throw failure;
  }

  openBlob(id: Buffer, loc: Pick<BlobLocation, 'codec' | 'rawLength'>, sealed: Buffer): Buffer {
    const what = `blob ${id.toString('hex').slice(0, 16)}`;
    const plain = decodeBlob(loc.codec, open(this.keys.enc, sealed, id, what), loc.rawLength);
    if (!blobId(this.keys.id, plain).equals(id)) throw new HavreError('INTEGRITY', { what });
    return plain;
  }

  /**
   * A tree, from the catalog's cache of sealed trees when it has it (no round trip to the store,
   * and it works while the store is away), else from its pack, then cached. Authenticated either way.
   */
  async loadTree(id: string): Promise<Tree> {
    const idBuf = Buffer.from(id, 'hex');
    const what = `tree ${id.slice(0, 16)}`;
    const cached = this.catalog.cachedTree(idBuf);
    if (cached) {
      try {
        return decodeTree(this.openBlob(idBuf, cached, cached.sealed), what);
      } catch (e) {
        if (!isHavreError(e, 'INTEGRITY')) throw e;
        this.catalog.uncacheTrees([idBuf]); // a damaged cache row: the pack has the truth
      }
    }
    const { loc, sealed } = await this.readSealed(idBuf);
    let good = sealed;
    let plain: Buffer;
    try {
      plain = this.openBlob(idBuf, loc, sealed);
    } catch (e) {
      plain = await this.openElsewhere(loc, (s) => {
        const p = this.openBlob(idBuf, loc, s);
        good = s;
        return p;
      }, e);
    }
    const tree = decodeTree(plain, what);
    this.cacheTree(idBuf, { codec: loc.codec, rawLength: loc.rawLength, sealed: good });
    return tree;
  }

  private treesToCache: [Buffer, CachedTree][] = [];

  /**
   * Adds a sealed tree to the catalog's cache (a backup's new trees, trees read from the store).
   * Written in batches: one commit per tree would be one fsync per folder; a lost batch only costs
   * a read from the store later.
   */
  cacheTree(id: Buffer, tree: CachedTree): void {
    this.treesToCache.push([id, tree]);
    if (this.treesToCache.length >= 256) this.flushTreeCache();
  }

  flushTreeCache(): void {
    if (this.treesToCache.length === 0 || this.closed) return;
    const rows = this.treesToCache;
    this.treesToCache = [];
    this.catalog.cacheTrees(rows);
  }

  // ---- snapshots ---------------------------------------------------------------------------

  async saveSnapshot(s: Snapshot): Promise<string> {
    const bytes = encodeSnapshot(s, this.keys.enc);
    const id = objectName(bytes);
    await this.store.put('snapshots', id, bytes);
    this.catalog.putSnapshot(snapshotRow(id, s));
    return id;
  }

  async loadSnapshot(id: string): Promise<Snapshot> {
    return decodeSnapshot(await this.getObject('snapshots', id), this.keys.enc, id);
  }

  private async syncSnapshots(): Promise<void> {
    const remote = new Set((await this.store.list('snapshots')).map((o) => o.name));
    const known = new Set(this.catalog.listSnapshots().map((s) => s.id));
    for (const id of remote) {
      if (known.has(id)) continue;
      try {
        this.catalog.putSnapshot(snapshotRow(id, await this.loadSnapshot(id)));
      } catch (e) {
        this.noteDamage('snapshots', id, e);
      }
    }
    for (const id of known) if (!remote.has(id)) this.catalog.removeSnapshot(id);
  }

  listSnapshots(): SnapshotRow[] {
    return this.catalog.listSnapshots();
  }

  /** `latest`, a full id, or a unique prefix of at least 4 characters. */
  resolveSnapshot(ref: string): SnapshotRow {
    const all = this.listSnapshots();
    if (ref === 'latest') {
      const last = all[all.length - 1];
      if (!last) throw new HavreError('SNAPSHOT_NOT_FOUND', { ref });
      return last;
    }
    const matches = ref.length >= 4 ? all.filter((s) => s.id.startsWith(ref.toLowerCase())) : [];
    if (matches.length === 0) throw new HavreError('SNAPSHOT_NOT_FOUND', { ref });
    if (matches.length > 1) throw new HavreError('SNAPSHOT_AMBIGUOUS', { ref });
    return matches[0]!;
  }

  /** Reads an object and checks that its bytes hash to its name. */
  async getObject(kind: 'index' | 'snapshots' | 'data', name: string): Promise<Buffer> {
    const bytes = await this.store.get(kind, name);
    if (objectName(bytes) !== name) throw new HavreError('INTEGRITY', { what: `${kind}/${name.slice(0, 12)}` });
    return bytes;
  }
}

export function snapshotRow(id: string, s: Snapshot): SnapshotRow {
  return { id, time: s.time, tree: s.tree, paths: s.paths, hostname: s.hostname, username: s.username, tags: s.tags, parent: s.parent,
    summary: { ...s.summary } };
}
