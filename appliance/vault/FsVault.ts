// The object vault on a local file system: <root>/<machineId>/<kind>/<name[0:2]>/<name>, written
// through <root>/.tmp/ (same file system, so the final rename is atomic): stream to a temp file
// while hashing, check length and SHA-256, fsync, rename, fsync the folder.
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { OBJECT_KINDS, isObjectName, type ObjectKind } from '../../src-main/engine/store/index.js';
import { ApplianceError } from '../errors/index.js';
import { errnoCode } from '../../src-main/engine/errors/index.js';
import { syncDir } from '../../src-main/engine/files/durable.js';
import type { ByteRange, ObjectVault } from './ObjectVault.js';

const MACHINE_ID = /^[0-9a-f]{32}$/;
const TMP = '.tmp';

/** An error of the upload stream (the client), as opposed to one of the disk. */
class BodyError extends Error {}

export class FsVault implements ObjectVault {
  private readonly tmpDir: string;

  private constructor(readonly root: string) {
    this.tmpDir = join(root, TMP);
  }

  static async open(root: string): Promise<FsVault> {
    const v = new FsVault(root);
    await mkdir(v.tmpDir, { recursive: true, mode: 0o700 });
    return v;
  }

  /** The path of an object; refuses anything that is not an id, a kind and a hash (never a path). */
  pathOf(machineId: string, kind: ObjectKind, name: string): string {
    if (!MACHINE_ID.test(machineId) || !OBJECT_KINDS.includes(kind) || !isObjectName(name)) {
      throw new ApplianceError('BAD_REQUEST', { reason: 'not an object name' });
    }
    return join(this.root, machineId, kind, name.slice(0, 2), name);
  }

  async write(machineId: string, kind: ObjectKind, name: string, body: Readable | Uint8Array, expectedSize: number): Promise<void> {
    const final = this.pathOf(machineId, kind, name);
    const tmp = join(this.tmpDir, randomBytes(12).toString('hex'));
    let fh: FileHandle | undefined;
    try {
      fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      const file = fh;
      const hash = createHash('sha256');
      let size = 0;
      const add = async (chunk: Uint8Array): Promise<void> => {
        size += chunk.length;
        if (size > expectedSize) throw new ApplianceError('BAD_REQUEST', { reason: 'the body is longer than Content-Length' });
        hash.update(chunk);
        let off = 0;
        while (off < chunk.length) off += (await file.write(chunk, off, chunk.length - off)).bytesWritten;
      };
      if (body instanceof Uint8Array) await add(body);
      else await forEachChunk(body, add);
      if (size !== expectedSize) throw new ApplianceError('BAD_REQUEST', { reason: 'the body is shorter than Content-Length' });
      if (hash.digest('hex') !== name) throw new ApplianceError('DIGEST_MISMATCH');
      await fh.sync();
      await fh.close();
      fh = undefined;
      await this.mkdirDurable(dirname(final));
      await rename(tmp, final);
      await syncDir(dirname(final));
    } catch (e) {
      await fh?.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      throw vaultError(e);
    }
  }

  async read(machineId: string, kind: ObjectKind, name: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(machineId, kind, name);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') throw new ApplianceError('NOT_FOUND', { what: `object ${kind}/${name}` });
      throw vaultError(e);
    }
    if (range && range.length === 0) {
      await fh.close();
      return Readable.from([]);
    }
    return fh.createReadStream(range ? { start: range.offset, end: range.offset + range.length - 1, autoClose: true } : { autoClose: true });
  }

  async exists(machineId: string, kind: ObjectKind, name: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(machineId, kind, name))).isFile();
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return false;
      throw vaultError(e);
    }
  }

  async delete(machineId: string, kind: ObjectKind, name: string): Promise<void> {
    const path = this.pathOf(machineId, kind, name);
    try {
      await unlink(path);
      await syncDir(dirname(path));
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw vaultError(e);
    }
  }

  async cleanup(olderThanMs: number): Promise<number> {
    // File ages are file-system times, so they are compared with the real time, not a test clock.
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const f of await readdir(this.tmpDir).catch(() => [] as string[])) {
      const st = await stat(join(this.tmpDir, f)).catch(() => null);
      if (st && st.mtimeMs <= cutoff) {
        await rm(join(this.tmpDir, f), { force: true, recursive: true });
        removed++;
      }
    }
    return removed;
  }

  /** mkdir -p, then fsync the parents of every folder it created, so the new path survives a crash. */
  private async mkdirDurable(dir: string): Promise<void> {
    const first = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (first === undefined) return;
    const created = relative(dirname(first), dir).split(sep);
    let d = dirname(first);
    await syncDir(d);
    for (const part of created.slice(0, -1)) {
      d = join(d, part);
      await syncDir(d);
    }
  }
}

async function forEachChunk(body: Readable, add: (chunk: Uint8Array) => Promise<void>): Promise<void> {
  const it = body[Symbol.asyncIterator]();
  for (;;) {
    let r: IteratorResult<unknown>;
    try {
      r = await it.next();
    } catch (e) {
      throw new BodyError('the upload was interrupted', { cause: e });
    }
    if (r.done) return;
    await add(r.value as Buffer);
  }
}

function vaultError(e: unknown): ApplianceError {
  if (e instanceof ApplianceError) return e;
  if (e instanceof BodyError) return new ApplianceError('BAD_REQUEST', { reason: e.message });
  const code = errnoCode(e);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new ApplianceError('STORAGE_FULL', {}, { cause: e });
  return new ApplianceError('INTERNAL', { reason: `storage error ${code ?? (e instanceof Error ? e.name : 'unknown')}` }, { cause: e });
}
