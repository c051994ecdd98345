import { basename, join } from 'node:path';
import { HavreError } from '../errors/index.js';
import { DEFAULT_EXCLUSIONS } from './defaultExclusions.js';
import { compileGlob, GlobError, toSlashes, type Glob } from './glob.js';

export interface ExclusionRules {
  readonly exclusions: readonly string[];
  readonly defaultExclusions: boolean;
  readonly maxFileSizeMiB: number | null;
}

const MiB = 1024 * 1024;

/**
 * Which paths a backup and the watcher leave out: the user's patterns, the defaults, and a size
 * limit for files. The walk asks per entry (an excluded folder is never entered); a watcher event
 * deep in a tree is asked with `excludesPath`, which also looks at its folders.
 */
export class Exclusions {
  private readonly byName: Glob[] = [];
  private readonly byPath: Glob[] = [];
  /** Files larger than this are left out; null: no limit. */
  readonly maxFileBytes: number | null;
  /** Excluded folders a watcher can skip without asking (see `watchable`). */
  private readonly skipFolders: { names: string[]; paths: string[] } = { names: [], paths: [] };

  constructor(rules: ExclusionRules, opts: { home: string; platform?: NodeJS.Platform }) {
    const platform = opts.platform ?? process.platform;
    const caseInsensitive = platform === 'win32' || platform === 'darwin';
    const patterns = [...(rules.defaultExclusions ? DEFAULT_EXCLUSIONS : []), ...rules.exclusions];
    for (const p of patterns) {
      let g: Glob;
      try {
        g = compileGlob(p, { home: opts.home, caseInsensitive });
      } catch (e) {
        if (e instanceof GlobError) throw new HavreError('SETTINGS_INVALID', { detail: `exclusions: “${p.slice(0, 200)}” is not a valid pattern (${e.message})` });
        throw e;
      }
      (g.anchored ? this.byPath : this.byName).push(g);
      noteSkippableFolder(p, opts.home, this.skipFolders);
    }
    this.maxFileBytes = rules.maxFileSizeMiB === null ? null : rules.maxFileSizeMiB * MiB;
  }

  /** One entry met by a walk: its absolute path, and whether it is a folder. */
  excludesEntry(absPath: string, isDir: boolean): boolean {
    const name = basename(absPath);
    const slashed = toSlashes(absPath);
    return this.byName.some((g) => (isDir || !g.dirOnly) && g.test(name)) || this.byPath.some((g) => (isDir || !g.dirOnly) && g.test(slashed));
  }

  /**
   * The simplest folder exclusions, for a watcher to leave unwatched: `name/` (at any depth) as a
   * `**\/name` glob, `~/a/b/` as an absolute path. Only an optimisation (no inotify watch spent in
   * `node_modules`): everything else is still asked of `excludesPath` event by event.
   */
  watchable(): { readonly globs: readonly string[]; readonly paths: readonly string[] } {
    return { globs: this.skipFolders.names.map((n) => `**/${n}`), paths: [...this.skipFolders.paths] };
  }

  /** A path anywhere below `root` (a watched folder): left out if it or any folder between is. */
  excludesPath(absPath: string, isDir: boolean, root: string): boolean {
    if (this.excludesEntry(absPath, isDir)) return true;
    let dir = toSlashes(root).replace(/\/$/, '');
    const path = toSlashes(absPath);
    if (!path.startsWith(`${dir}/`)) return false;
    for (const part of path.slice(dir.length + 1).split('/').slice(0, -1)) {
      dir = `${dir}/${part}`;
      if (this.excludesEntry(dir, true)) return true;
    }
    return false;
  }
}

/** Folder names made only of these are the same pattern to our globs and to picomatch. */
const PLAIN_NAME = /^[A-Za-z0-9 ._$+-]+$/;

function noteSkippableFolder(pattern: string, home: string, into: { names: string[]; paths: string[] }): void {
  if (!pattern.endsWith('/')) return;
  const body = pattern.slice(0, -1);
  if (PLAIN_NAME.test(body)) into.names.push(body);
  else if (body.startsWith('~/') && body.slice(2).split('/').every((part) => PLAIN_NAME.test(part))) into.paths.push(join(home, ...body.slice(2).split('/')));
}
