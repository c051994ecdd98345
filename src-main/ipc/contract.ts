// The one typed contract between the renderer, the preload, the Electron main process, the engine
// process and the test bridge (DESIGN.md §1). Pure TypeScript: no Node, no DOM, no Electron, so the
// renderer can bundle it. Every request payload that crosses a process boundary is checked by a
// hand-written guard below before anything acts on it. Errors cross as IpcError only: a stable code
// and two user-facing messages — never a stack trace, a path of ours or a secret (DESIGN.md §6.6).

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
}

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

export interface EngineEvents {
  'job:progress': JobProgress;
  'job:result': JobResult;
  'status:changed': EngineStatus;
}

export type EngineEventName = keyof EngineEvents;
export type EngineEvent = { [E in EngineEventName]: { type: E; payload: EngineEvents[E] } }[EngineEventName];

export const ENGINE_EVENTS = ['job:progress', 'job:result', 'status:changed'] as const satisfies readonly EngineEventName[];

/** What the main process tells the renderer about the engine process itself. */
export interface EngineLifecycle {
  state: 'starting' | 'running' | 'restarting' | 'failed';
  /** Consecutive unexpected exits so far. */
  restarts: number;
  /** When state is 'restarting': the delay before the next start. */
  retryInMs?: number;
  error?: IpcError;
}

export interface RendererEvents extends EngineEvents {
  'engine:lifecycle': EngineLifecycle;
}

export type RendererEventName = keyof RendererEvents;

export const RENDERER_EVENTS = [...ENGINE_EVENTS, 'engine:lifecycle'] as const satisfies readonly RendererEventName[];

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
  /** Progress, results and status changes. Returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** Stops jobs cleanly and releases the repository; called before the engine process exits. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Runtime validation of request payloads (hand-written guards)
// ---------------------------------------------------------------------------------------------

/** Longest path accepted across IPC (Windows long paths are 32,767 UTF-16 units). */
export const MAX_PATH_LENGTH = 32_767;
/** Most paths one restore request may name; a bigger selection restores the parent folder. */
export const MAX_RESTORE_PATHS = 10_000;

type PlainObject = Record<string, unknown>;

/**
 * A plain data object: its prototype is null or some realm's Object.prototype (structured clone,
 * contextBridge and JSON all produce these). Class instances, arrays and functions are not.
 */
function isPlainObject(value: unknown): value is PlainObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (Object.prototype.toString.call(value) !== '[object Object]') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** True when `value` has every required key, no key outside required ∪ optional. */
function hasExactKeys(value: PlainObject, required: readonly string[], optional: readonly string[] = []): boolean {
  for (const key of required) if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
  for (const key of Object.keys(value)) if (!required.includes(key) && !optional.includes(key)) return false;
  return true;
}

export function isSnapshotId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8,64}$/.test(value);
}

export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value);
}

/** A path inside a snapshot: non-empty, bounded, no NUL. The engine resolves it inside the tree. */
export function isSnapshotPath(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_PATH_LENGTH && !value.includes('\0');
}

/** An absolute path on this machine: POSIX '/…', Windows 'C:\…' or 'C:/…', or UNC '\\server\…'. */
export function isAbsoluteLocalPath(value: unknown): value is string {
  if (!isSnapshotPath(value)) return false;
  return value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value) || /^\\\\[^\\]/.test(value);
}

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
  if (!isPlainObject(value) || !hasExactKeys(value, ['snapshotId', 'target', 'conflict'], ['paths'])) return false;
  if (!isSnapshotId(value.snapshotId) || !isAbsoluteLocalPath(value.target) || !isConflictPolicy(value.conflict)) {
    return false;
  }
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

export type RequestValidators = { [C in Channel]: (value: unknown) => value is RequestOf<C> };

export const REQUEST_VALIDATORS: RequestValidators = {
  'engine:status': isNoPayload,
  'snapshots:list': isNoPayload,
  'snapshot:ls': isSnapshotLsRequest,
  'backup:start': isNoPayload,
  'restore:start': isRestoreRequest,
  'job:cancel': isJobRef,
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
