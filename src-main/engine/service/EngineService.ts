import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CancelResult, EngineApi, EngineEvent, EngineStatus, IpcError, JobKind, JobProgress as IpcProgress, JobRef, JobSummary, RestoreRequest,
  SnapshotLsRequest, SnapshotSummary, TreeEntry } from '../../ipc/contract.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { readHomeConfig, repoLocation } from '../home/homeConfig.js';
import { runBackup, runRestore, type JobProgress } from '../jobs/index.js';
import { openOsKeychainOrReason } from '../keychain/index.js';
import { findNode, nodeMtimeIso, type Credentials, type Repository } from '../repo/index.js';
import { openTargets, withTargets, type OpenedTargets } from '../targets/index.js';

/** Folders backed up by "Back up now" until the policy of issue 5 says otherwise. */
function defaultFolders(): string[] {
  return ['Documents', 'Desktop', 'Pictures'].map((d) => join(homedir(), d)).filter((p) => existsSync(p));
}

function toIpcError(e: unknown): IpcError {
  // Unexpected errors go to the engine process's log (stderr) with their stack, never over IPC.
  if (!isHavreError(e)) console.error('havre engine: unexpected error:', e);
  const err = isHavreError(e) ? e : new HavreError('INTERNAL', { reason: 'unexpected failure' });
  return { code: err.code, message: err.userMessage('en'), messageFr: err.userMessage('fr') };
}

/**
 * The engine behind the desktop app (the ipc contract's EngineApi): the same jobs as the CLI, one at
 * a time, with progress and results as events. Unlocks through the OS keychain only: the app never
 * handles the password in this version, so without a keychain entry the state is 'locked'.
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

  constructor(private readonly home: string, private readonly credentials: () => Promise<Credentials>) {}

  async status(): Promise<EngineStatus> {
    const cfg = await readHomeConfig(this.home);
    if (!cfg.repo) return { state: 'idle', repo: null, lastBackup: null };
    const busy = this.running ? (this.running.kind === 'backup' ? 'backing-up' : 'restoring') : null;
    try {
      return await this.withRepo(async (repo) => {
        const last = repo.listSnapshots().at(-1);
        return { state: busy ?? 'idle', repo: repo.store.location,
          lastBackup: last ? { snapshotId: last.id, time: last.time, files: last.summary.files ?? 0, bytes: last.summary.bytes ?? 0 } : null };
      });
    } catch (e) {
      const err = toIpcError(e);
      const locked = ['KEYCHAIN_ENTRY_MISSING', 'PASSWORD_REQUIRED', 'WRONG_PASSWORD', 'NO_KEYCHAIN'].includes(err.code);
      return { state: locked ? 'locked' : 'error', repo: repoLocation(cfg.repo), lastBackup: null, message: err.message };
    }
  }

  async listSnapshots(): Promise<SnapshotSummary[]> {
    return this.withRepo(async (repo) => repo.listSnapshots().reverse().map((s) => ({ id: s.id, shortId: s.id.slice(0, 8), time: s.time, paths: s.paths,
      files: s.summary.files ?? 0, bytes: s.summary.bytes ?? 0 })));
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

  async startBackup(): Promise<JobRef> {
    const cfg = await readHomeConfig(this.home);
    const folders = cfg.folders && cfg.folders.length > 0 ? [...cfg.folders] : defaultFolders();
    return this.start('backup', async (repo, progress) => {
      const r = await runBackup(repo, { paths: folders, home: this.home, onProgress: progress });
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
    // Jobs cannot be interrupted yet: cancellation arrives with the scheduler (issue 5). Say so.
    return { cancelled: false };
  }

  subscribe(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.running?.done;
    this.targets?.opened.close();
    this.targets = null;
  }

  private emit(e: EngineEvent): void {
    for (const l of this.listeners) l(e);
  }

  private async start(kind: JobKind, work: (repo: Repository, progress: (p: JobProgress) => void) => Promise<JobSummary>): Promise<JobRef> {
    if (this.running) throw new HavreError('LOCKED', { holder: `a ${this.running.kind} already running` });
    const jobId = `job-${this.nextJob++}`;
    const progress = (p: JobProgress): void => {
      const phase: IpcProgress['phase'] = p.phase === 'done' ? 'finishing' : 'transferring';
      this.emit({ type: 'job:progress', payload: { jobId, kind, phase, files: p.files, bytes: p.bytes, bytesPerSecond: p.bytesPerSecond,
        ...(p.totalFiles !== undefined ? { totalFiles: p.totalFiles } : {}), ...(p.totalBytes !== undefined ? { totalBytes: p.totalBytes } : {}),
        ...(p.etaSeconds !== undefined ? { etaSeconds: p.etaSeconds } : {}), ...(p.currentPath !== undefined ? { currentPath: p.currentPath } : {}) } });
    };
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
    const cfg = await readHomeConfig(this.home);
    if (!cfg.repo) throw new HavreError('NO_REPO_CONFIGURED');
    const key = JSON.stringify({ repo: cfg.repo, copies: cfg.copies ?? [] });
    if (this.targets && this.targets.config !== key) {
      this.targets.opened.close();
      this.targets = null;
    }
    const credentials = await this.credentials();
    if (!this.targets) {
      const opened = await openTargets(cfg, { home: this.home, keychain: credentials.keychain ?? null, cacheSecret: true,
        ...(credentials.keychainUnavailableReason !== undefined ? { keychainReason: credentials.keychainUnavailableReason } : {}) });
      this.targets = { opened, config: key };
    }
    return withTargets(this.targets.opened, { home: this.home, credentials }, fn, lockPurpose);
  }
}

/** Entry point the Electron engine process loads (src-main/app/engineFactory.ts). */
export async function createEngineService(opts: { home: string; credentials?: () => Promise<Credentials> }): Promise<EngineApi> {
  const credentials = opts.credentials ?? (async (): Promise<Credentials> => {
    const { keychain, reason } = await openOsKeychainOrReason();
    return keychain ? { keychain } : { keychain: null, keychainUnavailableReason: reason ?? '' };
  });
  return new EngineService(opts.home, credentials);
}
