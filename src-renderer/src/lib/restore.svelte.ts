// The restore screen's state: whose backups (this computer's, or a password session's), the
// snapshot and folder shown, the item chosen and its versions and preview, the name search, and
// the restore job this window started, followed to its result.

import type {
  BackupSource,
  ConflictPolicy,
  FilePreview,
  IpcError,
  JobProgress,
  JobResult,
  SearchResult,
  SessionInfo,
  SessionOpenRequest,
  SessionOpenResult,
  SnapshotSummary,
  TreeEntryType,
  VersionsResult,
} from '../../../src-main/ipc/contract.js';
import type { HavreApi } from '../../../src-main/ipc/rendererApi.js';

/** A file or folder chosen in the browser or in the search results. */
export interface Chosen {
  path: string;
  name: string;
  type: TreeEntryType;
  /** The snapshot it was chosen in. */
  snapshotId: string;
}

export interface RestoreJob {
  jobId: string | null;
  target: string;
  progress: JobProgress | null;
  result: JobResult | null;
  /** The engine stopped while it ran: no result will come. */
  interrupted: boolean;
  startError: IpcError | null;
}

/** Joins a folder and a name into a snapshot path ('/' is the root). */
export function joinPath(folder: string, name: string): string {
  return folder.endsWith('/') ? `${folder}${name}` : `${folder}/${name}`;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Where the browser opens a snapshot: its one backed-up folder, or what its folders have in common. */
export function startPath(s: SnapshotSummary): string {
  if (s.paths.length === 0) return '/';
  const parts = s.paths.map((p) => p.split('/').filter((x) => x.length > 0));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => p.length > i && p[i] === parts[0]![i]); i++) common.push(parts[0]![i]!);
  return common.length === 0 ? '/' : `/${common.join('/')}`;
}

export class RestoreView {
  source = $state<BackupSource>({ kind: 'local' });
  session = $state<SessionInfo | null>(null);
  snapshots = $state<SnapshotSummary[] | null>(null);
  snapshotsError = $state<IpcError | null>(null);
  snapshot = $state<SnapshotSummary | null>(null);
  folder = $state('/');
  chosen = $state<Chosen | null>(null);
  versions = $state<VersionsResult | null>(null);
  versionsError = $state<IpcError | null>(null);
  preview = $state<{ snapshotId: string; path: string; value: FilePreview | null; error: IpcError | null } | null>(null);
  query = $state('');
  results = $state<SearchResult | null>(null);
  searching = $state(false);
  searchError = $state<IpcError | null>(null);
  job = $state<RestoreJob | null>(null);

  readonly api: HavreApi;
  #searchGeneration = 0;

  constructor(api: HavreApi) {
    this.api = api;
  }

  /** The source's id for requests: absent for this computer. */
  get sourceField(): { source?: BackupSource } {
    return this.source.kind === 'session' ? { source: this.source } : {};
  }

  connect(): () => void {
    void this.load();
    const offs = [
      this.api.onProgress((p) => {
        if (p.kind === 'restore' && this.job && p.jobId === this.job.jobId) this.job.progress = p;
      }),
      this.api.onResult((r) => {
        if (r.kind !== 'restore' || !this.job || r.jobId !== this.job.jobId) return;
        this.job.result = r;
        this.job.progress = null;
        void this.reloadVersions();
      }),
      this.api.onEngineLifecycle((l) => {
        if (l.state === 'restarting' && this.job && !this.job.result) {
          this.job.interrupted = true;
          this.job.progress = null;
        }
        // A restarted engine forgot every password session.
        if (l.state === 'restarting' && this.session) void this.useThisComputer(false);
        if (l.state === 'running' && this.snapshots === null) void this.load();
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  async load(): Promise<void> {
    const r = await this.api.invoke('browse:snapshots', { ...this.sourceField });
    if (!r.ok) {
      this.snapshotsError = r.error;
      this.snapshots = null;
      return;
    }
    this.snapshotsError = null;
    this.snapshots = r.value;
    const keep = this.snapshot && r.value.find((s) => s.id === this.snapshot!.id);
    if (!keep) this.openSnapshot(r.value[0] ?? null);
  }

  openSnapshot(s: SnapshotSummary | null, folder?: string): void {
    this.snapshot = s;
    this.folder = folder ?? (s ? startPath(s) : '/');
  }

  openFolder(path: string): void {
    this.folder = path;
  }

  async choose(item: Chosen): Promise<void> {
    this.chosen = item;
    this.preview = null;
    this.versions = null;
    this.versionsError = null;
    if (item.type === 'file' || item.type === 'symlink') await this.reloadVersions();
  }

  async reloadVersions(): Promise<void> {
    const item = this.chosen;
    if (!item || item.type === 'dir') return;
    const r = await this.api.invoke('browse:versions', { ...this.sourceField, path: item.path });
    if (this.chosen !== item) return;
    if (r.ok) this.versions = r.value;
    else this.versionsError = r.error;
  }

  async showPreview(snapshotId: string, path: string): Promise<void> {
    this.preview = { snapshotId, path, value: null, error: null };
    const r = await this.api.invoke('browse:preview', { ...this.sourceField, snapshotId, path });
    if (this.preview?.snapshotId !== snapshotId || this.preview.path !== path) return;
    this.preview = { snapshotId, path, value: r.ok ? r.value : null, error: r.ok ? null : r.error };
  }

  async search(query: string): Promise<void> {
    this.query = query;
    const generation = ++this.#searchGeneration;
    if (query.trim().length === 0) {
      this.results = null;
      this.searching = false;
      return;
    }
    this.searching = true;
    const r = await this.api.invoke('browse:search', { ...this.sourceField, query: query.slice(0, 256), limit: 200 });
    if (generation !== this.#searchGeneration) return;
    this.searching = false;
    this.results = r.ok ? r.value : null;
    this.searchError = r.ok ? null : r.error;
  }

  async restore(request: { snapshotId: string; paths: string[]; target: string; conflict: ConflictPolicy }): Promise<void> {
    this.job = { jobId: null, target: request.target, progress: null, result: null, interrupted: false, startError: null };
    const r = await this.api.invoke('restore:start', { ...request, ...this.sourceField });
    if (!this.job) return;
    if (r.ok) this.job.jobId = r.value.jobId;
    else this.job.startError = r.error;
  }

  dismissJob(): void {
    this.job = null;
  }

  async openSession(request: SessionOpenRequest): Promise<SessionOpenResult | IpcError> {
    const r = await this.api.invoke('session:open', request);
    if (!r.ok) return r.error;
    if (r.value.kind === 'opened') {
      const previous = this.session;
      await this.useThisComputer(true);
      if (previous) await this.api.invoke('session:close', { sessionId: previous.sessionId });
      this.session = r.value.session;
      this.source = { kind: 'session', sessionId: r.value.session.sessionId };
      await this.load();
    }
    return r.value;
  }

  /** Back to this computer's backups; closes the session (its keys are wiped) unless `keep`. */
  async useThisComputer(keep = false): Promise<void> {
    const session = this.session;
    this.session = null;
    this.source = { kind: 'local' };
    this.snapshot = null;
    this.chosen = null;
    this.versions = null;
    this.preview = null;
    this.results = null;
    this.query = '';
    if (session && !keep) await this.api.invoke('session:close', { sessionId: session.sessionId });
    if (!keep) await this.load();
  }
}
