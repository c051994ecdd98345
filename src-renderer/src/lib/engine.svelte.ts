// The engine as the window sees it, kept up to date from window.havre: requests for the first
// state, events for everything after. Screens read it; only its methods call the API.

import type {
  BackupHistory,
  EngineLifecycle,
  EngineStatus,
  IpcError,
  JobProgress,
  JobResult,
  PauseRequest,
  SetupView,
  SnapshotSummary,
} from '../../../src-main/ipc/contract.js';
import type { HavreApi } from '../../../src-main/ipc/rendererApi.js';

export class EngineView {
  status = $state<EngineStatus | null>(null);
  lifecycle = $state<EngineLifecycle | null>(null);
  /** Set when the engine came back after an unexpected stop: the window says so until dismissed. */
  restartedAt = $state<number | null>(null);
  snapshots = $state<SnapshotSummary[] | null>(null);
  snapshotsError = $state<IpcError | null>(null);
  history = $state<BackupHistory | null>(null);
  setup = $state<SetupView | null>(null);
  /** Progress of the backup this window is following, if any. */
  progress = $state<JobProgress | null>(null);
  lastResult = $state<JobResult | null>(null);
  /** Why the last "Back up now", pause or resume did not happen. */
  startError = $state<IpcError | null>(null);
  starting = $state(false);

  readonly api: HavreApi;
  #backupJobId: string | null = null;

  constructor(api: HavreApi) {
    this.api = api;
  }

  get backupRunning(): boolean {
    return this.starting || this.progress !== null || this.status?.state === 'backing-up';
  }

  get engineDown(): boolean {
    return this.lifecycle?.state === 'failed' || this.lifecycle?.state === 'restarting' || this.lifecycle?.state === 'starting';
  }

  /** Subscribes to events and loads the first state; returns the cleanup. */
  connect(): () => void {
    const unsubscribe = [
      this.api.onStatus((status) => {
        this.status = status;
      }),
      this.api.onEngineLifecycle((lifecycle) => {
        const wasDown = this.lifecycle?.state === 'restarting';
        this.lifecycle = lifecycle;
        if (lifecycle.state === 'restarting') {
          // The job this window followed died with the engine; its result will never come.
          this.#backupJobId = null;
          this.progress = null;
          this.starting = false;
        }
        if (lifecycle.state === 'running') {
          if (wasDown || lifecycle.restarts > 0) this.restartedAt = Date.now();
          void this.refresh();
        }
      }),
      this.api.onProgress((progress) => {
        if (progress.kind !== 'backup') return;
        if (this.#backupJobId === null) this.#backupJobId = progress.jobId; // started elsewhere (tray, continuous protection)
        if (progress.jobId === this.#backupJobId) this.progress = progress;
      }),
      this.api.onResult((result) => {
        if (result.kind !== 'backup') return;
        if (this.#backupJobId !== null && result.jobId !== this.#backupJobId) return;
        this.#backupJobId = null;
        this.progress = null;
        this.lastResult = result;
        void this.refresh();
      }),
    ];
    void this.refresh();
    return () => {
      for (const off of unsubscribe) off();
    };
  }

  async refresh(): Promise<void> {
    const [status, snapshots, history, setup] = await Promise.all([
      this.api.invoke('engine:status'),
      this.api.invoke('snapshots:list'),
      this.api.invoke('stats:history'),
      this.api.invoke('setup:get'),
    ]);
    if (status.ok) this.status = status.value;
    if (snapshots.ok) {
      this.snapshots = snapshots.value;
      this.snapshotsError = null;
    } else {
      this.snapshotsError = snapshots.error;
    }
    if (history.ok) this.history = history.value;
    if (setup.ok) this.setup = setup.value;
  }

  async backupNow(): Promise<void> {
    if (this.backupRunning) return;
    this.starting = true;
    this.startError = null;
    this.lastResult = null;
    try {
      const result = await this.api.invoke('backup:start');
      if (result.ok) {
        this.#backupJobId = result.value.jobId;
        this.progress ??= { jobId: result.value.jobId, kind: 'backup', phase: 'queued', files: 0, bytes: 0, bytesPerSecond: 0 };
      } else {
        this.startError = result.error;
      }
    } finally {
      this.starting = false;
    }
  }

  async pause(request: PauseRequest): Promise<void> {
    this.startError = null;
    const r = await this.api.invoke('protection:pause', request);
    if (!r.ok) this.startError = r.error;
    else if (this.status) this.status = { ...this.status, protection: r.value, state: 'paused' };
    void this.refresh();
  }

  async resume(): Promise<void> {
    this.startError = null;
    const r = await this.api.invoke('protection:resume');
    if (!r.ok) this.startError = r.error;
    void this.refresh();
  }
}
