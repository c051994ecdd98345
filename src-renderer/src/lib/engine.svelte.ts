// The dashboard's view of the engine, kept up to date from window.havre: requests for the initial
// state, events for everything after. Components read it; only its methods call the API.

import type {
  EngineLifecycle,
  EngineStatus,
  IpcError,
  JobProgress,
  JobResult,
  SnapshotSummary,
} from '../../../src-main/ipc/contract.js';
import type { HavreApi } from '../../../src-main/ipc/rendererApi.js';

export class EngineView {
  status = $state<EngineStatus | null>(null);
  lifecycle = $state<EngineLifecycle | null>(null);
  snapshots = $state<SnapshotSummary[] | null>(null);
  snapshotsError = $state<IpcError | null>(null);
  /** Progress of the backup this window is following, if any. */
  progress = $state<JobProgress | null>(null);
  lastResult = $state<JobResult | null>(null);
  /** Why the last "Back up now" did not start. */
  startError = $state<IpcError | null>(null);
  starting = $state(false);

  readonly #api: HavreApi;
  #backupJobId: string | null = null;

  constructor(api: HavreApi) {
    this.#api = api;
  }

  get backupRunning(): boolean {
    return this.starting || this.progress !== null || this.status?.state === 'backing-up';
  }

  /** Subscribes to events and loads the first state; returns the cleanup. */
  connect(): () => void {
    const unsubscribe = [
      this.#api.onStatus((status) => {
        this.status = status;
      }),
      this.#api.onEngineLifecycle((lifecycle) => {
        this.lifecycle = lifecycle;
        if (lifecycle.state === 'running') void this.refresh();
      }),
      this.#api.onProgress((progress) => {
        if (progress.kind !== 'backup') return;
        if (this.#backupJobId === null) this.#backupJobId = progress.jobId; // started elsewhere (tray, schedule)
        if (progress.jobId === this.#backupJobId) this.progress = progress;
      }),
      this.#api.onResult((result) => {
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
    const [status, snapshots] = await Promise.all([this.#api.invoke('engine:status'), this.#api.invoke('snapshots:list')]);
    if (status.ok) this.status = status.value;
    if (snapshots.ok) {
      this.snapshots = snapshots.value;
      this.snapshotsError = null;
    } else {
      this.snapshotsError = snapshots.error;
    }
  }

  async backupNow(): Promise<void> {
    if (this.backupRunning) return;
    this.starting = true;
    this.startError = null;
    this.lastResult = null;
    try {
      const result = await this.#api.invoke('backup:start');
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
}
