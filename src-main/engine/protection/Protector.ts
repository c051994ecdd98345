import { homedir } from 'node:os';
import type { FailedFile, IpcError, PauseRequest, PauseState, ProtectionStatus, Settings } from '../../ipc/contract.js';
import { Catalog, type ChangeRow, type SnapshotRow } from '../catalog/index.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { runBackup, type BackupResult, type JobProgress } from '../jobs/index.js';
import { isInside } from '../jobs/backup/sources.js';
import { unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { LocalLock, Repository } from '../repo/index.js';
import { ipcError, managedSources, type Policy } from '../policy/index.js';
import { Exclusions, loadEffectiveSettings, settingsPath } from '../settings/index.js';
import { changed, DEFAULT_RHYTHM, type RhythmRules } from './ChangeRhythm.js';
import { readConditions } from './conditions.js';
import { pauseState, uploadRate, userPauseFor, type Conditions } from './gates.js';
import { lowerPriority } from './priority.js';
import type { Throttle } from '../net/index.js';
import { pauseFile, readUserPause, writeUserPause } from './pauseFile.js';
import { settleRun } from './settle.js';
import { buildStatus, failedFiles } from './status.js';

/** A path the watcher saw change (its size when it knows it). */
export interface ChangeEvent {
  readonly path: string;
  readonly size?: number | null;
}

/** How the watcher reaches protection (watch/ implements the source). Events are hints, never the truth. */
export interface ChangeListener {
  changes(events: readonly ChangeEvent[]): void;
  /** Events were lost (the kernel's queue overflowed): a full scan is needed. */
  overflow(): void;
  /** Something the user should know about `root`; `scanOnly`: it is not (fully) watched any more, periodic scans take over. */
  problem(error: HavreError, root: string, scanOnly: boolean): void;
  /** `root` is watched again: its problems are over. */
  recovered(root: string): void;
}

export interface ChangeSource {
  start(roots: readonly string[], exclusions: Exclusions, listener: ChangeListener): Promise<void>;
  close(): Promise<void>;
}

/** Where backups run: the app's engine or `havre daemon` opens the repository on its targets. */
export interface BackupHost {
  /** One write job on the repository (opened, locked, every copy caught up afterwards). */
  run<T>(job: (repo: Repository) => Promise<T>): Promise<T>;
  /** Stops transfers in progress at once (a pause): connections are closed and reopened next run. */
  interrupt(): void;
  /** The targets' names, primary first. */
  targetNames(): readonly string[];
}

export interface RunReport {
  /** "auto-N": the id its progress events carry. */
  readonly jobId: string;
  readonly kind: 'scan' | 'changes';
  /** Asked for by the user ("back up now"), not started by a change or the schedule. */
  readonly requested: boolean;
  readonly paths: number;
  readonly result?: BackupResult;
  readonly error?: HavreError;
  readonly durationMs: number;
}

export interface ProtectorOptions {
  readonly home: string;
  readonly repoId: string;
  readonly host: BackupHost;
  readonly userHome?: string;
  /** The watcher; absent: scans only. */
  readonly watcher?: () => ChangeSource;
  readonly conditions?: () => Promise<Conditions>;
  readonly rules?: RhythmRules;
  /** Wall clock (ms since the epoch, stored in the queue) and a monotonic one (timers). */
  readonly clock?: { now(): number; mono(): number };
  /** The upload limit every target sends through: its rate follows the settings and the time of day. */
  readonly upload?: Throttle;
  /** Lower this process's CPU and I/O priority as the settings say (off in tests that share the process). */
  readonly managePriority?: boolean;
  readonly onStatus?: (s: ProtectionStatus) => void;
  readonly onProgress?: (jobId: string, p: JobProgress) => void;
  readonly onRun?: (r: RunReport) => void;
  /** The settings or IT's policy were (re)read and applied: at start and after each change. */
  readonly onPolicy?: (policy: Policy) => void;
}

/** More due paths than this, and one full scan is cheaper than a list of changes. */
const MAX_CHANGES_PER_RUN = 20_000;
/** Conditions (battery, network, window) are looked at again at least this often. */
const RECHECK_MS = 30_000;
/** After a failed run (repository away, locked keychain...), the next try waits this long, doubling. */
const FAILED_RUN_RETRY_MS = [5_000, 30_000, 60_000, 5 * 60_000, 15 * 60_000];
/** Errors that mean the repository cannot be reached (a USB drive unplugged, no network to the bucket). */
const AWAY_CODES = new Set(['REPO_NOT_FOUND', 'STORE_UNAVAILABLE', 'TARGETS_UNREACHABLE', 'APPLIANCE_UNREACHABLE', 'S3_UNREACHABLE']);
/** How often protection looks again for a repository that could not be reached. */
const AWAY_RETRY_MS = 30_000;
/** How often the upload limit is set again from the bandwidth rules (they change with the time of day). */
const RATE_EVERY_MS = 30_000;
/** How often the pause, settings and policy files are looked at. */
const FILE_POLL_MS = 1000;
/** A policy that is not a file (the Windows registry) is read again this often; files are watched. */
const POLICY_RECHECK_MS = 5 * 60_000;
/** A timer that fires this much later than asked means the machine slept: scan what changed meanwhile. */
const SLEEP_GAP_MS = 60_000;
/** While no watcher covers a folder, changes are found by scans only: at least this often. */
const SCAN_ONLY_INTERVAL_MINUTES = 15;

const realClock = { now: () => Date.now(), mono: () => performance.now() };

/**
 * Continuous protection (issue 5, docs/ARCHITECTURE.md): watcher events and scans feed the durable
 * queue in the catalog; when a path is due and the laptop rules allow it, a backup of just the
 * changed paths runs (a full scan at start-up, after the watcher lost events, after sleep, on
 * settings changes and every `scanIntervalMinutes`). One job at a time; a pause stops the one
 * running, its upload included.
 */
export class Protector {
  private readonly rules: RhythmRules;
  private readonly clock: { now(): number; mono(): number };
  private queue: Catalog | null = null;
  private watcher: ChangeSource | null = null;
  private settings: Settings | null = null;
  /** IT's machine policy, read with the settings and again when either changes (a backup needs its antivirus part). */
  private policy: Policy | null = null;
  private policyFiles: string[] = [];
  private policyTimer: NodeJS.Timeout | null = null;
  /** Work that needs the repository alone (retention's forget and prune): no backup starts meanwhile. */
  private holding: Promise<void> | null = null;
  private exclusions: Exclusions | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private stopped = true;
  private running: { kind: 'scan' | 'changes'; abort: AbortController; done: Promise<void> } | null = null;
  private lock: LocalLock | null = null;
  private nextRun = 1;
  private forceScan = false;
  private scanDueMono = 0;
  /** Set when the watcher could not start at all. */
  private scanOnly = false;
  private pause: PauseState | null = null;
  private lastWall = 0;
  private lastMono = 0;
  private failedRuns = 0;
  private retryAtMono = 0;
  private lastRunError: IpcError | null = null;
  /** The repository could not be reached at the last run: protection waits for it. */
  private away = false;
  private rateTimer: NodeJS.Timeout | null = null;
  /** The watcher's problems per root ("code:root"), and whether that root is left to scans. */
  private readonly watchProblems = new Map<string, { error: IpcError; root: string; scanOnly: boolean }>();
  private readonly unavailable = new Set<string>();

  constructor(private readonly opts: ProtectorOptions) {
    this.rules = opts.rules ?? DEFAULT_RHYTHM;
    this.clock = opts.clock ?? realClock;
  }

  /** Starts protecting; DAEMON_RUNNING when the app or `havre daemon` already protects this account. */
  async start(): Promise<void> {
    try {
      this.lock = await LocalLock.acquire(join(this.opts.home, 'protection.lock'), 'continuous protection');
    } catch (e) {
      if (isHavreError(e, 'LOCKED_BY_PROCESS')) throw new HavreError('DAEMON_RUNNING', { pid: String(e.params.holder ?? 'unknown') }, { cause: e });
      throw e;
    }
    this.queue = Catalog.open(Repository.catalogFile(this.opts.home, this.opts.repoId));
    this.stopped = false;
    await this.applySettings();
    // `havre pause` and `havre settings set` in a terminal reach a running daemon or app through
    // these files: polled each second (fs.watch misses atomic renames on some systems).
    watchFile(pauseFile(this.opts.home), { interval: FILE_POLL_MS }, this.onPauseFile);
    watchFile(settingsPath(this.opts.home), { interval: FILE_POLL_MS }, this.onSettingsFile);
    // IT's policy takes effect without a restart: its files are watched like the settings.
    this.policyFiles = managedSources().flatMap((s) => (s.path !== undefined ? [s.path] : []));
    for (const f of this.policyFiles) watchFile(f, { interval: FILE_POLL_MS }, this.onSettingsFile);
    this.policyTimer = setInterval(this.onSettingsFile, POLICY_RECHECK_MS);
    this.policyTimer.unref?.();
    await this.refreshPause(); // the first status already says whether protection is paused
    this.rateTimer = setInterval(() => this.applyRate(), RATE_EVERY_MS);
    this.rateTimer.unref?.();
    this.tick(0);
  }

  private applyRate(): void {
    if (this.settings && this.opts.upload) this.opts.upload.setRate(uploadRate(new Date(this.clock.now()), this.settings));
  }

  private readonly onPauseFile = (): void => {
    void this.refreshPause().then(() => this.tick(0), () => undefined);
  };

  private readonly onSettingsFile = (): void => {
    void this.settingsChanged().catch((e: unknown) => {
      if (isHavreError(e)) this.lastRunError = ipcError(e); // a damaged settings file: said, the old settings go on
      this.emitStatus();
    });
  };

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.rateTimer) clearInterval(this.rateTimer);
    this.rateTimer = null;
    unwatchFile(pauseFile(this.opts.home), this.onPauseFile);
    unwatchFile(settingsPath(this.opts.home), this.onSettingsFile);
    for (const f of this.policyFiles) unwatchFile(f, this.onSettingsFile);
    this.policyFiles = [];
    if (this.policyTimer) clearInterval(this.policyTimer);
    this.policyTimer = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running?.abort.abort('Havre is stopping');
    await this.running?.done;
    await this.watcher?.close().catch(() => undefined);
    this.watcher = null;
    this.queue?.close();
    this.queue = null;
    await this.lock?.release();
    this.lock = null;
  }

  /**
   * Settings or policy changed: watch the new folders and scan them all once (nothing when neither
   * really changed).
   */
  async settingsChanged(): Promise<void> {
    if (this.stopped) return;
    const read = await loadEffectiveSettings(this.opts.home, this.opts.userHome ?? homedir());
    const policy = read.policy.policy;
    if (JSON.stringify([read.view.values, policy.antivirus ?? null]) !== JSON.stringify([this.settings, this.policy?.antivirus ?? null])) {
      await this.applySettings(read);
      this.tick(0);
    } else if (JSON.stringify(policy) !== JSON.stringify(this.policy)) {
      // A part of the policy protection does not use itself (cloud copies, retention): said, no rescan.
      this.policy = policy;
      this.opts.onPolicy?.(policy);
    }
  }

  /**
   * Runs `work` with the repository to itself: waits for the backup in progress, and no backup
   * starts until `work` ends. Retention's forget and prune take the repository's lock, which a
   * backup starting meanwhile would find taken, and count as a failure.
   */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.running || this.holding) await (this.running?.done ?? this.holding);
    let release!: () => void;
    this.holding = new Promise<void>((r) => (release = r));
    try {
      return await work();
    } finally {
      this.holding = null;
      release();
      this.tick(0);
    }
  }

  async pauseFor(req: PauseRequest): Promise<ProtectionStatus> {
    await writeUserPause(this.opts.home, userPauseFor(req, new Date(this.clock.now())));
    await this.refreshPause();
    return this.status();
  }

  async resume(): Promise<ProtectionStatus> {
    await writeUserPause(this.opts.home, null);
    await this.refreshPause();
    this.tick(0);
    return this.status();
  }

  /**
   * "Back up now": a full scan at once (after the run in progress, if any), whatever the window,
   * the battery or a pause say: the user asked. Returns the id its progress events will carry.
   */
  backupNow(): string {
    this.forceScan = true;
    this.tick(0, true);
    return `auto-${this.nextRun}`;
  }

  status(): ProtectionStatus {
    const q = this.queue;
    const away = [...this.unavailable].map((p) => ipcError(new HavreError('FOLDER_UNAVAILABLE', { path: p, reason: 'not found' })));
    const warnings = [...[...this.watchProblems.values()].map((p) => p.error), ...away, ...(this.lastRunError ? [this.lastRunError] : [])];
    return buildStatus({
      catalog: q, rules: this.rules, now: this.clock.now(), targets: this.opts.host.targetNames(),
      mode: !this.settings?.continuous ? 'off' : this.scansOnly() ? 'scan-only' : 'watching',
      activity: this.running ? (this.running.kind === 'scan' ? 'scanning' : 'backing-up') : this.pause ? 'paused' : null,
      // Waiting for the repository (a drive to plug in) reads as a pause with its reason, not as a failure of the files.
      pause: this.pause ?? (this.away ? { reason: 'target-away', until: null } : null), warnings,
    });
  }

  /** The newest snapshot the catalog knows, and why the last run failed (null after a success). */
  latest(): { snapshot: SnapshotRow | null; lastError: IpcError | null } {
    return { snapshot: this.queue?.listSnapshots().at(-1) ?? null, lastError: this.lastRunError };
  }

  failures(): FailedFile[] {
    return this.queue ? failedFiles(this.queue.changes.failures(this.rules.failedAfter), this.rules) : [];
  }

  /** Paths the watcher (or anything else) saw change. */
  noteChanges(events: readonly ChangeEvent[]): void {
    const q = this.queue;
    if (!q || events.length === 0) return;
    const now = this.clock.now();
    const ex = this.exclusions;
    const roots = this.settings?.folders ?? [];
    const kept = events.filter((e) => {
      const root = roots.find((r) => isInside(e.path, r));
      return root !== undefined && !(ex?.excludesPath(e.path, false, root) ?? false);
    });
    const sizes = new Map(kept.map((e) => [e.path, e.size ?? null]));
    q.changes.update([...sizes.keys()], (path, row) => changed(path, row, now, sizes.get(path) ?? null, this.rules));
    const next = q.changes.nextDue();
    if (next !== null) this.tick(Math.max(0, next - now));
  }

  // ---- the loop ----------------------------------------------------------------------------

  private async applySettings(read?: Awaited<ReturnType<typeof loadEffectiveSettings>>): Promise<void> {
    const { view, policy } = read ?? await loadEffectiveSettings(this.opts.home, this.opts.userHome ?? homedir());
    this.settings = view.values;
    this.policy = policy.policy;
    this.opts.onPolicy?.(policy.policy);
    this.exclusions = new Exclusions(view.values, { home: this.opts.userHome ?? homedir() });
    this.applyRate();
    if (this.opts.managePriority && view.values.cpuPriority !== 'normal') lowerPriority();
    this.scanDueMono = 0; // new folders or rules: everything is looked at once
    await this.watcher?.close().catch(() => undefined);
    this.watcher = null;
    this.watchProblems.clear();
    this.scanOnly = false;
    if (view.values.continuous && this.opts.watcher && view.values.folders.length > 0) {
      const w = this.opts.watcher();
      this.watcher = w;
      try {
        await w.start(view.values.folders, this.exclusions, {
          changes: (events) => this.noteChanges(events),
          overflow: () => {
            this.scanDueMono = 0;
            this.tick(0);
          },
          problem: (error, root, scanOnly) => {
            for (const [key, p] of this.watchProblems) if (p.root === root) this.watchProblems.delete(key); // the newest says it
            this.watchProblems.set(`${error.code}:${root}`, { error: ipcError(error), root, scanOnly });
            this.scanDueMono = 0; // whatever the watcher missed, a scan finds
            this.tick(0);
            this.emitStatus();
          },
          recovered: (root) => {
            let had = false;
            for (const [key, p] of this.watchProblems) if (p.root === root) had = this.watchProblems.delete(key);
            if (had) this.emitStatus();
          },
        });
      } catch (e) {
        if (!isHavreError(e)) throw e;
        this.watchProblems.set(e.code, { error: ipcError(e), root: '', scanOnly: true });
        this.scanOnly = true;
      }
    }
  }

  /** Changes are found by scans only: no watcher, or one that cannot watch (all of) a folder. */
  private scansOnly(): boolean {
    return !this.opts.watcher || this.scanOnly || [...this.watchProblems.values()].some((p) => p.scanOnly);
  }

  /** The safety-net scan's period; shorter while scans are the only way changes are found. */
  private scanIntervalMs(settings: Settings): number {
    const minutes = settings.scanIntervalMinutes;
    return (this.scansOnly() && this.settings?.continuous ? Math.min(minutes, SCAN_ONLY_INTERVAL_MINUTES) : minutes) * 60_000;
  }

  /** (Re)arms the timer `delayMs` from now, unless it is already due sooner. */
  private tick(delayMs: number, soon = false): void {
    if (this.stopped) return;
    const at = this.clock.mono() + delayMs;
    if (this.timer && this.timerDue <= at && !soon) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.step().catch((e: unknown) => {
        console.error('havre protection: unexpected error:', e);
        this.tick(RECHECK_MS);
      });
    }, Math.max(0, delayMs));
    this.timer.unref?.();
  }

  private async refreshPause(): Promise<PauseState | null> {
    const conditions = await (this.opts.conditions ?? (() => readConditions()))();
    const user = await readUserPause(this.opts.home);
    if (this.stopped) return null;
    const prev = this.pause;
    this.pause = this.settings ? pauseState(new Date(this.clock.now()), this.settings, user, conditions) : null;
    // A pause that begins stops the job running now, its upload included.
    if (this.pause && this.running) {
      this.running.abort.abort(`paused: ${this.pause.reason}`);
      this.opts.host.interrupt();
    }
    if (JSON.stringify(prev) !== JSON.stringify(this.pause)) this.emitStatus();
    return this.pause;
  }

  private async step(): Promise<void> {
    const q = this.queue;
    if (this.stopped || !q || !this.settings) return;
    this.noticeClockJumps();
    if (this.running || this.holding) return; // its end ticks again
    const force = this.forceScan;
    const pause = await this.refreshPause();
    if (this.stopped || this.running || this.holding) return; // stopped, or a run began, while we looked
    if (pause && !force) {
      const until = pause.until ? Date.parse(pause.until) - this.clock.now() : RECHECK_MS;
      this.tick(Math.min(Math.max(until, 1000), RECHECK_MS));
      return;
    }
    const mono = this.clock.mono();
    if (!force && mono < this.retryAtMono) {
      this.tick(this.retryAtMono - mono);
      return;
    }
    const now = this.clock.now();
    q.changes.clampDue(now + this.rules.maxAheadMs, now);
    q.changes.prune(now - this.rules.keepMs);
    const scan = force || mono >= this.scanDueMono;
    const due = scan ? [] : q.changes.due(now, MAX_CHANGES_PER_RUN + 1);
    if (!scan && due.length === 0) {
      const next = q.changes.nextDue();
      const untilScan = this.scanDueMono - mono;
      this.tick(Math.min(next === null ? Infinity : Math.max(0, next - now), untilScan, RECHECK_MS));
      this.emitStatus();
      return;
    }
    const full = scan || due.length > MAX_CHANGES_PER_RUN;
    this.forceScan = false;
    await this.runOnce(full ? 'scan' : 'changes', full ? null : due, force);
    this.tick(0);
  }

  private async runOnce(kind: 'scan' | 'changes', due: ChangeRow[] | null, requested: boolean): Promise<void> {
    const q = this.queue!;
    const settings = this.settings!;
    const abort = new AbortController();
    const jobId = `auto-${this.nextRun++}`;
    const takenAt = this.clock.now();
    const t0 = this.clock.mono();
    // Files changed but not quiet yet are not read (their previous version stays), whatever the folder listing finds.
    const heldBack = new Set(q.changes.pending(MAX_CHANGES_PER_RUN).filter((r) => r.dueMs > takenAt).map((r) => r.path));
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    this.running = { kind, abort, done };
    if (kind === 'scan') this.scanDueMono = t0 + this.scanIntervalMs(settings);
    this.emitStatus();
    try {
      if (settings.folders.length === 0) throw new HavreError('NOTHING_TO_PROTECT');
      const result = await this.opts.host.run((repo) => runBackup(repo, {
        paths: settings.folders, home: this.opts.home, exclusions: this.exclusions!, continuous: true, tags: ['continuous'], signal: abort.signal,
        antivirusPolicy: this.policy?.antivirus ?? null,
        ...(due ? { changedPaths: due.map((r) => r.path) } : {}), holdBack: heldBack,
        ...(this.opts.onProgress ? { onProgress: (p: JobProgress) => this.opts.onProgress!(jobId, p) } : {}),
      }));
      if (this.stopped) return; // stopped while it ran: the queue is closed, and its rows stay pending
      const unavailable = result.problems.filter((p) => p.kind === 'unavailable').map((p) => p.path);
      this.unavailable.clear();
      for (const p of unavailable) this.unavailable.add(p);
      const rows = due ?? q.changes.pending(Number.MAX_SAFE_INTEGER);
      const settled = settleRun({ takenAt, now: this.clock.now(), rows, problems: result.problems, unavailable, heldBack },
        (p) => q.changes.get(p), this.rules);
      q.changes.put(settled);
      this.failedRuns = 0;
      this.lastRunError = null;
      this.away = false;
      this.opts.onRun?.({ jobId, kind, requested, paths: due?.length ?? rows.length, result, durationMs: this.clock.mono() - t0 });
    } catch (e) {
      // A pause or a stop aborted the run: whatever surfaced first (a cut upload...), it was a cancellation.
      const err = abort.signal.aborted ? new HavreError('JOB_CANCELLED', { reason: String(abort.signal.reason) })
        : isHavreError(e) ? e : new HavreError('INTERNAL', { reason: e instanceof Error ? e.message : String(e) });
      if (!isHavreError(e) && !abort.signal.aborted) console.error('havre protection: unexpected error in a backup:', e);
      if (kind === 'scan') this.scanDueMono = 0; // the scan did not happen: it is still owed
      if (err.code !== 'JOB_CANCELLED') {
        this.away = AWAY_CODES.has(err.code);
        this.lastRunError = ipcError(err);
        // A drive plugged back in should be used soon: looking for it is cheap. Other failures back off.
        const wait = this.away ? AWAY_RETRY_MS : FAILED_RUN_RETRY_MS[Math.min(this.failedRuns, FAILED_RUN_RETRY_MS.length - 1)]!;
        this.retryAtMono = this.clock.mono() + wait;
        this.failedRuns++;
      }
      this.opts.onRun?.({ jobId, kind, requested, paths: due?.length ?? 0, error: err, durationMs: this.clock.mono() - t0 });
    } finally {
      this.running = null;
      finish();
      this.emitStatus();
    }
  }

  /** Sleep (the wall clock ran on while the monotonic one stood still) or a clock set back. */
  private noticeClockJumps(): void {
    const wall = this.clock.now();
    const mono = this.clock.mono();
    if (this.lastMono > 0) {
      const drift = wall - this.lastWall - (mono - this.lastMono);
      if (drift > SLEEP_GAP_MS) this.scanDueMono = 0; // slept: the watcher may have missed things
      if (drift < -SLEEP_GAP_MS) this.queue?.changes.clampDue(wall + this.rules.maxAheadMs, wall);
    }
    this.lastWall = wall;
    this.lastMono = mono;
  }

  private lastEmitted = '';

  /** Tells the host when the status changed (not on every timer). */
  private emitStatus(): void {
    if (!this.opts.onStatus || !this.queue) return;
    const s = this.status();
    const text = JSON.stringify(s);
    if (text === this.lastEmitted) return;
    this.lastEmitted = text;
    this.opts.onStatus(s);
  }
}
