// The watch of one root inside the watch host: the twin subscription, new folders (inotify reports
// nothing about what they held before their watch), the root going away, the watch limit, bursts.
// It never subscribes the root a second time: parcel cannot be trusted to (README.md, "Why a
// separate process"), so it asks the engine for a fresh host instead.
import { lstatSync } from 'node:fs';
import { sep } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { compileIgnore, type CompiledIgnore } from '../ignore.js';
import { classifyParcelError, subscribeTwin, type ParcelEvent, type Subscription } from '../parcel.js';
import { inotifyLimits, probeWatch, suggestedWatchLimit } from '../platform.js';
import type { HostSettings, ResubscribeReason } from '../protocol.js';
import type { ChangeKind, RootState, WatchErrorCode, WatchIgnore } from '../types.js';
import { listFolder, walkFolder } from '../walk.js';

export interface RootOutput {
  change(path: string, kind: ChangeKind): void;
  problem(code: WatchErrorCode, params: Record<string, string | number>, rescan: boolean, state: RootState): void;
  resubscribe(reason: ResubscribeReason): void;
}

/** More folder subscriptions than this and the root asks for a fresh one as a whole. */
const MAX_FOLDER_SUBSCRIPTIONS = 64;
/** How long a folder parcel reported is remembered as one it watches. */
const SEEN_FOLDER_MS = 60_000;
/** A folder reported as updated counts as new when it was born this recently. */
const NEW_FOLDER_MS = 60_000;
/** Wait this long after parcel reports a path before checking whether it is a new folder, so that
 *  the subfolders parcel reports in its next batches are known first. */
const FOLDER_SETTLE_MS = 150;
/** After a burst, quiet for this long before the possible overflow is reported (one rescan). */
const BURST_QUIET_MS = 2_000;

interface Identity {
  dev: number;
  ino: number;
}

type Look = { ok: true; id: Identity } | { ok: false; reason: string };

function look(root: string): Look {
  try {
    const st = lstatSync(root);
    if (!st.isDirectory()) return { ok: false, reason: 'replaced by a file' };
    return { ok: true, id: { dev: st.dev, ino: st.ino } };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'not found' };
    if (code === 'EACCES' || code === 'EPERM') return { ok: false, reason: 'permission denied' };
    return { ok: false, reason: code ?? String(e) };
  }
}

export class RootWatch {
  private state: RootState = 'stopped';
  private main: Subscription | null = null;
  /** folders that appeared holding subfolders parcel never saw: each has a subscription of its own */
  private readonly folders = new Map<string, Subscription>();
  /** folders parcel itself reported lately, so it watches them */
  private readonly seenFolders = new Map<string, number>();
  private readonly pendingFolders = new Map<string, ChangeKind>();
  private folderTimer: NodeJS.Timeout | null = null;
  private identity: Identity | null = null;
  private closed = false;
  private asked = false;
  /** why the root is stopped: what makes it worth trying again differs */
  private stoppedBy: 'gone' | 'limit' | 'failed' | null = null;
  private readonly ignore: CompiledIgnore;
  private checkTimer: NodeJS.Timeout | null = null;
  private work: Promise<void> = Promise.resolve();
  private burst = { second: 0, count: 0, suspect: 0, quietTimer: null as NodeJS.Timeout | null };

  constructor(
    readonly root: string,
    ignoreSpec: WatchIgnore,
    private readonly settings: HostSettings,
    private readonly out: RootOutput,
  ) {
    this.ignore = compileIgnore(root, ignoreSpec);
  }

  get current(): RootState {
    return this.state;
  }

  /** Subscribes once; problems are reported, never thrown. */
  async start(): Promise<void> {
    this.checkTimer = setInterval(() => this.checkRoot(), this.settings.rootCheckMs);
    const seen = look(this.root);
    if (!seen.ok) return this.gone(seen.reason);
    try {
      this.main = await this.subscribe(this.root);
    } catch (e) {
      let f = classifyParcelError(e);
      if (f.kind === 'gone' && look(this.root).ok) {
        // a folder inside vanished while parcel walked the tree: walk it again
        try {
          this.main = await this.subscribe(this.root);
        } catch (e2) {
          f = classifyParcelError(e2);
          if (f.kind === 'gone' && look(this.root).ok) f = { kind: 'other', reason: f.reason };
        }
      }
      if (!this.main) {
        if (f.kind === 'gone') return this.gone(f.reason);
        this.stopped(f.kind === 'limit' ? 'limit' : 'failed', f.reason);
        return;
      }
    }
    if (this.closed) return void (await this.main.unsubscribe());
    this.identity = seen.id;
    this.state = 'watching';
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.checkTimer) clearInterval(this.checkTimer);
    if (this.folderTimer) clearTimeout(this.folderTimer);
    if (this.burst.quietTimer) clearTimeout(this.burst.quietTimer);
    await this.work.catch(() => {});
    await this.unsubscribeAll();
    this.state = 'closed';
  }

  private subscribe(dir: string): Promise<Subscription> {
    return subscribeTwin(dir, this.settings.backend, this.ignore.parcelIgnore(dir), (err, events, primary) => this.onParcel(dir, err, events, primary));
  }

  private async unsubscribeAll(): Promise<void> {
    const subs = [this.main, ...this.folders.values()].filter((s): s is Subscription => s !== null);
    this.main = null;
    this.folders.clear();
    await Promise.allSettled(subs.map((s) => s.unsubscribe()));
  }

  private limitParams(): Record<string, string | number> {
    const limit = inotifyLimits().maxUserWatches;
    return { root: this.root, limit: limit ?? 'unknown', suggested: suggestedWatchLimit(limit) };
  }

  private ask(reason: ResubscribeReason): void {
    if (this.asked || this.closed) return;
    this.asked = true;
    this.out.resubscribe(reason);
  }

  // ── the root itself ────────────────────────────────────────────────────────────────────────

  private stopped(by: 'limit' | 'failed', reason: string): void {
    this.state = 'stopped';
    this.stoppedBy = by;
    void this.unsubscribeAll();
    if (by === 'limit') this.out.problem('WATCH_LIMIT', this.limitParams(), true, 'stopped');
    else this.out.problem('WATCH_FAILED', { root: this.root, reason }, true, 'stopped');
  }

  /** The root is not the folder it was: stop watching it, and look for it at every check. */
  private gone(reason: string): void {
    this.state = 'stopped';
    this.stoppedBy = 'gone';
    void this.unsubscribeAll();
    // A pulled drive is not a deletion: nothing to rescan until it is back.
    this.out.problem('WATCH_ROOT_GONE', { root: this.root, reason }, false, 'stopped');
  }

  /**
   * Every rootCheckMs: is the root still the folder it was (a pulled drive gives no inotify event)?
   * Can one more folder be watched (past the limit parcel stops reporting even the folders it
   * cannot watch, so events alone do not tell)? A stopped root that is back, or has room again,
   * asks for a fresh subscription.
   */
  private checkRoot(): void {
    if (this.closed) return;
    const seen = look(this.root);
    if (this.state === 'watching' || this.state === 'partial') {
      if (!seen.ok) return this.gone(seen.reason);
      if (this.identity && (seen.id.dev !== this.identity.dev || seen.id.ino !== this.identity.ino)) {
        return this.gone(seen.id.dev !== this.identity.dev ? 'another drive is mounted there' : 'replaced by another folder');
      }
      if (!this.settings.perFolderWatches) return;
      const probe = probeWatch(this.root);
      if (probe === 'limit') this.limitReachedLater();
      else if (probe === 'ok' && this.state === 'partial') this.ask('room');
    } else if (this.state === 'stopped' && seen.ok) {
      if (this.stoppedBy === 'gone') this.ask('back');
      else if (this.stoppedBy === 'limit' && probeWatch(this.root) === 'ok') this.ask('room');
    }
  }

  // ── events ─────────────────────────────────────────────────────────────────────────────────

  private onParcel(dir: string, err: Error | null, events: ParcelEvent[], primary: boolean): void {
    // This runs inside parcel's callback, where an exception would end the process.
    try {
      if (this.closed || this.state === 'stopped') return;
      if (err) return this.onParcelError(err);
      const candidates: ParcelEvent[] = [];
      let selfGone = false;
      for (const e of events) {
        if (e.path === dir && e.type === 'delete') {
          selfGone = true;
          continue;
        }
        if (this.ignore.matches(e.path)) continue;
        this.out.change(e.path, e.type);
        if (this.settings.perFolderWatches && e.type !== 'delete') candidates.push(e);
      }
      // after the changes of the batch, so that the deletions inside it come first
      if (selfGone) {
        if (dir === this.root) this.checkRoot();
        else this.dropFolder(dir);
      }
      if (primary) this.countBurst(events.length);
      if (candidates.length) this.queueFolderCheck(candidates);
    } catch (e) {
      this.stopped('failed', e instanceof Error ? e.message : String(e));
    }
  }

  private onParcelError(err: Error): void {
    const f = classifyParcelError(err);
    if (f.kind === 'gone') return this.checkRoot();
    // After an error parcel drops the subscription's callbacks.
    if (f.kind === 'overflow') {
      this.state = 'stopped';
      this.stoppedBy = 'failed';
      void this.unsubscribeAll();
      this.out.problem('WATCH_OVERFLOW', { root: this.root, reason: f.reason }, true, 'stopped');
      this.ask('overflow');
    } else this.stopped(f.kind === 'limit' ? 'limit' : 'failed', f.reason);
  }

  /** Linux gives no overflow signal through parcel: a burst this large may have lost events. */
  private countBurst(n: number): void {
    if (!this.settings.perFolderWatches) return;
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.burst.second) this.burst = { ...this.burst, second, count: 0 };
    this.burst.count += n;
    if (this.burst.count >= this.settings.overflowBurst) this.burst.suspect = Math.max(this.burst.suspect, this.burst.count);
    if (!this.burst.suspect) return;
    if (this.burst.quietTimer) clearTimeout(this.burst.quietTimer);
    this.burst.quietTimer = setTimeout(() => {
      const count = this.burst.suspect;
      this.burst.suspect = 0;
      this.burst.quietTimer = null;
      if (this.closed || this.state === 'stopped') return;
      this.out.problem('WATCH_OVERFLOW', { root: this.root, reason: `${count} changes within one second; Linux does not tell whether the kernel dropped some` }, true, this.state);
    }, BURST_QUIET_MS);
  }

  // ── new folders (inotify) ──────────────────────────────────────────────────────────────────

  private queueFolderCheck(events: ParcelEvent[]): void {
    for (const e of events) if (this.pendingFolders.get(e.path) !== 'create') this.pendingFolders.set(e.path, e.type);
    this.folderTimer ??= setTimeout(() => {
      this.folderTimer = null;
      const batch = [...this.pendingFolders];
      this.pendingFolders.clear();
      this.work = this.work.then(() => this.coverNewFolders(batch)).catch((e: unknown) => {
        this.out.problem('WATCH_FAILED', { root: this.root, reason: e instanceof Error ? e.message : String(e) }, true, this.state);
      });
    }, FOLDER_SETTLE_MS);
  }

  private async coverNewFolders(paths: [string, ChangeKind][]): Promise<void> {
    const found: string[] = [];
    const now = Date.now();
    for (let i = 0; i < paths.length; i++) {
      const [p, kind] = paths[i] as [string, ChangeKind];
      const st = lstatSync(p, { throwIfNoEntry: false });
      // An `update` of a folder is new only when parcel merged a delete and a create (a file
      // replaced by a folder); a chmod of an old folder must not walk its whole subtree.
      if (st?.isDirectory() && (kind === 'create' || st.birthtimeMs > now - NEW_FOLDER_MS)) found.push(p);
      if (i % 2000 === 1999) await yieldToLoop();
    }
    for (const [p, t] of this.seenFolders) if (now - t > SEEN_FOLDER_MS) this.seenFolders.delete(p);
    for (const dir of found) this.seenFolders.set(dir, now);
    for (const dir of found) {
      if (this.closed || this.state === 'stopped') return;
      await this.coverFolder(dir);
    }
    if (found.length && this.state === 'watching' && probeWatch(this.root) === 'limit') this.limitReachedLater();
  }

  /**
   * A folder parcel reported as new. Parcel watches it from now on, but never reports what it held
   * already, and never watches a subfolder that was already there. So: its files are reported from
   * a listing; subfolders parcel reported too get their own turn; any other subfolder is watched
   * through a subscription on this folder, then walked and reported whole.
   */
  private async coverFolder(dir: string): Promise<void> {
    const ignored = (p: string): boolean => this.ignore.matches(p);
    const { files, folders } = await listFolder(dir, ignored);
    const unseen = folders.filter((f) => !this.seenFolders.has(f));
    if (unseen.length && !this.folders.has(dir) && !this.coveredBySubscription(dir)) {
      if (this.folders.size >= MAX_FOLDER_SUBSCRIPTIONS) this.ask('consolidate');
      else {
        try {
          const sub = await this.subscribe(dir);
          if (this.closed) return void (await sub.unsubscribe());
          this.folders.set(dir, sub);
        } catch (e) {
          if (classifyParcelError(e).kind === 'limit') this.limitReachedLater();
          // otherwise the folder went away meanwhile, and its parent's events say so
        }
      }
    }
    for (const f of files) this.out.change(f, 'create');
    const now = Date.now();
    for (const sub of unseen) {
      // walked once its subscription is in place: nothing created in between can slip through
      const contents = await walkFolder(sub, ignored);
      if (this.closed) return;
      this.out.change(sub, 'create');
      for (const f of contents.folders) {
        this.seenFolders.set(f, now);
        this.out.change(f, 'create');
      }
      for (const f of contents.files) this.out.change(f, 'create');
    }
  }

  /** A folder below one that has its own subscription: that one watches it whole. */
  private coveredBySubscription(dir: string): boolean {
    for (const f of this.folders.keys()) if (dir.startsWith(f + sep)) return true;
    return false;
  }

  private dropFolder(dir: string): void {
    const sub = this.folders.get(dir);
    if (!sub) return;
    this.folders.delete(dir);
    void sub.unsubscribe();
  }

  /** New folders can no longer be watched: say so; what is watched stays watched. */
  private limitReachedLater(): void {
    if (this.state !== 'watching') return;
    this.state = 'partial';
    this.out.problem('WATCH_LIMIT', this.limitParams(), true, 'partial');
  }
}
