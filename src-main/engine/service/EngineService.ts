import { readMaintenanceState, runMaintenance, runRetention, type MaintenanceRun, type RetentionRun } from '../maintenance/index.js';
import { Alerter } from '../alerts/index.js';
import { homedir, hostname } from 'node:os';
import type { AlertEvent, ActivityPage, ActivityQuery, BackupHistory, BrowseListPage, BrowseListRequest, CancelResult, EngineApi, EngineEvent, EngineStatus, EnrollRequest, RestorePasswordRequest,
  FailedFile, FilePreview, IpcError, JobKind, JobProgress as IpcProgress, JobRef, JobResult, JobSummary, PauseRequest, PreviewRequest, ProtectionStatus,
  RestoreRequest, SearchRequest, SearchResult, SessionOpenRequest, SessionOpenResult, SessionRef, Settings, SettingsView, SetupView, SnapshotLsRequest,
  SnapshotsRequest, SnapshotSummary, TreeEntry, VersionsRequest, VersionsResult } from '../../ipc/contract.js';
import { ActivityLog } from '../activity/ActivityLog.js';
import { backupHistory } from '../activity/backupHistory.js';
import { enrollMachine, restorePasswordReminderFile, setRestorePassword } from '../appliance/index.js';
import { existsSync } from 'node:fs';
import { Catalog } from '../catalog/index.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { readHomeConfig, repoLocation, type HomeConfig } from '../home/homeConfig.js';
import { runBackup, runRestore, safeUserName, type JobProgress } from '../jobs/index.js';
import { openOsKeychainOrReason, type Keychain } from '../keychain/index.js';
import { keepEnrollingFromPolicy, loadPolicy, type Policy } from '../policy/index.js';
import { Protector, WatchSource, type ChangeSource, type RunReport } from '../protection/index.js';
import { findNode, nodeMtimeIso, RememberedSecret, Repository, type Credentials } from '../repo/index.js';
import { Exclusions, loadSettings, updateSettings } from '../settings/index.js';
import { applyPolicyTargets, openTargets, targetNames, withTargets, type OpenedTargets, type PolicyTargetsResult } from '../targets/index.js';
import { isApplianceRef, isS3Ref } from '../home/homeConfig.js';
import { resolve } from 'node:path';
import { Throttle } from '../net/index.js';
import { JobFailed, jobIssues, restoreFailure, setupView, snapshotActivity } from './appViews.js';
import { RestoreBrowser } from './RestoreBrowser.js';

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
  /** The file watcher, told what it must never report (Havre's own files); absent: changes are found by scans only. */
  readonly watcher?: (ownPaths: readonly string[]) => ChangeSource;
  /** The user's home, for default folders and `~/` in exclusions (tests). */
  readonly userHome?: string;
  /** Lower the process's CPU and I/O priority as the settings say (the app's engine and the daemon; not tests). */
  readonly managePriority?: boolean;
  /** Wall clock in ms (tests inject days passing for the overdue-backup watchdog). */
  readonly now?: () => number;
}

/** How often the watchdog looks for an overdue backup (alerts/) and for due maintenance (maintenance/). */
const ALERT_CHECK_MS = 60 * 60 * 1000;

/**
 * The engine behind the desktop app (the ipc contract's EngineApi) and `havre daemon`: the same jobs
 * as the CLI, with progress and results as events, and continuous protection (protection/) when a
 * repository is configured. Unlocks through the OS keychain in the app (without a keychain entry the
 * state is 'locked'), or with the credentials the daemon was started with.
 */
export class EngineService implements EngineApi {
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private running: { jobId: string; kind: JobKind; done: Promise<void> } | null = null;
  /** Status events of the protector, sent one after another in the order of its changes. */
  private protectionEvents: Promise<void> = Promise.resolve();
  private nextJob = 1;
  /**
   * The targets, kept open for the process's life with the configuration they were opened for: an
   * appliance repository's SECRET stays cached, so backups go on (into the local spool) while the
   * appliance is away.
   */
  /** The targets held open between jobs, and SECRET when unlocking costs a key derivation (RememberedSecret). */
  private targets: { opened: OpenedTargets; config: string; remembered: RememberedSecret | null } | null = null;
  private protector: Protector | null = null;
  private protectorRepo: string | null = null;
  /** Every upload goes through it; continuous protection sets its rate from the settings. */
  private readonly upload = Throttle.unlimited();
  private heartbeat: NodeJS.Timeout | null = null;
  private alerter: Alerter | null = null;
  private alertTimer: NodeJS.Timeout | null = null;
  private maintaining = false;
  private applyingTargets = false;
  private targetsAgain = false;
  /** Why policy copies are not in place (warnings in the status). */
  private policyTargetProblems: IpcError[] = [];
  /** The restore browser: this machine's repository held open for reading, and password sessions (issue 6). */
  private readonly browser: RestoreBrowser;
  private readonly activity = new ActivityLog();
  private warningCodes = new Set<string>();
  private policyEnrollment: AbortController | null = null;

  constructor(private readonly opts: EngineServiceOptions) {
    this.browser = new RestoreBrowser({ home: opts.home, credentials: opts.credentials, ...(opts.userHome !== undefined ? { userHome: opts.userHome } : {}) });
  }

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
    this.alerter?.close();
    this.alerter = null;
    if (!repoId) return;
    // Failures, viruses and overdue backups become OS notifications (the 'alert' event).
    this.alerter = new Alerter({ home: this.home, repoId, emit: (a) => this.emit({ type: 'alert', payload: a }), ...(this.opts.now ? { now: this.opts.now } : {}) });
    if (!this.alertTimer) {
      this.alertTimer = setInterval(() => {
        this.checkAlerts();
        void this.maintain().catch(() => undefined); // its failures are events, hence alerts
        void this.applyPolicyTargets();
      }, ALERT_CHECK_MS);
      this.alertTimer.unref?.();
    }
    const watcher = this.opts.watcher;
    const p = new Protector({
      home: this.home, repoId, upload: this.upload, managePriority: this.opts.managePriority ?? false,
      ...(this.opts.userHome !== undefined ? { userHome: this.opts.userHome } : {}),
      ...(watcher ? { watcher: () => watcher(ownPaths(this.home, cfg)) } : {}),
      host: {
        run: (job) => this.withRepo(job, 'continuous protection'),
        interrupt: () => this.closeTargets(),
        targetNames: () => targetNames(cfg),
      },
      // The protection part as the protector saw it at the change (a scan of an unchanged tree can
      // be over before the rest of the status is read), and the events in the order of the changes.
      onStatus: (now) => {
        this.protectionEvents = this.protectionEvents.then(() => this.statusAt(now)).then((s) => {
          this.noteWarnings(s.protection?.warnings ?? []);
          this.emit({ type: 'status:changed', payload: s });
        }, () => undefined);
      },
      onProgress: (jobId, pr) => this.emit({ type: 'job:progress', payload: toIpcProgress(jobId, 'backup', pr) }),
      onRun: (r) => this.protectionRan(r),
      onPolicy: (policy) => void this.applyPolicyTargets(policy.targets),
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
    const result: JobResult = { jobId: r.jobId, kind: 'backup', ok: !r.error, ...(r.error ? { error: toIpcError(r.error) } : {}), summary };
    this.emit({ type: 'job:result', payload: result });
    this.recordResult(result, r.result?.wroteSnapshot ?? false);
  }

  /** The activity log's entry for a job's result, sent live (a backup that wrote a snapshot is read back from it later). */
  private recordResult(result: JobResult, wroteSnapshot: boolean, subject?: string): void {
    const s = result.summary;
    const numbers = { files: s.files, bytes: s.bytes, durationMs: s.durationMs, ...(s.skipped ? { skipped: s.skipped } : {}) };
    let event;
    if (result.kind === 'backup' && result.ok && wroteSnapshot && s.snapshotId) {
      event = snapshotActivity(s.snapshotId, numbers, subject);
      void this.browser.refreshHistory();
    } else if (result.kind === 'backup') {
      event = this.activity.add({ kind: 'backup', action: result.ok ? 'backup.nothing-new' : 'backup.failed', outcome: result.ok ? 'info' : 'failed', ...numbers,
        ...(result.error ? { error: result.error } : {}) });
    } else {
      const partial = !result.ok && s.files > 0;
      event = this.activity.add({ kind: 'restore', action: result.ok ? 'restore.done' : 'restore.failed', outcome: result.ok ? 'ok' : partial ? 'partial' : 'failed',
        ...numbers, ...(subject !== undefined ? { subject } : {}), ...(result.error ? { error: result.error } : {}) });
    }
    this.emit({ type: 'activity:added', payload: event });
  }

  /** A warning of continuous protection that was not there before becomes an alert in the activity log. */
  private noteWarnings(warnings: readonly IpcError[]): void {
    const now = new Set(warnings.map((w) => w.code));
    for (const w of warnings) {
      if (this.warningCodes.has(w.code)) continue;
      this.emit({ type: 'activity:added', payload: this.activity.add({ kind: 'alert', action: 'alert.raised', outcome: 'failed', error: w }) });
    }
    this.warningCodes = now;
  }

  status(): Promise<EngineStatus> {
    return this.statusAt();
  }

  /** The status, with `protectionNow` (what the protector said at a change) instead of its state now. */
  private async statusAt(protectionNow?: ProtectionStatus): Promise<EngineStatus> {
    const cfg = await readHomeConfig(this.home);
    if (!cfg.repo) return { state: 'idle', repo: null, lastBackup: null };
    const job = this.running ? (this.running.kind === 'backup' ? 'backing-up' : 'restoring') : null;
    const p = this.protector;
    if (p) {
      // From the protector's own catalog connection: a status never unlocks the repository.
      const extra = [...(existsSync(restorePasswordReminderFile(this.home)) ? [toIpcError(new HavreError('RESTORE_PASSWORD_UNSET'))] : []), ...this.policyTargetProblems];
      const own = protectionNow ?? p.status();
      const protection = extra.length > 0 ? { ...own, warnings: [...own.warnings, ...extra] } : own;
      const { snapshot, lastError } = p.latest();
      const active = protection.activity === 'backing-up' || protection.activity === 'scanning' ? 'backing-up' : protection.activity === 'paused' ? 'paused' : null;
      const locked = lastError !== null && LOCKED_CODES.includes(lastError.code);
      const test = (await readMaintenanceState(this.home, cfg.repo.repoId).catch(() => null))?.lastRestoreTest;
      return {
        state: job ?? active ?? (locked ? 'locked' : lastError ? 'error' : 'idle'),
        repo: repoLocation(cfg.repo),
        lastBackup: snapshot ? { snapshotId: snapshot.id, time: snapshot.time, files: snapshot.summary.files ?? 0, bytes: snapshot.summary.bytes ?? 0 } : null,
        ...(lastError ? { message: lastError.message } : {}),
        protection,
        ...(test ? { lastRestoreTest: test } : {}),
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

  /**
   * Restores what the request names, into a place the user may write (restoreAccess.ts: refused at
   * once otherwise). Every file that can be restored is; the others are listed in the result's
   * summary with why (a damaged copy, no space left), and the job fails with RESTORE_PARTIAL or
   * RESTORE_TARGET_FULL.
   */
  async startRestore(req: RestoreRequest): Promise<JobRef> {
    await this.browser.checkTarget(req.target, req.paths, req.source);
    const work = async (repo: Repository, progress: (p: JobProgress) => void): Promise<JobSummary> => {
      const started = Date.now();
      const summary: JobSummary = { files: 0, bytes: 0, durationMs: 0, skipped: 0 };
      const failed = [];
      for (const path of req.paths ?? [undefined]) {
        const r = await runRestore(repo, { snapshot: req.snapshotId, target: req.target, conflict: req.conflict, onProgress: progress, home: this.home,
          ...(path !== undefined ? { path } : {}) });
        summary.files += r.files + r.symlinks;
        summary.bytes += r.bytes;
        summary.skipped! += r.skipped.length;
        failed.push(...r.failed);
      }
      summary.durationMs = Date.now() - started;
      if (failed.length > 0) throw new JobFailed(restoreFailure(req.target, summary.files, failed), { ...summary, failures: jobIssues(failed) });
      return summary;
    };
    const subject = req.target;
    if (req.source?.kind === 'session') {
      const b = this.browser.sessions.get(req.source.sessionId);
      return this.start('restore', work, (fn) => b.busy(() => fn(b.repo)), subject);
    }
    return this.start('restore', work, undefined, subject);
  }

  async cancelJob(_req: JobRef): Promise<CancelResult> {
    // Restores cannot be interrupted yet; a backup of continuous protection stops with a pause.
    return { cancelled: false };
  }

  async pause(req: PauseRequest): Promise<ProtectionStatus> {
    const status = await this.requireProtector().pauseFor(req);
    this.emit({ type: 'activity:added', payload: this.activity.add({ kind: 'protection', action: 'protection.paused', outcome: 'info',
      ...(status.pause?.until ? { subject: status.pause.until } : {}) }) });
    return status;
  }

  async resume(): Promise<ProtectionStatus> {
    const status = await this.requireProtector().resume();
    this.emit({ type: 'activity:added', payload: this.activity.add({ kind: 'protection', action: 'protection.resumed', outcome: 'info' }) });
    return status;
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

  // ---- the restore browser (issue 6) ------------------------------------------------------------

  async browseSnapshots(req: SnapshotsRequest): Promise<SnapshotSummary[]> {
    return this.browser.with(req.source, async (b) => b.snapshots());
  }

  async browseList(req: BrowseListRequest): Promise<BrowseListPage> {
    return this.browser.with(req.source, (b) => b.list(req));
  }

  async fileVersions(req: VersionsRequest): Promise<VersionsResult> {
    return this.browser.with(req.source, (b) => b.versions(req.path));
  }

  async search(req: SearchRequest): Promise<SearchResult> {
    return this.browser.with(req.source, (b) => b.search(req.query, req.limit));
  }

  async preview(req: PreviewRequest): Promise<FilePreview> {
    return this.browser.with(req.source, (b) => b.preview(req.snapshotId, req.path));
  }

  async openSession(req: SessionOpenRequest): Promise<SessionOpenResult> {
    return this.browser.openSession(req);
  }

  async closeSession(req: SessionRef): Promise<{ closed: boolean }> {
    return { closed: await this.browser.sessions.close(req.sessionId) };
  }

  // ---- activity, charts, targets and enrollment (issue 6) ----------------------------------------

  /** Runs fn on this machine's catalog, opened without unlocking anything (snapshots and packs are not secret there); null without a repository. */
  private async withCatalog<T>(fn: (c: Catalog) => T): Promise<T | null> {
    const cfg = await readHomeConfig(this.home);
    if (!cfg.repo) return null;
    const catalog = Catalog.open(Repository.catalogFile(this.home, cfg.repo.repoId));
    try {
      return fn(catalog);
    } finally {
      catalog.close();
    }
  }

  async listActivity(q: ActivityQuery): Promise<ActivityPage> {
    return this.activity.list(q, (await this.withCatalog((c) => c.listSnapshots())) ?? []);
  }

  async backupHistory(): Promise<BackupHistory> {
    return (await this.withCatalog((c) => backupHistory(c.listSnapshots(), c.listPacks()))) ?? backupHistory([], []);
  }

  async getSetup(): Promise<SetupView> {
    return setupView(this.home, await readHomeConfig(this.home), this.opts.userHome ?? homedir());
  }

  async enroll(req: EnrollRequest): Promise<SetupView> {
    const credentials = await this.opts.credentials();
    if (!credentials.keychain) throw new HavreError('ENROLL_NEEDS_KEYCHAIN', { reason: credentials.keychainUnavailableReason ?? 'none' });
    await enrollMachine({ url: req.url, token: req.token, user: req.user ?? safeUserName(), host: hostname(), password: req.password, keychain: credentials.keychain,
      home: this.home, ...(process.env.HAVRE_INSECURE_TEST_KDF === '1' ? { kdf: 'test' as const } : {}) });
    await this.adoptEnrollment();
    return this.getSetup();
  }

  /**
   * IT's cloud copies (policy `targets`): added once they can work, removed when the policy drops
   * them; what keeps one from working is a warning in the status. At start, when the policy
   * changes, and hourly (a key given since, a bucket reachable again).
   */
  async applyPolicyTargets(targets?: Policy['targets']): Promise<PolicyTargetsResult | null> {
    if (this.applyingTargets) {
      // A policy change while a look is under way (it may wait on the network): looked at again after it.
      this.targetsAgain = true;
      return null;
    }
    this.applyingTargets = true;
    try {
      const wanted = targets !== undefined ? targets : (await loadPolicy({ home: this.home, ...(this.opts.userHome !== undefined ? { userHome: this.opts.userHome } : {}) })).policy.targets;
      const keychain = async (): Promise<{ keychain: Keychain | null; reason?: string }> => {
        const c = await this.opts.credentials();
        return { keychain: c.keychain ?? null, ...(c.keychainUnavailableReason !== undefined ? { reason: c.keychainUnavailableReason } : {}) };
      };
      const r = await applyPolicyTargets({ home: this.home, targets: wanted, keychain, host: hostname(), user: safeUserName() });
      this.policyTargetProblems = r.problems.map((p) => p.error);
      if (r.changed || r.problems.length > 0) this.emit({ type: 'status:changed', payload: await this.status() });
      return r;
    } catch (e) {
      this.policyTargetProblems = [toIpcError(e)];
      return null;
    } finally {
      this.applyingTargets = false;
      if (this.targetsAgain) {
        this.targetsAgain = false;
        void this.applyPolicyTargets();
      }
    }
  }

  async setRestorePassword(req: RestorePasswordRequest): Promise<SetupView> {
    const credentials = await this.opts.credentials();
    await setRestorePassword({ home: this.home, keychain: credentials.keychain ?? null, password: req.password,
      ...(req.currentPassword !== undefined ? { currentPassword: req.currentPassword } : {}),
      ...(credentials.keychainUnavailableReason !== undefined ? { keychainReason: credentials.keychainUnavailableReason } : {}),
      ...(process.env.HAVRE_INSECURE_TEST_KDF === '1' ? { kdf: 'test' as const } : {}) });
    this.emit({ type: 'status:changed', payload: await this.status() }); // the reminder is gone
    return this.getSetup();
  }

  /**
   * The scheduled verification and restore test, when due (hourly check): beside continuous
   * protection, as a reader (no lock: backups go on meanwhile). Then the machine policy's retention
   * when IT set one (forget daily, prune weekly), with the repository to itself. Returns what ran.
   */
  async maintain(): Promise<(MaintenanceRun & { retention: RetentionRun | null }) | null> {
    if (this.maintaining || !this.protectorRepo) return null;
    this.maintaining = true;
    try {
      const now = this.opts.now?.() ?? Date.now();
      const run = await this.withRepo((repo) => runMaintenance(repo, { home: this.home, now }));
      const { retention: rules } = (await loadPolicy({ home: this.home, ...(this.opts.userHome !== undefined ? { userHome: this.opts.userHome } : {}) })).policy;
      if (!rules || Object.keys(rules).length === 0) return { ...run, retention: null };
      const apply = (): Promise<RetentionRun | null> => this.withRepo((repo) => runRetention(repo, { home: this.home, retention: rules, now }), 'retention');
      return { ...run, retention: this.protector ? await this.protector.exclusive(apply) : await apply() };
    } finally {
      this.maintaining = false;
    }
  }

  /** The watchdog's check (hourly): a backup overdue is said, again daily, until one completes. */
  checkAlerts(): AlertEvent | null {
    return this.alerter?.check() ?? null;
  }

  private async adoptEnrollment(): Promise<void> {
    this.closeTargets();
    await this.browser.closeLocal();
    await this.startProtection();
  }

  /**
   * Silent enrollment (issue 8): with no repository yet and an enrollment token in the machine
   * policy, enrolls in the background, retrying as planned; failures become alerts in the activity log.
   */
  async enrollFromPolicyInBackground(): Promise<void> {
    if ((await readHomeConfig(this.home)).repo || this.policyEnrollment) return;
    const effective = await loadPolicy({ home: this.home, ...(this.opts.userHome !== undefined ? { userHome: this.opts.userHome } : {}) });
    if (!effective.policy.appliance?.enrollToken) return;
    const credentials = await this.opts.credentials();
    const stop = new AbortController();
    this.policyEnrollment = stop;
    const alert = (error: IpcError): void => this.emit({ type: 'activity:added', payload: this.activity.add({ kind: 'alert', action: 'alert.raised', outcome: 'failed', error }) });
    void keepEnrollingFromPolicy({ home: this.home, policy: effective.policy, keychain: credentials.keychain ?? null,
      ...(credentials.keychainUnavailableReason !== undefined ? { keychainReason: credentials.keychainUnavailableReason } : {}),
      user: safeUserName(), host: hostname(), signal: stop.signal, ...(process.env.HAVRE_INSECURE_TEST_KDF === '1' ? { kdf: 'test' as const } : {}) }, (o) => {
      if (o.state === 'retry' || o.state === 'stopped') alert(o.error);
    }).then(async (o) => {
      if (o.state === 'enrolled' && !stop.signal.aborted) await this.adoptEnrollment();
    }).catch((e: unknown) => alert(toIpcError(e))).finally(() => {
      if (this.policyEnrollment === stop) this.policyEnrollment = null;
    });
  }

  async close(): Promise<void> {
    this.policyEnrollment?.abort();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.alertTimer) clearInterval(this.alertTimer);
    this.alertTimer = null;
    this.alerter?.close();
    this.alerter = null;
    await this.protector?.stop();
    this.protector = null;
    await this.running?.done;
    this.closeTargets();
    await this.browser.close();
  }

  private requireProtector(): Protector {
    if (!this.protector) throw new HavreError('NO_REPO_CONFIGURED');
    return this.protector;
  }

  private closeTargets(): void {
    this.targets?.remembered?.forget();
    this.targets?.opened.close();
    this.targets = null;
  }

  private emit(e: EngineEvent): void {
    for (const l of this.listeners) l(e);
  }

  private async start(kind: JobKind, work: (repo: Repository, progress: (p: JobProgress) => void) => Promise<JobSummary>,
    open: (fn: (repo: Repository) => Promise<JobSummary>) => Promise<JobSummary> = (fn) => this.withRepo(fn, kind), subject?: string): Promise<JobRef> {
    if (this.running) throw new HavreError('LOCKED', { holder: `a ${this.running.kind} already running` });
    const jobId = `job-${this.nextJob++}`;
    const progress = (p: JobProgress): void => this.emit({ type: 'job:progress', payload: toIpcProgress(jobId, kind, p) });
    const done = (async () => {
      let result: JobResult;
      try {
        const summary = await open((repo) => work(repo, progress));
        result = { jobId, kind, ok: true, summary };
      } catch (e) {
        result = e instanceof JobFailed
          ? { jobId, kind, ok: false, error: toIpcError(e.error), summary: e.summary }
          : { jobId, kind, ok: false, error: toIpcError(e), summary: { files: 0, bytes: 0, durationMs: 0 } };
      }
      try {
        this.emit({ type: 'job:result', payload: result });
        this.recordResult(result, result.ok && result.summary.snapshotId !== undefined, subject);
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
      const remembered = !opened.machine && RememberedSecret.worthIt(credentials) ? new RememberedSecret(() => opened.set, credentials) : null;
      this.targets = { opened, config: key, remembered };
    }
    const { remembered } = this.targets;
    return withTargets(this.targets.opened, { home: this.home, credentials: remembered ? { source: remembered } : credentials }, fn, lockPurpose);
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
export async function createEngineService(opts: { home: string; credentials?: () => Promise<Credentials>; protect?: boolean;
  /** Default: the file watcher (watch/); null: scans only. */ watcher?: ((ownPaths: readonly string[]) => ChangeSource) | null;
  userHome?: string; managePriority?: boolean; now?: () => number; /** `havre daemon`: fail (DAEMON_RUNNING) rather than run without protecting. */ protectOrFail?: boolean }): Promise<EngineService> {
  const credentials = opts.credentials ?? (async (): Promise<Credentials> => {
    const { keychain, reason } = await openOsKeychainOrReason();
    return keychain ? { keychain } : { keychain: null, keychainUnavailableReason: reason ?? '' };
  });
  const { watcher = (own: readonly string[]) => new WatchSource({ ignorePaths: () => own }), ...rest } = opts;
  const engine = new EngineService({ ...rest, credentials, ...(watcher ? { watcher } : {}) });
  try {
    await engine.startProtection();
  } catch (e) {
    // Another process protects this account (the daemon, another app instance): the app still restores and shows.
    if (!isHavreError(e, 'DAEMON_RUNNING') || opts.protectOrFail) throw e;
    console.error(`havre engine: ${e.message}`);
  }
  if (opts.protect !== false) await engine.enrollFromPolicyInBackground();
  return engine;
}

/** Havre's own files, which a watcher must never report: its home, and a repository in a local folder. */
function ownPaths(home: string, cfg: HomeConfig): string[] {
  const repo = cfg.repo;
  return [home, ...(repo && !isApplianceRef(repo) && !isS3Ref(repo) ? [repo.path] : [])].map((p) => resolve(p));
}
