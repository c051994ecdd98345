import { FileWatcher, type WatchEvent } from '../watch/index.js';
import { isInside } from '../jobs/backup/sources.js';
import type { Exclusions } from '../settings/index.js';
import type { ChangeListener, ChangeSource } from './Protector.js';

/**
 * The file watcher (watch/) as protection's change source. The watcher's vocabulary maps onto
 * protection's: changes are queued, a possible loss of events (`rescan`) asks for a scan, and a
 * root that cannot be watched any more hands it to periodic scans until the watcher says it is back.
 */
export class WatchSource implements ChangeSource {
  private watcher: FileWatcher | null = null;
  private closed = false;

  constructor(private readonly options: { readonly ignorePaths?: () => readonly string[] } = {}) {}

  async start(roots: readonly string[], exclusions: Exclusions, listener: ChangeListener): Promise<void> {
    const rootOf = (path: string): string | undefined => roots.filter((r) => isInside(path, r)).sort((a, b) => b.length - a.length)[0];
    const onEvent = (event: WatchEvent): void => {
      if (this.closed) return;
      switch (event.type) {
        case 'changes':
          listener.changes(event.changes.map((c) => ({ path: c.path })));
          return;
        case 'problem':
          if (event.error.code === 'WATCH_OVERFLOW') listener.overflow(); // nothing for the user to do
          else listener.problem(event.error, event.root, event.state === 'stopped' || event.state === 'partial');
          if (event.rescan) listener.overflow();
          return;
        case 'state':
          if (event.state === 'watching') listener.recovered(event.root);
          if (event.rescan) listener.overflow();
          return;
      }
    };
    const skip = exclusions.watchable();
    this.watcher = await FileWatcher.start({
      roots,
      ignore: {
        paths: [...(this.options.ignorePaths?.() ?? []), ...skip.paths],
        globs: skip.globs,
        // Files only: a folder's own rules are asked again by the scan; an event under an excluded folder never is.
        predicate: (path) => {
          const root = rootOf(path);
          return root !== undefined && exclusions.excludesPath(path, false, root);
        },
      },
    }, onEvent);
    if (this.closed) await this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.watcher;
    this.watcher = null;
    await w?.close();
  }
}
