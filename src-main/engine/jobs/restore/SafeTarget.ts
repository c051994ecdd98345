import { lstat, mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { HavreError, errnoCode } from '../../errors/index.js';
import { unsafeNameReason } from '../../repo/index.js';
import { Limit } from '../shared/limit.js';

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

  /**
   * Re-checks the chains of several folders at once, each folder on the way once (parents before
   * their children, `limit` at a time): folders of one window share most of their chain, and
   * checking each chain whole cost about four `lstat`s per restored file. Maps each folder
   * (components joined by '/') to its absolute path, or to the error of the first bad folder on its way.
   */
  async recheckAll(dirs: readonly (readonly string[])[], limit: number): Promise<Map<string, string | Error>> {
    const verdict = new Map<string, string | Error>(); // by absolute path, for every folder on the way
    const byDepth: string[][][] = [];
    const seen = new Set<string>();
    for (const d of dirs) {
      for (let i = 1; i <= d.length; i++) {
        const key = d.slice(0, i).join('/');
        if (seen.has(key)) continue;
        seen.add(key);
        (byDepth[i] ??= []).push(d.slice(0, i));
      }
    }
    const gate = new Limit(limit);
    for (const level of byDepth) {
      if (!level) continue;
      await Promise.all(level.map((c) => gate.run(async () => {
        const path = join(this.root, ...c);
        const parent = c.length > 1 ? verdict.get(join(this.root, ...c.slice(0, -1))) : undefined;
        if (parent instanceof Error) return verdict.set(path, parent);
        verdict.set(path, await this.ensureRealDir(path, c).then(() => path, (e: unknown) => (e instanceof Error ? e : new Error(String(e)))));
      })));
    }
    return new Map(dirs.map((d) => [d.join('/'), verdict.get(join(this.root, ...d)) ?? this.root]));
  }

  /** Re-checks a folder chain just before a write into it (a link may have appeared since). */
  async recheck(components: readonly string[]): Promise<string> {
    const verdict = (await this.recheckAll([components], 1)).get(components.join('/'))!;
    if (verdict instanceof Error) throw verdict;
    return verdict;
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
