import { homedir } from 'node:os';
import type { CancelResult, EngineApi, EngineEvent, EngineStatus, FailedFile, IpcError, JobKind, JobProgress as IpcProgress, JobRef, JobSummary,
  PauseRequest, ProtectionStatus, RestoreRequest, Settings, SettingsView, SnapshotLsRequest, SnapshotSummary, TreeEntry } from '../../ipc/contract.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { readHomeConfig, repoLocation, type HomeConfig } from '../home/homeConfig.js';
import { runBackup, runRestore, type JobProgress } from '../jobs/index.js';
import { openOsKeychainOrReason } from '../keychain/index.js';
import { Protector, type ChangeSource, type RunReport } from '../protection/index.js';
import { findNode, nodeMtimeIso, type Credentials, type Repository } from '../repo/index.js';
import { Exclusions, loadSettings, updateSettings } from '../settings/index.js';
import { openTargets, targetNames, withTargets, type OpenedTargets } from '../targets/index.js';
import { isApplianceRef } from '../home/homeConfig.js';
import { Throttle } from '../net/index.js';

function toIpcError(e: unknown): IpcError {
  // Unexpected errors go to the engine process's log (stderr) with their stack, never over IPC.
  if (!isHavreError(e)) console.error('havre engine: unexpected error:', e);
  const err = isHavreError(e) ? e : new HavreError('INTERNAL', { reason: 'unexpected failure' });
  return { code: err.code, message: err.userMessage('en'), messageFr: err.userMessage('fr') };
}

export interface EngineServiceOptions {
  readonly home: string;
  readonly credentials: () => Promise<Credentials>;
  /** Continuous protection (default on): watch the folders and back up what changes. */
  readonly protect?: boolean;
  /** The file watcher; absent: changes are found by scans only. */
  readonly watcher?: () => ChangeSource;
  /** The user's home, for default folders and `~/` in exclusions (tests). */
  readonly userHome?: string;
  /** Lower the process's CPU and I/O priority as the settings say (the app's engine and the daemon; not tests). */
  readonly managePriority?: boolean;
}

/**
 * The engine behind the desktop app (the ipc contract's EngineApi) and `havre daemon`: the same jobs
 * as the CLI, with progress and results as events, and continuous protection (protection/) when a
 * repository is configured. Unlocks through the OS keychain in the app (without a keychain entry the
 * state is 'locked'), or with the credentials the daemon was started with.
 */
export class EngineService implements EngineApi {
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private running: { jobId: string; kind: JobKind; done: Promise<void> } | null = null;
  private nextJob = 1;
  /**
   * The targets, kept open for the process's life with the configuration they were opened for: an
   * appliance repository's SECRET stays cached, so backups go on (into the local spool) while the
   * appliance is away.
   */
  private targets: { opened: OpenedTargets; config: string } | null = null;
  private protector: Protector | null = null;
  private protectorRepo: string | null = null;
  /** Every upload goes through it; continuous protection sets its rate from the settings. */
  private readonly upload = Throttle.unlimited();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly opts: EngineServiceOptions) {}

  private get home(): string {
    return this.opts.home;
  }

  /** Starts continuous protection when a repository is configured (and again when it changes). */
  async startProtection(): Promise<void> {
    if (this.opts.protect === false) return;
    const cfg = await readHomeConfig(this.home);
    const repoId = cfg.repo?.repoId ?? null;
    if (repoId === this.protectorRepo) return;
    await this.protector?.stop();
    this.protector = null;
    this.protectorRepo = repoId;
    if (!repoId) return;
    const p = new Protector({
      home: this.home, repoId, upload: this.upload, managePriority: this.opts.managePriority ?? false,
      ...(this.opts.userHome !== undefined ? { userHome: this.opts.userHome } : {}),
      ...(this.opts.watcher ? { watcher: this.opts.watcher } : {}),
      host: {
        run: (job) => this.withRepo(job, 'continuous protection'),
        interrupt: () => this.closeTargets(),
        targetNames: () => targetNames(cfg),
      },
      onStatus: () => void this.status().then((s) => this.emit({ type: 'status:changed', payload: s })),
      onProgress: (jobId, pr) => this.emit({ type: 'job:progress', payload: toIpcProgress(jobId, 'backup', pr) }),
      onRun: (r) => this.protectionRan(r),
    });
    await p.start();
    this.protector = p;
    // The appliance hears from this machine every 3 hours even when nothing changes (a run that
    // opens the repository sends the heartbeat when it is due: withMachineRepository).
    if (isApplianceRef(cfg.repo!) && !this.heartbeat) {
      this.heartbeat = setInterval(() => void this.withRepo(async () => undefined).catch(() => undefined), HEARTBEAT_CHECK_MS);
      this.heartbeat.unref?.();
    }
  }

  private protectionRan(r: RunReport): void {
    // A run that found nothing new wrote no snapshot: nothing worth an entry in the activity log,
    // unless the user asked for it ("back up now" answers "done, nothing new").
    if (r.result && !r.result.wroteSnapshot && !r.requested) return;
    if (r.error?.code === 'JOB_CANCELLED') return;
    const summary: JobSummary = r.result
      ? { files: r.result.snapshot.summary.files, bytes: r.result.snapshot.summary.bytes, durationMs: r.durationMs, snapshotId: r.result.snapshotId,
        skipped: r.result.problems.length }
      : { files: 0, bytes: 0, durationMs: r.durationMs };
    this.emit({ type: 'job:result', payload: { jobId: r.jobId, kind: 'backup', ok: !r.error, ...(r.error ? { error: toIpcError(r.error) } : {}), summary } });
  }

  async status(): Promise<EngineStatus> {
    const cfg = await readHomeConfig(this.home);
    if (!cfg.repo) return { state: 'idle', repo: null, lastBackup: null };
    const job = this.running ? (this.running.kind === 'backup' ? 'backing-up' : 'restoring') : null;
    const p = this.protector;
    if (p) {
      // From the protector's own catalog connection: a status never unlocks the repository.
      const protection = p.status();
      const { snapshot, lastError } = p.latest();
      const active = protection.activity === 'backing-up' || protection.activity === 'scanning' ? 'backing-up' : protection.activity === 'paused' ? 'paused' : null;
      const locked = lastError !== null && LOCKED_CODES.includes(lastError.code);
      return {
        state: job ?? active ?? (locked ? 'locked' : lastError ? 'error' : 'idle'),
        repo: repoLocation(cfg.repo),
        lastBackup: snapshot ? { snapshotId: snapshot.id, time: snapshot.time, files: snapshot.summary.files ?? 0, bytes: snapshot.summary.bytes ?? 0 } : null,
        ...(lastError ? { message: lastError.message } : {}),
        protection,
      };
    }
    try {
      return await this.withRepo(async (repo) => {
        const last = repo.listSnapshots().at(-1);
        return { state: job ?? 'idle', repo: repo.store.location,
          lastBackup: last ? { snapshotId: last.id, time: last.time, files: last.summary.files ?? 0, bytes: last.summary.bytes ?? 0 } : null };
      });
    } catch (e) {
      const err = toIpcError(e);
      return { state: LOCKED_CODES.includes(err.code) ? 'locked' : 'error', repo: repoLocation(cfg.repo), lastBackup: null, message: err.message };
    }
  }

  async listSnapshots(): Promise<SnapshotSummary[]> {
    return this.withRepo(async (repo) => repo.listSnapshots().reverse().map((s) => ({ id: s.id, shortId: s.id.slice(0, 8), time: s.time, paths: s.paths,
      files: s.summary.files ?? 0, bytes: s.summary.bytes ?? 0, tags: [...s.tags] })));
  }

  async listTree(req: SnapshotLsRequest): Promise<TreeEntry[]> {
    return this.withRepo(async (repo) => {
      const snap = repo.resolveSnapshot(req.snapshotId);
      const node = await findNode((t) => repo.loadTree(t), snap.tree, req.path, snap.id.slice(0, 8));
      if (node && node.type !== 'dir') throw new HavreError('PATH_NOT_IN_SNAPSHOT', { path: req.path, snapshot: snap.id.slice(0, 8) });
      return (await repo.loadTree(node ? node.subtree : snap.tree)).nodes.map((n) => ({ name: n.name, type: n.type, size: n.type === 'file' ? n.size : 0,
        mtime: nodeMtimeIso(n) }));
    });
  }

  /** "Back up now": with protection on, a full scan by the protector (its progress carries the id returned). */
  async startBackup(): Promise<JobRef> {
    if (this.protector) return { jobId: this.protector.backupNow() };
    const view = await loadSettings(this.home, this.opts.userHome);
    const exclusions = new Exclusions(view.values, { home: this.opts.userHome ?? homedir() });
    return this.start('backup', async (repo, progress) => {
      if (view.values.folders.length === 0) throw new HavreError('NOTHING_TO_PROTECT');
      const r = await runBackup(repo, { paths: view.values.folders, home: this.home, exclusions, onProgress: progress });
      return { files: r.snapshot.summary.files, bytes: r.snapshot.summary.bytes, durationMs: r.durationMs, snapshotId: r.snapshotId,
        skipped: r.problems.length };
    });
  }

  async startRestore(req: RestoreRequest): Promise<JobRef> {
    return this.start('restore', async (repo, progress) => {
      const started = Date.now();
      const summary: JobSummary = { files: 0, bytes: 0, durationMs: 0, skipped: 0 };
      for (const path of req.paths ?? [undefined]) {
        const r = await runRestore(repo, { snapshot: req.snapshotId, target: req.target, conflict: req.conflict, onProgress: progress,
          ...(path !== undefined ? { path } : {}) });
        summary.files += r.files;
        summary.bytes += r.bytes;
        summary.skipped! += r.skipped.length + r.failed.length;
        if (r.failed.length > 0) throw new HavreError('INTEGRITY', { what: `${r.failed.length} file(s), e.g. ${r.failed[0]!.path}` });
      }
      summary.durationMs = Date.now() - started;
      return summary;
    });
  }

  async cancelJob(_req: JobRef): Promise<CancelResult> {
    // Restores cannot be interrupted yet; a backup of continuous protection stops with a pause.
    return { cancelled: false };
  }

  async pause(req: PauseRequest): Promise<ProtectionStatus> {
    return this.requireProtector().pauseFor(req);
  }

  async resume(): Promise<ProtectionStatus> {
    return this.requireProtector().resume();
  }

  async listFailures(): Promise<FailedFile[]> {
    return this.protector?.failures() ?? [];
  }

  async getSettings(): Promise<SettingsView> {
    return loadSettings(this.home, this.opts.userHome);
  }

  async setSettings(patch: Partial<Settings>): Promise<SettingsView> {
    const view = await updateSettings(this.home, patch, this.opts.userHome);
    await this.protector?.settingsChanged();
    return view;
  }

  subscribe(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    await this.protector?.stop();
    this.protector = null;
    await this.running?.done;
    this.closeTargets();
  }

  private requireProtector(): Protector {
    if (!this.protector) throw new HavreError('NO_REPO_CONFIGURED');
    return this.protector;
  }

  private closeTargets(): void {
    this.targets?.opened.close();
    this.targets = null;
  }

  private emit(e: EngineEvent): void {
    for (const l of this.listeners) l(e);
  }

  private async start(kind: JobKind, work: (repo: Repository, progress: (p: JobProgress) => void) => Promise<JobSummary>): Promise<JobRef> {
    if (this.running) throw new HavreError('LOCKED', { holder: `a ${this.running.kind} already running` });
    const jobId = `job-${this.nextJob++}`;
    const progress = (p: JobProgress): void => this.emit({ type: 'job:progress', payload: toIpcProgress(jobId, kind, p) });
    const done = (async () => {
      try {
        const summary = await this.withRepo((repo) => work(repo, progress), kind);
        this.emit({ type: 'job:result', payload: { jobId, kind, ok: true, summary } });
      } catch (e) {
        this.emit({ type: 'job:result', payload: { jobId, kind, ok: false, error: toIpcError(e), summary: { files: 0, bytes: 0, durationMs: 0 } } });
      } finally {
        this.running = null;
        this.emit({ type: 'status:changed', payload: await this.status() });
      }
    })();
    this.running = { jobId, kind, done };
    this.emit({ type: 'status:changed', payload: await this.status() });
    return { jobId };
  }

  private async withRepo<T>(fn: (repo: Repository) => Promise<T>, lockPurpose?: string): Promise<T> {
    const cfg: HomeConfig = await readHomeConfig(this.home);
    if (!cfg.repo) throw new HavreError('NO_REPO_CONFIGURED');
    const key = JSON.stringify({ repo: cfg.repo, copies: cfg.copies ?? [] });
    if (this.targets && this.targets.config !== key) this.closeTargets();
    const credentials = await this.opts.credentials();
    if (!this.targets) {
      const opened = await openTargets(cfg, { home: this.home, keychain: credentials.keychain ?? null, cacheSecret: true, tuning: { upload: this.upload },
        ...(credentials.keychainUnavailableReason !== undefined ? { keychainReason: credentials.keychainUnavailableReason } : {}) });
      this.targets = { opened, config: key };
    }
    return withTargets(this.targets.opened, { home: this.home, credentials }, fn, lockPurpose);
  }
}

/** How often the engine checks whether the appliance is due a heartbeat (it is sent every 3 hours). */
const HEARTBEAT_CHECK_MS = 30 * 60_000;

/** Errors that mean "unlock me", not "something broke". */
const LOCKED_CODES = ['KEYCHAIN_ENTRY_MISSING', 'PASSWORD_REQUIRED', 'WRONG_PASSWORD', 'NO_KEYCHAIN'];

function toIpcProgress(jobId: string, kind: JobKind, p: JobProgress): IpcProgress {
  const phase: IpcProgress['phase'] = p.phase === 'done' ? 'finishing' : 'transferring';
  return { jobId, kind, phase, files: p.files, bytes: p.bytes, bytesPerSecond: p.bytesPerSecond,
    ...(p.totalFiles !== undefined ? { totalFiles: p.totalFiles } : {}), ...(p.totalBytes !== undefined ? { totalBytes: p.totalBytes } : {}),
    ...(p.etaSeconds !== undefined ? { etaSeconds: p.etaSeconds } : {}), ...(p.currentPath !== undefined ? { currentPath: p.currentPath } : {}) };
}

/**
 * Entry point the Electron engine process loads (src-main/app/engineFactory.ts): unlocks through the
 * OS keychain, and starts continuous protection when a repository is configured.
 */
export async function createEngineService(opts: { home: string; credentials?: () => Promise<Credentials>; protect?: boolean; watcher?: () => ChangeSource;
  userHome?: string; managePriority?: boolean; /** `havre daemon`: fail (DAEMON_RUNNING) rather than run without protecting. */ protectOrFail?: boolean }): Promise<EngineService> {
  const credentials = opts.credentials ?? (async (): Promise<Credentials> => {
    const { keychain, reason } = await openOsKeychainOrReason();
    return keychain ? { keychain } : { keychain: null, keychainUnavailableReason: reason ?? '' };
  });
  const engine = new EngineService({ ...opts, credentials });
  try {
    await engine.startProtection();
  } catch (e) {
    // Another process protects this account (the daemon, another app instance): the app still restores and shows.
    if (!isHavreError(e, 'DAEMON_RUNNING') || opts.protectOrFail) throw e;
    console.error(`havre engine: ${e.message}`);
  }
  return engine;
}
