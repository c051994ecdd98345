// A local first-in first-out spool in front of a remote store (the appliance): when the appliance
// is out of reach, writes and deletion requests wait on this computer, in order, and are sent when
// it is back (DESIGN.md §4: writes are resumable). Only repository objects are spooled: packs,
// indexes and snapshots are encrypted; the config holds parameters and a MAC, nothing secret.
//
// Order is what keeps the repository consistent: an index is written after the packs it names,
// a snapshot after its trees. So once anything waits in the spool, every later write waits behind
// it, and drain() sends in the order of writing, stopping at the first failure. A crash anywhere is
// safe: a spool file appears whole (temp file, fsync, link) or not at all, and an object sent but
// not yet removed from the spool is sent again, which the appliance accepts (puts are idempotent).
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HavreError, errnoCode, isHavreError } from '../../errors/index.js';
import { fsError } from '../fs/fsError.js';
import { syncDir } from '../../files/durable.js';
import { assertObjectName, isObjectName, objectName } from '../objectName.js';
import type { ByteRange, ObjectInfo, ObjectKind, Store } from '../Store.js';
import { entryFileName, MAX_SEQ, parseEntryFileName, spoolState, type SpoolEntry, type SpoolOp } from './spoolEntry.js';

export interface SpoolPending {
  readonly objects: number;
  readonly bytes: number;
  /** When the oldest waiting write was spooled (ISO 8601), or null when nothing waits. */
  readonly since: string | null;
}

export interface DrainResult {
  readonly sent: number;
  readonly bytes: number;
  /** Spool files whose bytes no longer hash to their name (a damaged disk): removed, not sent. */
  readonly dropped: number;
  readonly remaining: number;
  /** Why draining stopped early (the appliance still away, a quota…). */
  readonly error?: HavreError;
}

/** Temp files younger than this may belong to a write in progress in another process. */
const STALE_TEMP_MS = 10 * 60 * 1000;

const offline = (): Promise<never> => Promise.reject(new HavreError('INTERNAL', { reason: 'no remote store' }));
/** For pendingAt: a spool looked at, never sent. */
const NO_REMOTE: Store = { location: '', put: offline, get: offline, head: offline, list: offline, requestDelete: offline };

function isUnreachable(e: unknown): e is HavreError {
  return isHavreError(e, 'APPLIANCE_UNREACHABLE');
}

export class SpoolingStore implements Store {
  readonly location: string;
  private entries: SpoolEntry[] = [];
  private nextSeq = 1;
  private draining: Promise<DrainResult> | null = null;
  /** Appends under way: a drain that finds the queue empty waits for them before it ends. */
  private readonly appending = new Set<Promise<void>>();
  /** Set by the last write that found the remote out of reach (for messages). */
  lastUnreachable: HavreError | null = null;
  /** Writes this process put in the spool (for "N objects wait on this computer"). */
  spooledThisRun = 0;

  private constructor(readonly remote: Store, readonly dir: string) {
    this.location = remote.location;
  }

  /** Opens (and creates) the spool folder; removes temp files left by a crash. */
  static async open(remote: Store, dir: string): Promise<SpoolingStore> {
    const s = new SpoolingStore(remote, dir);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await s.removeStaleTemps();
      await s.scan();
    } catch (e) {
      throw fsError(e, dir);
    }
    return s;
  }

  /** What waits in a spool folder, read without a remote and without creating anything (status). */
  static async pendingAt(dir: string): Promise<SpoolPending> {
    const s = new SpoolingStore(NO_REMOTE, dir);
    return s.pending();
  }

  // ---- Store -------------------------------------------------------------------------------

  async put(kind: ObjectKind, name: string, bytes: Uint8Array): Promise<void> {
    assertObjectName(kind, name);
    if (this.entries.length === 0 && this.draining === null) {
      try {
        await this.remote.put(kind, name, bytes);
        if (kind === 'config') await this.cacheConfig(name, bytes);
        return;
      } catch (e) {
        if (!isUnreachable(e)) throw e;
        this.lastUnreachable = e;
      }
    }
    await this.append('put', kind, name, bytes);
    if (kind === 'config') await this.cacheConfig(name, bytes);
  }

  async requestDelete(kind: ObjectKind, name: string): Promise<void> {
    assertObjectName(kind, name);
    if (this.entries.length === 0 && this.draining === null) {
      try {
        await this.remote.requestDelete(kind, name);
        return;
      } catch (e) {
        if (!isUnreachable(e)) throw e;
        this.lastUnreachable = e;
      }
    }
    await this.append('del', kind, name);
  }

  async get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    const local = await this.readLocal(kind, name, range);
    if (local !== undefined) return local;
    try {
      return await this.remote.get(kind, name, range);
    } catch (e) {
      // Another process may have spooled it meanwhile: look again before giving up.
      if (!isUnreachable(e) && !isHavreError(e, 'OBJECT_MISSING')) throw e;
      await this.scan();
      const again = await this.readLocal(kind, name, range);
      if (again !== undefined) return again;
      throw e;
    }
  }

  async head(kind: ObjectKind, name: string): Promise<ObjectInfo | null> {
    const e = spoolState(this.entries, kind, name);
    if (e) return e.op === 'put' ? { name, size: e.size } : null;
    return this.remote.head(kind, name);
  }

  /** The remote's list with what the spool adds and removes; needs the remote (else APPLIANCE_UNREACHABLE). */
  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    let remote: ObjectInfo[];
    try {
      remote = await this.remote.list(kind);
      if (kind === 'config') await this.rememberRemoteConfig(remote);
    } catch (e) {
      // The config names the repository and never changes: a copy lets a process that still holds
      // the key (a long-running engine) open the repository while the appliance is away.
      if (!isUnreachable(e) || kind !== 'config') throw e;
      remote = await this.cachedConfigList(e);
    }
    await this.scan();
    const byName = new Map(remote.map((o) => [o.name, o]));
    for (const e of this.entries) {
      if (e.kind !== kind) continue;
      if (e.op === 'put') byName.set(e.name, { name: e.name, size: e.size });
      else byName.delete(e.name);
    }
    return [...byName.values()];
  }

  // ---- the spool ---------------------------------------------------------------------------

  /** What waits to be sent. Reads the folder, so it also counts other processes' writes. */
  async pending(): Promise<SpoolPending> {
    await this.scan();
    const first = this.entries[0];
    return { objects: this.entries.length, bytes: this.entries.reduce((n, e) => n + e.size, 0), since: first ? new Date(first.time).toISOString() : null };
  }

  /**
   * Sends what waits, in order, and removes each entry once the remote has it. Stops at the first
   * failure and says why in the result rather than throwing: the command that drains goes on.
   */
  drain(): Promise<DrainResult> {
    this.draining ??= this.drainNow().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async drainNow(): Promise<DrainResult> {
    let sent = 0;
    let bytes = 0;
    let dropped = 0;
    await this.scan();
    // Writes that arrive while draining join the queue (draining !== null), so this loop ends only
    // when the spool is empty, with no write on its way into it, or when the remote fails.
    for (;;) {
      if (this.entries.length === 0 && this.appending.size > 0) await Promise.allSettled([...this.appending]);
      const e = this.entries[0];
      if (!e) break;
      try {
        if (e.op === 'put') {
          const data = await this.readEntry(e);
          if (data === null) {
            dropped++;
          } else {
            await this.remote.put(e.kind, e.name, data);
            sent++;
            bytes += data.length;
          }
        } else {
          await this.remote.requestDelete(e.kind, e.name);
          sent++;
        }
      } catch (err) {
        if (isUnreachable(err)) this.lastUnreachable = err;
        if (!isHavreError(err)) throw err;
        return { sent, bytes, dropped, remaining: this.entries.length, error: err };
      }
      await this.removeEntry(e);
    }
    this.lastUnreachable = null;
    return { sent, bytes, dropped, remaining: 0 };
  }

  /** A spooled put's bytes, or null (and the entry is dropped) when they do not hash to the name. */
  private async readEntry(e: SpoolEntry): Promise<Buffer | null> {
    let data: Buffer;
    try {
      data = await readFile(join(this.dir, e.file));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null; // drained by another process meanwhile
      throw fsError(err, this.dir);
    }
    return objectName(data) === e.name ? data : null;
  }

  private async removeEntry(e: SpoolEntry): Promise<void> {
    await unlink(join(this.dir, e.file)).catch((err: unknown) => {
      if (errnoCode(err) !== 'ENOENT') throw fsError(err, this.dir);
    });
    this.entries = this.entries.filter((x) => x.file !== e.file);
    await syncDir(this.dir);
  }

  private async readLocal(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer | undefined> {
    if (kind === 'config') {
      const cached = await this.readCachedConfig(name);
      if (cached) return range ? cached.subarray(range.offset, range.offset + range.length) : cached;
    }
    const e = spoolState(this.entries, kind, name);
    if (!e) return undefined;
    if (e.op === 'del') throw new HavreError('OBJECT_MISSING', { kind, name });
    let fh;
    try {
      fh = await open(join(this.dir, e.file), 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined; // just drained: the remote has it now
      throw fsError(err, this.dir);
    }
    try {
      const offset = range?.offset ?? 0;
      const length = Math.max(0, Math.min(range?.length ?? e.size, e.size - offset));
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  }

  private append(op: SpoolOp, kind: ObjectKind, name: string, bytes?: Uint8Array): Promise<void> {
    const p = this.appendNow(op, kind, name, bytes);
    this.appending.add(p);
    const done = (): void => void this.appending.delete(p);
    p.then(done, done);
    return p;
  }

  /** Appends one entry: temp file, fsync, then a hard link under its final name (never replaces one). */
  private async appendNow(op: SpoolOp, kind: ObjectKind, name: string, bytes?: Uint8Array): Promise<void> {
    const tmp = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        if (bytes && bytes.length > 0) {
          let written = 0;
          while (written < bytes.length) written += (await fh.write(bytes, written, bytes.length - written)).bytesWritten;
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      let file: string;
      for (;;) {
        const seq = this.nextSeq++;
        if (seq > MAX_SEQ) throw new HavreError('STORE_FULL', { path: this.dir });
        file = entryFileName(seq, op, kind, name);
        try {
          await link(tmp, join(this.dir, file));
          break;
        } catch (e) {
          if (errnoCode(e) === 'EEXIST') continue; // another process took this number
          if (errnoCode(e) !== 'EPERM' && errnoCode(e) !== 'ENOTSUP' && errnoCode(e) !== 'EOPNOTSUPP') throw e;
          await rename(tmp, join(this.dir, file)); // a file system without hard links
          break;
        }
      }
      await rm(tmp, { force: true });
      await syncDir(this.dir);
      const seq = parseEntryFileName(file)!.seq;
      const entry: SpoolEntry = { seq, op, kind, name, file, size: bytes?.length ?? 0, time: Date.now() };
      this.entries = [...this.entries, entry].sort((a, b) => a.seq - b.seq);
      this.spooledThisRun++;
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw fsError(e, this.dir);
    }
  }

  /** Re-reads the folder: entries in sequence order; sizes and times from the files. */
  private async scan(): Promise<void> {
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') files = [];
      else throw fsError(e, this.dir);
    }
    const known = new Map(this.entries.map((e) => [e.file, e]));
    const out: SpoolEntry[] = [];
    for (const file of files) {
      const p = parseEntryFileName(file);
      if (!p) continue;
      let entry = known.get(file);
      if (!entry) {
        const st = await stat(join(this.dir, file)).catch(() => null);
        if (!st?.isFile()) continue;
        entry = { ...p, file, size: p.op === 'put' ? st.size : 0, time: st.mtimeMs };
      }
      out.push(entry);
      if (p.seq >= this.nextSeq) this.nextSeq = p.seq + 1;
    }
    this.entries = out.sort((a, b) => a.seq - b.seq);
  }

  private async removeStaleTemps(): Promise<void> {
    const cutoff = Date.now() - STALE_TEMP_MS;
    for (const file of await readdir(this.dir)) {
      if (!file.startsWith('.tmp-')) continue;
      const st = await stat(join(this.dir, file)).catch(() => null);
      if (st && st.mtimeMs < cutoff) await rm(join(this.dir, file), { force: true });
    }
  }

  // ---- the config copy ---------------------------------------------------------------------

  private configFile(name: string): string {
    return join(this.dir, 'cache', 'config', name);
  }

  private async cacheConfig(name: string, bytes: Uint8Array): Promise<void> {
    if (objectName(bytes) !== name) return;
    const file = this.configFile(name);
    if (await stat(file).then(() => true, () => false)) return;
    await mkdir(join(this.dir, 'cache', 'config'), { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  }

  private async rememberRemoteConfig(list: readonly ObjectInfo[]): Promise<void> {
    // One config per repository; copy it the first time it is seen.
    if (list.length !== 1 || (await this.readCachedConfig(list[0]!.name))) return;
    try {
      await this.cacheConfig(list[0]!.name, await this.remote.get('config', list[0]!.name));
    } catch (e) {
      if (!isHavreError(e)) throw e; // the copy is a convenience: its absence is no error
    }
  }

  private async readCachedConfig(name: string): Promise<Buffer | null> {
    if (!isObjectName(name)) return null;
    try {
      const bytes = await readFile(this.configFile(name));
      return objectName(bytes) === name ? bytes : null;
    } catch {
      return null;
    }
  }

  private async cachedConfigList(unreachable: HavreError): Promise<ObjectInfo[]> {
    let names: string[];
    try {
      names = (await readdir(join(this.dir, 'cache', 'config'))).filter(isObjectName);
    } catch {
      throw unreachable;
    }
    if (names.length !== 1) throw unreachable;
    const bytes = await this.readCachedConfig(names[0]!);
    if (!bytes) throw unreachable;
    return [{ name: names[0]!, size: bytes.length }];
  }
}
