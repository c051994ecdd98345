import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { HavreError, errnoCode } from '../../errors/index.js';
import { assertObjectName, isObjectName } from '../objectName.js';
import { OBJECT_KINDS, type ByteRange, type ObjectInfo, type ObjectKind, type Store } from '../Store.js';
import { fsError } from './fsError.js';
import { syncDir } from '../../files/durable.js';
import { backoffDelay, defaultSleep, type RetryPolicy } from '../../net/retry.js';

/**
 * Errors of a folder store worth another try: a NAS or SMB mount that hiccups, a USB bus reset, a
 * stale NFS handle. A full disk, a refused permission or a missing object are final at once. Every
 * operation here is idempotent (a write goes to a temporary file and is renamed; a delete of
 * nothing is fine), so a retry can never leave two versions of an object.
 */
const TRANSIENT = new Set(['EIO', 'EAGAIN', 'EBUSY', 'ETIMEDOUT', 'EINTR', 'ECONNRESET', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'EHOSTDOWN', 'ENOTCONN', 'ESTALE']);

/** About 6 s of tries at most: long enough for a share to reconnect, short enough to say the drive is gone. */
export const FS_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 4000 };

export interface FsStoreOptions {
  readonly retry?: RetryPolicy;
  /** Tests only: called before each attempt of an operation; what it throws is that attempt's failure. */
  readonly beforeAttempt?: (op: 'put' | 'get' | 'head' | 'list' | 'delete') => void;
}

/**
 * A repository in a local folder, USB drive or NAS mount: `<root>/<kind>/<name>`, packs fanned out
 * as `data/<name[0:2]>/<name>`. Writes go to a temp file, fsync, rename, fsync the folder, so an
 * object is either absent or complete, whatever crashes when. Transient errors are retried.
 */
export class FsStore implements Store {
  readonly location: string;

  private constructor(private readonly root: string, private readonly opts: FsStoreOptions = {}) {
    this.location = root;
  }

  /** Runs one operation, again after a transient error (backoff with full jitter), then gives its error. */
  private async retrying<T>(op: 'put' | 'get' | 'head' | 'list' | 'delete', attempt: () => Promise<T>): Promise<T> {
    const policy = this.opts.retry ?? FS_RETRY;
    for (let tries = 1; ; tries++) {
      try {
        this.opts.beforeAttempt?.(op);
        return await attempt();
      } catch (e) {
        const code = errnoCode(e instanceof HavreError ? (e.cause ?? e) : e);
        if (tries >= policy.maxAttempts || code === undefined || !TRANSIENT.has(code)) throw e instanceof HavreError ? e : fsError(e, this.root);
        await (policy.sleep ?? defaultSleep)(backoffDelay(tries - 1, policy));
      }
    }
  }

  /** Opens an existing repository folder. */
  static async open(root: string, opts: FsStoreOptions = {}): Promise<FsStore> {
    const abs = resolve(root);
    try {
      const st = await stat(abs);
      if (!st.isDirectory()) throw new HavreError('NOT_A_REPO', { path: abs });
    } catch (e) {
      if (e instanceof HavreError) throw e;
      if (errnoCode(e) === 'ENOENT') throw new HavreError('REPO_NOT_FOUND', { path: abs });
      throw fsError(e, abs);
    }
    return new FsStore(abs, opts);
  }

  /** Creates the folder layout for a new repository; the folder must be new or empty. */
  static async create(root: string): Promise<FsStore> {
    const abs = resolve(root);
    try {
      await mkdir(abs, { recursive: true });
      const existing = await readdir(abs);
      if (existing.includes('config')) throw new HavreError('REPO_EXISTS', { path: abs });
      if (existing.length > 0) throw new HavreError('REPO_NOT_EMPTY', { path: abs });
      for (const kind of OBJECT_KINDS) await mkdir(join(abs, kind));
    } catch (e) {
      if (e instanceof HavreError) throw e;
      throw fsError(e, abs);
    }
    return new FsStore(abs);
  }

  private pathOf(kind: ObjectKind, name: string): string {
    assertObjectName(kind, name);
    return kind === 'data' ? join(this.root, kind, name.slice(0, 2), name) : join(this.root, kind, name);
  }

  async put(kind: ObjectKind, name: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(kind, name);
    return this.retrying('put', () => this.putOnce(path, bytes));
  }

  private async putOnce(path: string, bytes: Uint8Array): Promise<void> {
    if (await this.exists(path)) return; // same name, same bytes: nothing to do
    const dir = dirname(path);
    const tmp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      await mkdir(dir, { recursive: true });
      const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        let written = 0;
        while (written < bytes.length) {
          const { bytesWritten } = await fh.write(bytes, written, bytes.length - written);
          written += bytesWritten;
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      await syncDir(dir);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw fsError(e, this.root);
    }
  }

  async get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    const path = this.pathOf(kind, name);
    return this.retrying('get', () => this.getOnce(kind, name, path, range));
  }

  private async getOnce(kind: ObjectKind, name: string, path: string, range?: ByteRange): Promise<Buffer> {
    let fh;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') {
        await this.assertRootPresent();
        throw new HavreError('OBJECT_MISSING', { kind, name });
      }
      throw fsError(e, this.root);
    }
    try {
      const offset = range?.offset ?? 0;
      const length = range?.length ?? (await fh.stat()).size - offset;
      const buf = Buffer.allocUnsafe(Math.max(0, length));
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === buf.length ? buf : buf.subarray(0, got);
    } catch (e) {
      throw fsError(e, this.root);
    } finally {
      await fh.close();
    }
  }

  async head(kind: ObjectKind, name: string): Promise<ObjectInfo | null> {
    const path = this.pathOf(kind, name);
    return this.retrying('head', async () => {
      try {
        const st = await stat(path);
        return { name, size: st.size };
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') {
          await this.assertRootPresent();
          return null;
        }
        throw fsError(e, this.root);
      }
    });
  }

  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    return this.retrying('list', () => this.listOnce(kind));
  }

  private async listOnce(kind: ObjectKind): Promise<ObjectInfo[]> {
    const base = join(this.root, kind);
    const dirs = kind === 'data' ? (await this.readdirOrFail(base)).filter((d) => /^[0-9a-f]{2}$/.test(d)).map((d) => join(base, d)) : [base];
    const out: ObjectInfo[] = [];
    for (const dir of dirs) {
      // No config folder means "not a repository", which the caller reports as such.
      const names = kind === 'config' ? await readdir(dir).catch((e: unknown) => (errnoCode(e) === 'ENOENT' ? [] : Promise.reject(fsError(e, this.root)))) : await this.readdirOrFail(dir);
      for (const name of names) {
        if (!isObjectName(name)) continue; // temp files and strangers are not objects
        const st = await stat(join(dir, name)).catch(() => null);
        if (st?.isFile()) out.push({ name, size: st.size });
      }
    }
    return out;
  }

  async requestDelete(kind: ObjectKind, name: string): Promise<void> {
    const path = this.pathOf(kind, name);
    return this.retrying('delete', async () => {
      try {
        await unlink(path);
        await syncDir(dirname(path));
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw fsError(e, this.root);
      }
    });
  }

  async cleanup(olderThanMs: number): Promise<number> {
    const dirs = OBJECT_KINDS.map((k) => join(this.root, k));
    for (const d of await this.readdirOrFail(join(this.root, 'data'))) if (/^[0-9a-f]{2}$/.test(d)) dirs.push(join(this.root, 'data', d));
    let removed = 0;
    const cutoff = Date.now() - olderThanMs;
    for (const dir of dirs) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (!name.startsWith('.tmp-')) continue;
        const st = await stat(join(dir, name)).catch(() => null);
        if (st && st.mtimeMs < cutoff) {
          await rm(join(dir, name), { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await stat(path);
      return true;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return false;
      throw fsError(e, this.root);
    }
  }

  private async readdirOrFail(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') {
        await this.assertRootPresent();
        return [];
      }
      throw fsError(e, this.root);
    }
  }

  /** A missing object and a missing drive are different failures: tell them apart. */
  private async assertRootPresent(): Promise<void> {
    try {
      await stat(join(this.root, 'config'));
    } catch {
      throw new HavreError('STORE_UNAVAILABLE', { path: this.root, reason: 'the repository folder is gone' });
    }
  }
}
