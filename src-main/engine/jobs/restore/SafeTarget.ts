import { lstat, mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { HavreError, errnoCode } from '../../errors/index.js';
import { unsafeNameReason } from '../../repo/index.js';

/**
 * The restore target, and the only way restore reaches the disk below it: every folder on the
 * way is checked to be a real folder (never a symbolic link or a file), so no name from a snapshot,
 * however forged, can lead a write outside the target (DESIGN.md §6, invariant 3).
 */
export class SafeTarget {
  private readonly checked = new Set<string>();
  private readonly made = new Set<string>();

  private constructor(readonly root: string) {}

  static async open(target: string): Promise<SafeTarget> {
    try {
      await mkdir(target, { recursive: true });
      return new SafeTarget(await realpath(target));
    } catch (e) {
      throw new HavreError('TARGET_NOT_WRITABLE', { path: target, reason: errnoCode(e) ?? String(e) }, { cause: e });
    }
  }

  /** Absolute path of a folder below the root, created if absent; components are checked names. */
  async dir(components: readonly string[]): Promise<string> {
    let path = this.root;
    for (const c of components) {
      const bad = unsafeNameReason(c);
      if (bad) throw new HavreError('UNSAFE_PATH', { path: components.join('/'), reason: bad });
      path = join(path, c);
      if (this.checked.has(path)) continue;
      await this.ensureRealDir(path, components);
      this.checked.add(path);
    }
    return path;
  }

  /**
   * True for a folder this restore created: it held nothing of the user's, so no file there needs
   * comparing or keeping (no `lstat` per file; names in a snapshot folder are unique).
   */
  created(path: string): boolean {
    return this.made.has(path);
  }

  /** Re-checks a folder chain just before a write into it (a link may have appeared since). */
  async recheck(components: readonly string[]): Promise<string> {
    let path = this.root;
    for (const c of components) {
      path = join(path, c);
      await this.ensureRealDir(path, components);
    }
    return path;
  }

  private async ensureRealDir(path: string, components: readonly string[]): Promise<void> {
    try {
      const st = await lstat(path);
      if (st.isSymbolicLink()) throw new HavreError('UNSAFE_PATH', { path: components.join('/'), reason: 'a parent folder is a symbolic link' });
      if (!st.isDirectory()) throw new HavreError('UNSAFE_PATH', { path: components.join('/'), reason: 'a file stands where a folder should be' });
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      try {
        await mkdir(path, { mode: 0o700 });
        this.made.add(path);
      } catch (e2) {
        if (errnoCode(e2) === 'EEXIST') return this.ensureRealDir(path, components);
        throw new HavreError('TARGET_NOT_WRITABLE', { path, reason: errnoCode(e2) ?? String(e2) }, { cause: e2 });
      }
    }
  }
}
