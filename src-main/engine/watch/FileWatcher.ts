// Watches the backed-up folders and hands out changes in batches, and problems, through one
// listener. @parcel/watcher runs in a watch host process that is replaced whenever a root needs a
// fresh subscription (README.md says why, and what can still be missed).
import { isAbsolute, resolve } from 'node:path';
import { HavreError } from '../errors/index.js';
import { ChangeBatch } from './batch.js';
import { HostProcess } from './hostProcess.js';
import { defaultOverflowBurst, parcelBackend, perFolderWatches } from './platform.js';
import type { FromHost, HostSettings } from './protocol.js';
import type { RootState, RootStatus, WatchErrorCode, WatchEvent, WatchListener, WatchOptions } from './types.js';

const MAX_RETRY_MS = 30 * 60_000;
/** Requests for a fresh host are gathered this long (a drive holding two roots comes back at once). */
const REPLACE_DEBOUNCE_MS = 500;

type Problem = Extract<FromHost, { type: 'problem' }>;

export class FileWatcher {
  private host: HostProcess | null = null;
  /** a host being started to replace `host`; its changes count, its problems wait for the switch */
  private next: HostProcess | null = null;
  private nextProblems: Problem[] = [];
  private readonly states = new Map<string, RootState>();
  private readonly lastProblem = new Map<string, string>();
  private readonly batch: ChangeBatch;
  private readonly settings: HostSettings;
  private readonly roots: string[];
  private readonly ignore: { paths: string[]; globs: string[] };
  private readonly retryMs: number;
  private retryDelay: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private replaceTimer: NodeJS.Timeout | null = null;
  private replacing: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly options: WatchOptions,
    private readonly listener: WatchListener,
  ) {
    this.batch = new ChangeBatch(options.batchMs ?? 20, (changes) => this.emit({ type: 'changes', changes }));
    this.settings = {
      backend: parcelBackend(),
      perFolderWatches: perFolderWatches(),
      rootCheckMs: options.rootCheckMs ?? 5000,
      overflowBurst: options.overflowBurst ?? defaultOverflowBurst(),
    };
    this.roots = [...new Set(options.roots.map((r) => resolve(r)))];
    this.ignore = { paths: [...(options.ignore?.paths ?? [])], globs: [...(options.ignore?.globs ?? [])] };
    this.retryMs = options.retryMs ?? 60_000;
    this.retryDelay = this.retryMs;
  }

  /**
   * Starts watching every root. Resolves once each root is watched or stopped (a stopped root has
   * had its problem reported and is retried on its own); rejects only if the watch process itself
   * cannot start. Run the start-up reconcile scan after this resolves: earlier changes are not reported.
   */
  static async start(options: WatchOptions, listener: WatchListener): Promise<FileWatcher> {
    for (const r of options.roots) if (!isAbsolute(r)) throw new TypeError(`watch: roots must be absolute paths (got "${r}")`);
    const w = new FileWatcher(options, listener);
    const host = w.spawn();
    w.host = host;
    let states;
    try {
      states = await host.start({ roots: w.roots, ignore: w.ignore, settings: w.settings });
    } catch (e) {
      host.kill();
      throw new HavreError('WATCH_FAILED', { root: w.roots.join(', '), reason: e instanceof Error ? e.message : String(e) }, { cause: e });
    }
    for (const r of w.roots) w.states.set(r, states[r] ?? 'stopped');
    return w;
  }

  status(): RootStatus[] {
    return this.roots.map((root) => ({ root, state: this.closed ? 'closed' : (this.states.get(root) ?? 'stopped') }));
  }

  /** Stops everything: no event is delivered once this resolves, and nothing is left running. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of [this.retryTimer, this.replaceTimer]) if (t) clearTimeout(t);
    this.batch.clear();
    await this.replacing?.catch(() => {});
    await Promise.all([this.host?.close(), this.next?.close()]);
    this.host = this.next = null;
  }

  // ── hosts ──────────────────────────────────────────────────────────────────────────────────

  private spawn(): HostProcess {
    return new HostProcess(
      (host, m) => this.onHostMessage(host, m),
      (host, why) => this.onHostExit(host, why),
    );
  }

  private scheduleReplace(delay = REPLACE_DEBOUNCE_MS): void {
    if (this.closed || this.replaceTimer || this.replacing) return;
    this.replaceTimer = setTimeout(() => {
      this.replaceTimer = null;
      this.replacing = this.replaceHost().finally(() => (this.replacing = null));
    }, delay);
  }

  /** A new host subscribes every root while the old one still reports; then the old one goes. So a
   *  root that was watched has no gap, and one that was stopped comes back with `rescan: true`. */
  private async replaceHost(): Promise<void> {
    const next = this.spawn();
    this.next = next;
    this.nextProblems = [];
    let states: Record<string, RootState>;
    try {
      states = await next.start({ roots: this.roots, ignore: this.ignore, settings: this.settings });
    } catch (e) {
      next.kill();
      this.next = null;
      if (this.closed) return;
      // The old host, if any, goes on watching what it watched; try again later.
      if (this.host) this.scheduleRetry();
      else this.hostDown(e instanceof Error ? e.message : String(e));
      return;
    }
    if (this.closed) return void (await next.close());
    const old = this.host;
    this.host = next;
    this.next = null;
    this.batch.flush();
    let stillStopped = false;
    for (const root of this.roots) {
      const was = this.states.get(root) ?? 'stopped';
      const now = states[root] ?? 'stopped';
      this.states.set(root, now);
      if (now === 'stopped') stillStopped = true;
      else if (was !== now && now === 'watching') {
        // back from stopped or partial: what changed meanwhile was not (or not all) reported
        this.lastProblem.delete(root);
        this.emit({ type: 'state', root, state: now, rescan: true });
      }
    }
    for (const p of this.nextProblems) this.onProblem(p);
    this.nextProblems = [];
    if (!stillStopped) this.retryDelay = this.retryMs;
    await old?.close();
  }

  private onHostMessage(host: HostProcess, m: FromHost): void {
    if (this.closed || (host !== this.host && host !== this.next)) return;
    if (m.type === 'changes') {
      const keep = this.options.ignore?.predicate;
      for (const [path, kind] of m.changes) if (!keep?.(path)) this.batch.add(path, kind);
    } else if (m.type === 'problem') {
      if (host === this.next) this.nextProblems.push(m);
      else this.onProblem(m);
    } else if (m.type === 'resubscribe' && host === this.host) {
      if (m.reason !== 'room') return this.scheduleReplace();
      // Room for one watch may not be room for a whole tree: a crawl each time, so back off.
      this.scheduleReplace(this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_MS);
    }
  }

  private onHostExit(host: HostProcess, why: string): void {
    if (this.closed || host !== this.host) return;
    this.host = null;
    this.hostDown(`the watch process ended (${why})`);
  }

  /** No host is watching: every root is stopped, and a new host is tried later. */
  private hostDown(reason: string): void {
    for (const root of this.roots) {
      if (this.states.get(root) === 'stopped') continue;
      this.onProblem({ type: 'problem', root, code: 'WATCH_FAILED', params: { root, reason }, rescan: true, state: 'stopped' });
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_MS);
      this.scheduleReplace(0);
    }, this.retryDelay);
  }

  // ── problems ───────────────────────────────────────────────────────────────────────────────

  private onProblem(p: Problem): void {
    this.states.set(p.root, p.state);
    // The host looks for room itself (WATCH_LIMIT); a failure is retried from here.
    const retries = p.code === 'WATCH_FAILED' && p.state === 'stopped';
    // A fresh host reports again what is still true (a root still gone): say it once.
    const key = `${p.code} ${p.state}`;
    if (p.code !== 'WATCH_OVERFLOW' && this.lastProblem.get(p.root) === key) {
      if (retries) this.scheduleRetry();
      return;
    }
    this.lastProblem.set(p.root, key);
    this.batch.flush(); // changes gathered so far come before the problem
    this.emit({ type: 'problem', root: p.root, error: new HavreError(p.code, p.params) as HavreError & { code: WatchErrorCode }, rescan: p.rescan, state: p.state });
    if (retries) this.scheduleRetry();
  }

  private emit(event: WatchEvent): void {
    if (!this.closed) this.listener(event);
  }
}
