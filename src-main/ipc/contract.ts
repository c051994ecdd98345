// The one typed contract between the renderer, the preload, the Electron main process, the engine
// process and the test bridge (DESIGN.md §1). Pure TypeScript: no Node, no DOM, no Electron, so the
// renderer can bundle it. Every request payload that crosses a process boundary is checked by a
// hand-written guard below before anything acts on it. Errors cross as IpcError only: a stable code
// and two user-facing messages — never a stack trace, a path of ours or a secret (DESIGN.md §6.6).

import { hasExactKeys, isAbsoluteLocalPath, isJobId, isPlainObject, isSnapshotId, isSnapshotPath } from './guards.js';

import {
  isBackupSource, isBrowseListRequest, isPreviewRequest, isSearchRequest, isSessionOpenRequest, isSessionRef, isSnapshotsRequest, isVersionsRequest,
  type BackupSource, type BrowseListPage, type BrowseListRequest, type FilePreview, type PreviewRequest, type SearchRequest, type SearchResult,
  type SessionOpenRequest, type SessionOpenResult, type SessionRef, type SnapshotsRequest, type VersionsRequest, type VersionsResult,
} from './browse.js';
import { isActivityQuery, type ActivityEvent, type ActivityPage, type ActivityQuery } from './activity.js';
import { isEnrollRequest, isRestorePasswordRequest, type BackupHistory, type EnrollRequest, type RestorePasswordRequest, type SetupView } from './overview.js';

export { MAX_PATH_LENGTH, isAbsoluteLocalPath, isJobId, isSnapshotId, isSnapshotPath } from './guards.js';
export * from './browse.js';
export * from './activity.js';
export * from './overview.js';

// ---------------------------------------------------------------------------------------------
// Domain types
// ---------------------------------------------------------------------------------------------

export const ENGINE_STATES = ['idle', 'backing-up', 'restoring', 'paused', 'error', 'locked'] as const;
export type EngineState = (typeof ENGINE_STATES)[number];

export interface LastBackup {
  snapshotId: string;
  /** ISO 8601, UTC. */
  time: string;
  files: number;
  bytes: number;
}

export interface EngineStatus {
  state: EngineState;
  /** Human-readable repository location ("/media/usb/havre", "appliance.corp.example"), or null when not set up. */
  repo: string | null;
  lastBackup: LastBackup | null;
  /** Optional detail for 'error' and 'locked', already user-facing and free of secrets. */
  message?: string;
  /** Continuous protection, when this engine runs it (the app's engine, `havre daemon`). */
  protection?: ProtectionStatus;
  /** The last scheduled restore test (issue 7): "last restore test: 2 days ago, 200 files, all identical". */
  lastRestoreTest?: RestoreTestSummary;
}

/** A scheduled restore test's outcome: files sampled from the latest backup, restored to a temporary place and compared. */
export interface RestoreTestSummary {
  /** ISO 8601, UTC. */
  time: string;
  sampled: number;
  /** Byte for byte identical to the file on disk, unchanged since that backup. */
  identical: number;
  /** Restored whole and authenticated; the file on disk changed since, so nothing to compare with. */
  verified: number;
  failed: number;
}

// ---- continuous protection (issue 5) ---------------------------------------------------------

/** Why protection is not running right now. 'user': paused from the tray or the CLI. */
export const PAUSE_REASONS = ['user', 'window', 'battery', 'metered', 'target-away'] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

export interface PauseState {
  reason: PauseReason;
  /** ISO 8601, UTC: when it ends by itself; null: until resumed (or until the condition ends). */
  until: string | null;
}

/**
 * 'watching': file events arrive live; 'scan-only': the watcher is unavailable (e.g. the inotify
 * limit), changes are found by periodic scans; 'off': continuous protection is disabled.
 */
export const WATCH_MODES = ['watching', 'scan-only', 'off'] as const;
export type WatchMode = (typeof WATCH_MODES)[number];

export const PROTECTION_ACTIVITIES = ['idle', 'waiting', 'scanning', 'backing-up', 'paused'] as const;
export type ProtectionActivity = (typeof PROTECTION_ACTIVITIES)[number];

export interface TargetSuccess {
  /** "local", "appliance" or a cloud target's name. */
  target: string;
  /** ISO 8601, UTC, of the last snapshot complete on that target; null when none yet. */
  time: string | null;
}

export interface ProtectionStatus {
  mode: WatchMode;
  activity: ProtectionActivity;
  /** Files in the latest snapshot. */
  protectedFiles: number;
  /** Changed files waiting to be backed up, and their size as last seen. */
  pendingFiles: number;
  pendingBytes: number;
  /** Files that could not be read after retries (in use, permission denied...). */
  failedFiles: number;
  /** ISO 8601, UTC: the oldest change not yet protected; null when nothing waits. */
  oldestPendingChange: string | null;
  lastSuccess: TargetSuccess[];
  pause: PauseState | null;
  /** Something the user or IT should act on (the inotify limit, a folder that vanished...). */
  warnings: IpcError[];
}

/** A file that could not be backed up after retries, and why. Shown to the machine's own user only. */
export interface FailedFile {
  path: string;
  code: string;
  message: string;
  messageFr: string;
  attempts: number;
  /** ISO 8601, UTC. */
  lastAttempt: string;
}

export type PauseRequest = { minutes: number } | { until: 'tomorrow' } | { until: 'resumed' };

/** Limits the upload rate during some hours; the first rule that matches applies. */
export interface BandwidthRule {
  /** 0 = Sunday … 6 = Saturday; empty: every day. */
  days: number[];
  /** "HH:MM", local time; start > end spans midnight. */
  start: string;
  end: string;
  /** KiB/s; null: unlimited during these hours. */
  uploadKiBps: number | null;
}

export interface BackupWindow {
  days: number[];
  start: string;
  end: string;
}

export const CPU_PRIORITIES = ['normal', 'low', 'low-when-active'] as const;
export type CpuPriority = (typeof CPU_PRIORITIES)[number];

/** What a user may set (and what IT's policy may fix: issue 8). Stored in HAVRE_HOME/settings.json. */
export interface Settings {
  /** Absolute folders backed up and watched. */
  folders: string[];
  /** Glob patterns left out, on top of the defaults (`**`, `*`, `?`, `[…]`; a pattern without `/` matches a name anywhere). */
  exclusions: string[];
  /** The built-in exclusions: caches, temporary files, trash, build output, OS files, cloud placeholders. */
  defaultExclusions: boolean;
  /** Files larger than this are left out (MiB); null: no limit. */
  maxFileSizeMiB: number | null;
  /** Watch the folders and back up changes within seconds; false: scheduled scans only. */
  continuous: boolean;
  /** Minutes between reconcile scans (the watcher's safety net, or the schedule when continuous is off). */
  scanIntervalMinutes: number;
  /** Back up only during these hours; null: at any time. */
  window: BackupWindow | null;
  /** Do not back up on battery power at all. */
  pauseOnBattery: boolean;
  /** On battery, do not back up below this charge (percent; 0: no threshold). */
  minBatteryPercent: number;
  /** Do not back up over a metered connection. */
  pauseOnMetered: boolean;
  /** Upload limit (KiB/s) outside the rules below; null: unlimited. */
  uploadKiBps: number | null;
  bandwidthRules: BandwidthRule[];
  cpuPriority: CpuPriority;
}

export const SETTING_KEYS = ['folders', 'exclusions', 'defaultExclusions', 'maxFileSizeMiB', 'continuous', 'scanIntervalMinutes', 'window',
  'pauseOnBattery', 'minBatteryPercent', 'pauseOnMetered', 'uploadKiBps', 'bandwidthRules', 'cpuPriority'] as const satisfies readonly (keyof Settings)[];
export type SettingKey = (typeof SETTING_KEYS)[number];

export interface SettingsView {
  /** The settings in effect: the user's, over the defaults, under IT's policy. */
  values: Settings;
  /** Settings IT's policy fixes, with the reason shown beside them; the user cannot change them. */
  locked: Partial<Record<SettingKey, IpcError>>;
}

export interface SnapshotSummary {
  /** Full snapshot id (lowercase hex). */
  id: string;
  /** First 8 characters of the id, as shown to people. */
  shortId: string;
  /** ISO 8601, UTC. */
  time: string;
  paths: string[];
  files: number;
  bytes: number;
  /** 'continuous' marks the small snapshots of continuous protection. */
  tags: string[];
}

export const TREE_ENTRY_TYPES = ['file', 'dir', 'symlink'] as const;
export type TreeEntryType = (typeof TREE_ENTRY_TYPES)[number];

export interface TreeEntry {
  name: string;
  type: TreeEntryType;
  size: number;
  /** ISO 8601, UTC. */
  mtime: string;
}

export interface SnapshotLsRequest {
  snapshotId: string;
  /** Path inside the snapshot, '/' for its root. */
  path: string;
}

export const CONFLICT_POLICIES = ['skip', 'overwrite', 'keep-both'] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

export interface RestoreRequest {
  snapshotId: string;
  /** Paths inside the snapshot to restore; absent means the whole snapshot. Never empty. */
  paths?: string[];
  /** Absolute folder on this machine that receives the files. */
  target: string;
  conflict: ConflictPolicy;
  /** Whose backups: this machine's (default) or a password session's (issue 6). */
  source?: BackupSource;
}

export interface JobRef {
  jobId: string;
}

export interface CancelResult {
  /** False when the job had already finished or is unknown. */
  cancelled: boolean;
}

export type JobKind = 'backup' | 'restore';
export const JOB_PHASES = ['queued', 'scanning', 'transferring', 'finishing'] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

export interface JobProgress {
  jobId: string;
  kind: JobKind;
  phase: JobPhase;
  files: number;
  totalFiles?: number;
  bytes: number;
  totalBytes?: number;
  bytesPerSecond: number;
  etaSeconds?: number;
  /** Path being processed; shown to the workstation's own user only. */
  currentPath?: string;
}

export interface JobSummary {
  files: number;
  bytes: number;
  durationMs: number;
  /** The snapshot a backup wrote. */
  snapshotId?: string;
  /** Files left as they were (restore conflict 'skip', unreadable files, ...). */
  skipped?: number;
  /** Restore: files that could not be restored, and why (the first 100); the others were. */
  failures?: JobFileIssue[];
}

/** A file a job could not handle. Shown to the workstation's own user only. */
export interface JobFileIssue {
  path: string;
  code: string;
  message: string;
  messageFr: string;
}

export const MAX_JOB_ISSUES = 100;

export interface JobResult {
  jobId: string;
  kind: JobKind;
  ok: boolean;
  error?: IpcError;
  summary: JobSummary;
}

// ---------------------------------------------------------------------------------------------
// Errors and results
// ---------------------------------------------------------------------------------------------

export interface IpcError {
  code: string;
  message: string;
  messageFr: string;
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** Errors raised by the IPC layer itself; engine errors keep the engine's codes. */
export const IPC_ERRORS = {
  UNKNOWN_CHANNEL: {
    message: 'Havre received a request it does not know.',
    messageFr: 'Havre a reçu une demande qu’il ne connaît pas.',
  },
  INVALID_REQUEST: {
    message: 'Havre received a malformed request; nothing was done.',
    messageFr: 'Havre a reçu une demande mal formée ; rien n’a été fait.',
  },
  FORBIDDEN_SENDER: {
    message: 'This request did not come from the Havre window and was refused.',
    messageFr: 'Cette demande ne vient pas de la fenêtre de Havre et a été refusée.',
  },
  ENGINE_UNAVAILABLE: {
    message: 'The Havre engine is not running. It is being restarted; try again in a moment.',
    messageFr: 'Le moteur de Havre ne fonctionne pas. Il redémarre ; réessayez dans un instant.',
  },
  ENGINE_FAILED: {
    message: 'The Havre engine cannot start. Restart Havre; if this goes on, reinstall it or contact your IT support.',
    messageFr: 'Le moteur de Havre ne peut pas démarrer. Relancez Havre ; si cela continue, réinstallez-le ou contactez votre support informatique.',
  },
  ENGINE_RESTARTED: {
    message: 'The Havre engine stopped unexpectedly and was restarted; try again.',
    messageFr: 'Le moteur de Havre s’est arrêté de façon inattendue et a été redémarré ; réessayez.',
  },
  ENGINE_TIMEOUT: {
    message: 'The Havre engine did not answer in time; try again.',
    messageFr: 'Le moteur de Havre n’a pas répondu à temps ; réessayez.',
  },
  INTERNAL: {
    message: 'Something went wrong inside Havre. The details are in its log.',
    messageFr: 'Une erreur interne s’est produite dans Havre. Les détails sont dans son journal.',
  },
} as const satisfies Record<string, Omit<IpcError, 'code'>>;

export type IpcErrorCode = keyof typeof IPC_ERRORS;

export function ipcError(code: IpcErrorCode): IpcError {
  return { code, ...IPC_ERRORS[code] };
}

export function ok<T>(value: T): IpcResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: IpcError): IpcResult<T> {
  return { ok: false, error };
}

// ---------------------------------------------------------------------------------------------
// Channels: renderer → main → engine, request/response
// ---------------------------------------------------------------------------------------------

export interface IpcContract {
  'engine:status': { request: undefined; response: EngineStatus };
  'snapshots:list': { request: undefined; response: SnapshotSummary[] };
  'snapshot:ls': { request: SnapshotLsRequest; response: TreeEntry[] };
  'backup:start': { request: undefined; response: JobRef };
  'restore:start': { request: RestoreRequest; response: JobRef };
  'job:cancel': { request: JobRef; response: CancelResult };
  'protection:pause': { request: PauseRequest; response: ProtectionStatus };
  'protection:resume': { request: undefined; response: ProtectionStatus };
  'protection:failures': { request: undefined; response: FailedFile[] };
  'settings:get': { request: undefined; response: SettingsView };
  'settings:set': { request: Partial<Settings>; response: SettingsView };
  // ---- issue 6: the restore browser, sessions, activity, charts, targets and enrollment
  'browse:snapshots': { request: SnapshotsRequest; response: SnapshotSummary[] };
  'browse:list': { request: BrowseListRequest; response: BrowseListPage };
  'browse:versions': { request: VersionsRequest; response: VersionsResult };
  'browse:search': { request: SearchRequest; response: SearchResult };
  'browse:preview': { request: PreviewRequest; response: FilePreview };
  'session:open': { request: SessionOpenRequest; response: SessionOpenResult };
  'session:close': { request: SessionRef; response: { closed: boolean } };
  'activity:list': { request: ActivityQuery; response: ActivityPage };
  'stats:history': { request: undefined; response: BackupHistory };
  'setup:get': { request: undefined; response: SetupView };
  'appliance:enroll': { request: EnrollRequest; response: SetupView };
  'appliance:password': { request: RestorePasswordRequest; response: SetupView };
}

export type Channel = keyof IpcContract;
export type RequestOf<C extends Channel> = IpcContract[C]['request'];
export type ResponseOf<C extends Channel> = IpcContract[C]['response'];

/** Every channel, in one runtime list (the preload's allow-list and ipcMain's handler set). */
export const CHANNELS = [
  'engine:status',
  'snapshots:list',
  'snapshot:ls',
  'backup:start',
  'restore:start',
  'job:cancel',
  'protection:pause',
  'protection:resume',
  'protection:failures',
  'settings:get',
  'settings:set',
  'browse:snapshots',
  'browse:list',
  'browse:versions',
  'browse:search',
  'browse:preview',
  'session:open',
  'session:close',
  'activity:list',
  'stats:history',
  'setup:get',
  'appliance:enroll',
  'appliance:password',
] as const satisfies readonly Channel[];

// Compile-time proof that CHANNELS lists every channel of IpcContract.
type MissingChannels = Exclude<Channel, (typeof CHANNELS)[number]>;
const _allChannelsListed: [MissingChannels] extends [never] ? true : MissingChannels = true;
void _allChannelsListed;

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// Events: engine → main → renderer, one way
// ---------------------------------------------------------------------------------------------

export const ALERT_KINDS = ['backup-failed', 'backup-overdue', 'restore-failed', 'verify-failed', 'virus-found', 'upload-failed', 'restore-test-failed', 'audit-chain-rejected'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * Something the user must be told even when the window is closed: an OS notification (issue 7).
 * `id` is stable per condition (one notification per id: a repeat replaces it); the engine repeats
 * an alert whose condition lasts (a backup overdue) at most once a day.
 */
export interface AlertEvent {
  id: string;
  kind: AlertKind;
  severity: 'warning' | 'critical';
  /** ISO 8601, UTC. */
  time: string;
  /** What happened and what to do, as the error messages: English and French. */
  message: string;
  messageFr: string;
  /** The error code behind it, when there is one. */
  code?: string;
}

export interface EngineEvents {
  'job:progress': JobProgress;
  'job:result': JobResult;
  'status:changed': EngineStatus;
  /** A new entry of the activity log (issue 6). */
  'activity:added': ActivityEvent;
  /** An OS notification to show (issue 7). */
  alert: AlertEvent;
}

export type EngineEventName = keyof EngineEvents;
export type EngineEvent = { [E in EngineEventName]: { type: E; payload: EngineEvents[E] } }[EngineEventName];

export const ENGINE_EVENTS = ['job:progress', 'job:result', 'status:changed', 'activity:added', 'alert'] as const satisfies readonly EngineEventName[];

/** What the main process tells the renderer about the engine process itself. */
export interface EngineLifecycle {
  state: 'starting' | 'running' | 'restarting' | 'failed';
  /** Consecutive unexpected exits so far. */
  restarts: number;
  /** When state is 'restarting': the delay before the next start. */
  retryInMs?: number;
  error?: IpcError;
}

export const APP_SCREENS = ['dashboard', 'activity', 'restore', 'settings'] as const;
export type AppScreen = (typeof APP_SCREENS)[number];

/** The main process asks the window to show a screen (the tray's "Restore a file…"). */
export interface NavigateRequest {
  screen: AppScreen;
}

/** What the page hears: the engine's events but 'alert', which the main process shows as an OS notification. */
export interface RendererEvents extends Omit<EngineEvents, 'alert'> {
  'engine:lifecycle': EngineLifecycle;
  'app:navigate': NavigateRequest;
}

export type RendererEventName = keyof RendererEvents;

export const RENDERER_EVENTS = [...ENGINE_EVENTS.filter((e): e is Exclude<EngineEventName, 'alert'> => e !== 'alert'), 'engine:lifecycle', 'app:navigate'] as const satisfies readonly RendererEventName[];

type MissingEvents = Exclude<RendererEventName, (typeof RENDERER_EVENTS)[number]>;
const _allEventsListed: [MissingEvents] extends [never] ? true : MissingEvents = true;
void _allEventsListed;

export function isRendererEventName(value: unknown): value is RendererEventName {
  return typeof value === 'string' && (RENDERER_EVENTS as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// The engine's API: implemented by the engine service (src-main/engine/service/) and by test fakes
// ---------------------------------------------------------------------------------------------

export interface EngineApi {
  /** 'engine:status' */
  status(): Promise<EngineStatus>;
  /** 'snapshots:list' — newest first. */
  listSnapshots(): Promise<SnapshotSummary[]>;
  /** 'snapshot:ls' — the entries of one folder of a snapshot. */
  listTree(request: SnapshotLsRequest): Promise<TreeEntry[]>;
  /** 'backup:start' — resolves once the job is queued; progress and result arrive as events. */
  startBackup(): Promise<JobRef>;
  /** 'restore:start' — resolves once the job is queued; progress and result arrive as events. */
  startRestore(request: RestoreRequest): Promise<JobRef>;
  /** 'job:cancel' */
  cancelJob(request: JobRef): Promise<CancelResult>;
  /** 'protection:pause' — stops what runs now (an upload included) and starts nothing until it ends. */
  pause(request: PauseRequest): Promise<ProtectionStatus>;
  /** 'protection:resume' — ends a pause the user asked for (not a window, battery or metered one). */
  resume(): Promise<ProtectionStatus>;
  /** 'protection:failures' — files that could not be backed up after retries. */
  listFailures(): Promise<FailedFile[]>;
  /** 'settings:get' */
  getSettings(): Promise<SettingsView>;
  /** 'settings:set' — changes the given settings; refuses locked or invalid ones (SETTINGS_INVALID, SETTING_LOCKED). */
  setSettings(patch: Partial<Settings>): Promise<SettingsView>;
  /** 'browse:snapshots' — newest first, of this machine or of a session's machine. */
  browseSnapshots(request: SnapshotsRequest): Promise<SnapshotSummary[]>;
  /** 'browse:list' — one page of a folder of a snapshot. */
  browseList(request: BrowseListRequest): Promise<BrowseListPage>;
  /** 'browse:versions' — a path's versions across every snapshot. */
  fileVersions(request: VersionsRequest): Promise<VersionsResult>;
  /** 'browse:search' — names containing the query, across every version. */
  search(request: SearchRequest): Promise<SearchResult>;
  /** 'browse:preview' — the start of a text or a small image, decrypted in memory only. */
  preview(request: PreviewRequest): Promise<FilePreview>;
  /** 'session:open' — signs in with a password to read a machine's backups. */
  openSession(request: SessionOpenRequest): Promise<SessionOpenResult>;
  /** 'session:close' — forgets a session's keys. */
  closeSession(request: SessionRef): Promise<{ closed: boolean }>;
  /** 'activity:list' */
  listActivity(request: ActivityQuery): Promise<ActivityPage>;
  /** 'stats:history' */
  backupHistory(): Promise<BackupHistory>;
  /** 'setup:get' */
  getSetup(): Promise<SetupView>;
  /** 'appliance:enroll' — joins this machine to an appliance with a token from IT. */
  enroll(request: EnrollRequest): Promise<SetupView>;
  /** 'appliance:password' — chooses (after a silent enrollment) or changes the restore password. */
  setRestorePassword(request: RestorePasswordRequest): Promise<SetupView>;
  /** Progress, results and status changes. Returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** Stops jobs cleanly and releases the repository; called before the engine process exits. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Runtime validation of request payloads (hand-written guards)
// ---------------------------------------------------------------------------------------------

/** Most paths one restore request may name; a bigger selection restores the parent folder. */
export const MAX_RESTORE_PATHS = 10_000;

export function isConflictPolicy(value: unknown): value is ConflictPolicy {
  return typeof value === 'string' && (CONFLICT_POLICIES as readonly string[]).includes(value);
}

function isNoPayload(value: unknown): value is undefined {
  return value === undefined;
}

export function isSnapshotLsRequest(value: unknown): value is SnapshotLsRequest {
  return (
    isPlainObject(value) &&
    hasExactKeys(value, ['snapshotId', 'path']) &&
    isSnapshotId(value.snapshotId) &&
    isSnapshotPath(value.path)
  );
}

export function isRestoreRequest(value: unknown): value is RestoreRequest {
  if (!isPlainObject(value) || !hasExactKeys(value, ['snapshotId', 'target', 'conflict'], ['paths', 'source'])) return false;
  if (!isSnapshotId(value.snapshotId) || !isAbsoluteLocalPath(value.target) || !isConflictPolicy(value.conflict)) {
    return false;
  }
  if (value.source !== undefined && !isBackupSource(value.source)) return false;
  const paths = value.paths;
  if (paths === undefined) return true;
  return (
    Array.isArray(paths) &&
    paths.length > 0 &&
    paths.length <= MAX_RESTORE_PATHS &&
    paths.every((p: unknown) => isSnapshotPath(p))
  );
}

export function isJobRef(value: unknown): value is JobRef {
  return isPlainObject(value) && hasExactKeys(value, ['jobId']) && isJobId(value.jobId);
}

/** Most minutes one pause may last (a week); longer is "until resumed". */
export const MAX_PAUSE_MINUTES = 7 * 24 * 60;

export function isPauseRequest(value: unknown): value is PauseRequest {
  if (!isPlainObject(value)) return false;
  if (hasExactKeys(value, ['minutes'])) return Number.isInteger(value.minutes) && (value.minutes as number) > 0 && (value.minutes as number) <= MAX_PAUSE_MINUTES;
  return hasExactKeys(value, ['until']) && (value.until === 'tomorrow' || value.until === 'resumed');
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const MAX_LIST = 1000;
const MAX_PATTERN = 4096;

function isDayList(v: unknown): boolean {
  return Array.isArray(v) && v.length <= 7 && v.every((d) => Number.isInteger(d) && (d as number) >= 0 && (d as number) <= 6);
}

function isRate(v: unknown): boolean {
  return v === null || (Number.isInteger(v) && (v as number) > 0 && (v as number) <= 10_000_000);
}

/**
 * The first structural problem of a settings patch, as "field: what is wrong", or null when every
 * given field has the right shape. Shared by the IPC guard and the engine's settings file reader;
 * the engine checks meaning on top (folders exist, patterns compile, windows make sense).
 */
export function settingsPatchProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return 'settings: not an object';
  for (const key of Object.keys(value)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key)) return `${key}: not a setting`;
    const v = value[key];
    const bad = ((): string | null => {
      switch (key as SettingKey) {
        case 'folders':
          return Array.isArray(v) && v.length <= MAX_LIST && v.every((p) => isAbsoluteLocalPath(p)) ? null : 'a list of absolute folders';
        case 'exclusions':
          return Array.isArray(v) && v.length <= MAX_LIST && v.every((p) => typeof p === 'string' && p.length > 0 && p.length <= MAX_PATTERN && !p.includes('\0'))
            ? null : 'a list of patterns';
        case 'defaultExclusions':
        case 'continuous':
        case 'pauseOnBattery':
        case 'pauseOnMetered':
          return typeof v === 'boolean' ? null : 'true or false';
        case 'maxFileSizeMiB':
          return v === null || (Number.isInteger(v) && (v as number) > 0 && (v as number) <= 16 * 1024 * 1024) ? null : 'a whole number of MiB, or null';
        case 'scanIntervalMinutes':
          return Number.isInteger(v) && (v as number) >= 5 && (v as number) <= 7 * 24 * 60 ? null : 'a whole number of minutes between 5 and 10080';
        case 'minBatteryPercent':
          return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100 ? null : 'a percentage between 0 and 100';
        case 'uploadKiBps':
          return isRate(v) ? null : 'a positive whole number of KiB/s, or null';
        case 'cpuPriority':
          return typeof v === 'string' && (CPU_PRIORITIES as readonly string[]).includes(v) ? null : CPU_PRIORITIES.join(', ');
        case 'window':
          return v === null || (isPlainObject(v) && hasExactKeys(v, ['days', 'start', 'end']) && isDayList(v.days) && HHMM.test(String(v.start)) && HHMM.test(String(v.end)))
            ? null : 'null, or { days, start: "HH:MM", end: "HH:MM" }';
        case 'bandwidthRules':
          return Array.isArray(v) && v.length <= 32 && v.every((r) => isPlainObject(r) && hasExactKeys(r, ['days', 'start', 'end', 'uploadKiBps']) && isDayList(r.days)
            && HHMM.test(String(r.start)) && HHMM.test(String(r.end)) && isRate(r.uploadKiBps)) ? null : 'a list of { days, start: "HH:MM", end: "HH:MM", uploadKiBps }';
      }
    })();
    if (bad) return `${key}: expected ${bad}`;
  }
  return null;
}

export function isSettingsPatch(value: unknown): value is Partial<Settings> {
  return settingsPatchProblem(value) === null;
}

export type RequestValidators = { [C in Channel]: (value: unknown) => value is RequestOf<C> };

export const REQUEST_VALIDATORS: RequestValidators = {
  'engine:status': isNoPayload,
  'snapshots:list': isNoPayload,
  'snapshot:ls': isSnapshotLsRequest,
  'backup:start': isNoPayload,
  'restore:start': isRestoreRequest,
  'job:cancel': isJobRef,
  'protection:pause': isPauseRequest,
  'protection:resume': isNoPayload,
  'protection:failures': isNoPayload,
  'settings:get': isNoPayload,
  'settings:set': isSettingsPatch,
  'browse:snapshots': isSnapshotsRequest,
  'browse:list': isBrowseListRequest,
  'browse:versions': isVersionsRequest,
  'browse:search': isSearchRequest,
  'browse:preview': isPreviewRequest,
  'session:open': isSessionOpenRequest,
  'session:close': isSessionRef,
  'activity:list': isActivityQuery,
  'stats:history': isNoPayload,
  'setup:get': isNoPayload,
  'appliance:enroll': isEnrollRequest,
  'appliance:password': isRestorePasswordRequest,
};

export function isValidRequest<C extends Channel>(channel: C, payload: unknown): payload is RequestOf<C> {
  const validate: (value: unknown) => boolean = REQUEST_VALIDATORS[channel];
  return validate(payload);
}

export function isIpcError(value: unknown): value is IpcError {
  return (
    isPlainObject(value) &&
    typeof value.code === 'string' &&
    typeof value.message === 'string' &&
    typeof value.messageFr === 'string'
  );
}

/** Keeps only the three fields of an IpcError, bounded, so nothing else rides along. */
export function sanitizeIpcError(error: IpcError): IpcError {
  const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  return { code: clip(error.code, 64), message: clip(error.message, 2000), messageFr: clip(error.messageFr, 2000) };
}

export function isIpcResult(value: unknown): value is IpcResult<unknown> {
  if (!isPlainObject(value)) return false;
  if (value.ok === true) return hasExactKeys(value, ['ok'], ['value']);
  if (value.ok === false) return hasExactKeys(value, ['ok', 'error']) && isIpcError(value.error);
  return false;
}
