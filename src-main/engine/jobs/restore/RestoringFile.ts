import { constants } from 'node:fs';
import { lutimes, open, rename, rm, utimes, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { HavreError } from '../../errors/index.js';
import type { FileNode } from '../../repo/index.js';

const ZEROS = Buffer.alloc(8 * 1024 * 1024);

/** A restoring file's temporary name: this prefix and 12 hex digits (unfinishedRestores.ts sweeps what a killed restore left). */
const RESTORE_TEMP_PREFIX = '.havre-restore-';
export const RESTORE_TEMP = /^\.havre-restore-[0-9a-f]{12}$/;

/**
 * A file being restored: written at positions, in whatever order its blobs arrive, into a
 * temporary file beside its final name, and renamed into place only once complete and closed, so
 * the target never holds a partial or wrong file under a restored name.
 */
export class RestoringFile {
  private writes = 0;
  /** The file's length so far: past its last byte written (a fresh file, O_EXCL). */
  private end = 0;
  private failed = false;
  private closed = false;

  private constructor(
    /** Its folder, as components below the restore target. */
    readonly dir: readonly string[],
    readonly path: string,
    readonly node: FileNode,
    private readonly dirAbs: string,
    private readonly name: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
  ) {}

  /** Creates the temporary file (never through a link: O_EXCL | O_NOFOLLOW, a fresh random name). */
  static async create(dir: readonly string[], path: string, node: FileNode, dirAbs: string, name: string): Promise<RestoringFile> {
    const tmp = join(dirAbs, `${RESTORE_TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    return new RestoringFile(dir, path, node, dirAbs, name, tmp, fh);
  }

  get aborted(): boolean {
    return this.failed;
  }

  /** Writes one blob's plaintext at `offset`. All-zero blobs are skipped: the file stays sparse. */
  async write(plain: Buffer, offset: number): Promise<void> {
    if (this.failed) return;
    this.writes++;
    if (plain.length <= ZEROS.length && plain.equals(ZEROS.subarray(0, plain.length))) return;
    let w = 0;
    while (w < plain.length) w += (await this.fh.write(plain, w, plain.length - w, offset + w)).bytesWritten;
    this.end = Math.max(this.end, offset + plain.length);
  }

  /**
   * Completes the file once every expected write has landed: size, mode, times and owner, all set
   * through the open file (no path lookup), then closed. It is renamed into place by `rename`.
   */
  async complete(expectedWrites: number): Promise<void> {
    if (this.writes !== expectedWrites) throw new HavreError('INTERNAL', { reason: `restore wrote ${this.writes} of ${expectedWrites} blobs of a file` });
    // Only a file that ends in skipped zeros (sparse) is shorter than its size.
    if (this.end !== this.node.size) await this.fh.truncate(this.node.size);
    await this.fh.chmod(this.node.mode);
    const secs = utimeSeconds(this.node.mtime);
    await this.fh.utimes(secs, secs);
    if (process.getuid?.() === 0) await this.fh.chown(this.node.uid, this.node.gid).catch(() => undefined);
    await this.fh.close();
    this.closed = true;
  }

  /** Puts the completed file in place; its folder chain was re-checked just before (RestoreWindow). */
  async rename(): Promise<void> {
    await rename(this.tmp, join(this.dirAbs, this.name));
  }

  /** Gives the file up: closes and removes the temporary file; later writes are ignored. */
  async abort(): Promise<void> {
    if (this.failed) return;
    this.failed = true;
    if (!this.closed) await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}

export async function setTimes(path: string, mtimeNs: string, link: boolean): Promise<void> {
  const secs = utimeSeconds(mtimeNs);
  if (link) await lutimes(path, secs, secs);
  else await utimes(path, secs, secs);
}

/**
 * Node's utimes takes seconds as a double and truncates to nanoseconds. At today's epoch a double
 * holds about a quarter of a microsecond, so `µs / 1e6` lands just below the intended microsecond
 * about half the time (and then below the millisecond too). Aiming at the middle of the
 * microsecond makes the truncation land inside it: the restored time is exact to the microsecond.
 */
export function utimeSeconds(mtimeNs: string): number {
  const us = BigInt(mtimeNs) / 1000n;
  return Number(us / 1_000_000n) + (Number(us % 1_000_000n) + 0.5) / 1e6;
}
