// An in-test EngineApi: canned answers, recorded calls, events pushed by the test. A smoke-test
// stand-in for the engine service so the renderer and the bridge can be exercised; it makes no
// claim about the engine itself.

import type {
  ActivityEvent,
  ActivityPage,
  ActivityQuery,
  BackupHistory,
  BrowseListPage,
  BrowseListRequest,
  CancelResult,
  EngineApi,
  EngineEvent,
  EngineStatus,
  EnrollRequest, RestorePasswordRequest,
  FailedFile,
  FilePreview,
  JobRef,
  PauseRequest,
  PreviewRequest,
  ProtectionStatus,
  RestoreRequest,
  SearchRequest,
  SearchResult,
  SessionOpenRequest,
  SessionOpenResult,
  SessionRef,
  Settings,
  SettingsView,
  SetupView,
  SnapshotLsRequest,
  SnapshotsRequest,
  SnapshotSummary,
  TreeEntry,
  VersionsRequest,
  VersionsResult,
} from '../../src-main/ipc/contract.js';

const MINUTE = 60_000;

export function sampleSnapshots(now: number): SnapshotSummary[] {
  const mk = (n: number, minutesAgo: number, files: number, bytes: number): SnapshotSummary => {
    const id = `${n}`.repeat(8) + 'a1b2c3d4'.repeat(7);
    return { id, shortId: id.slice(0, 8), time: new Date(now - minutesAgo * MINUTE).toISOString(), paths: ['/home/marie/Documents', '/home/marie/Pictures'], files, bytes, tags: [] };
  };
  return [mk(3, 12, 18_452, 4_830_000_000), mk(2, 60 * 26, 18_401, 4_812_500_000), mk(1, 60 * 24 * 6, 17_990, 4_700_000_000)];
}

export class FakeEngine implements EngineApi {
  readonly calls: string[] = [];
  snapshots: SnapshotSummary[];
  statusValue: EngineStatus;
  nextJob = 1;
  /** When set, the next method call throws this (to test error scrubbing). */
  throwNext: unknown = undefined;
  private readonly listeners = new Set<(event: EngineEvent) => void>();

  constructor(now: number = Date.now()) {
    this.snapshots = sampleSnapshots(now);
    const last = this.snapshots[0];
    this.statusValue = {
      state: 'idle',
      repo: '/media/marie/HAVRE-USB',
      lastBackup: last === undefined ? null : { snapshotId: last.id, time: last.time, files: last.files, bytes: last.bytes },
    };
  }

  private record(name: string): void {
    this.calls.push(name);
    if (this.throwNext !== undefined) {
      const error = this.throwNext;
      this.throwNext = undefined;
      throw error;
    }
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  async status(): Promise<EngineStatus> {
    this.record('status');
    return structuredClone(this.statusValue);
  }
  async listSnapshots(): Promise<SnapshotSummary[]> {
    this.record('listSnapshots');
    return structuredClone(this.snapshots);
  }
  async listTree(_request: SnapshotLsRequest): Promise<TreeEntry[]> {
    this.record('listTree');
    return [{ name: 'Documents', type: 'dir', size: 0, mtime: new Date(0).toISOString() }];
  }
  async startBackup(): Promise<JobRef> {
    this.record('startBackup');
    return { jobId: `job-${this.nextJob++}` };
  }
  async startRestore(_request: RestoreRequest): Promise<JobRef> {
    this.record('startRestore');
    return { jobId: `job-${this.nextJob++}` };
  }
  async cancelJob(_request: JobRef): Promise<CancelResult> {
    this.record('cancelJob');
    return { cancelled: true };
  }
  protection: ProtectionStatus = {
    mode: 'watching', activity: 'idle', protectedFiles: 18_452, pendingFiles: 0, pendingBytes: 0, failedFiles: 0, oldestPendingChange: null,
    lastSuccess: [{ target: 'local', time: null }], pause: null, warnings: [],
  };
  settings: SettingsView = {
    values: { folders: ['/home/marie/Documents'], exclusions: [], defaultExclusions: true, maxFileSizeMiB: null, continuous: true, scanIntervalMinutes: 60,
      window: null, pauseOnBattery: false, minBatteryPercent: 20, pauseOnMetered: true, uploadKiBps: null, bandwidthRules: [], cpuPriority: 'low-when-active' },
    locked: {},
  };
  async pause(request: PauseRequest): Promise<ProtectionStatus> {
    this.record('pause');
    this.protection = { ...this.protection, activity: 'paused', pause: { reason: 'user', until: 'minutes' in request ? new Date(Date.now() + request.minutes * MINUTE).toISOString() : null } };
    return structuredClone(this.protection);
  }
  async resume(): Promise<ProtectionStatus> {
    this.record('resume');
    this.protection = { ...this.protection, activity: 'idle', pause: null };
    return structuredClone(this.protection);
  }
  async listFailures(): Promise<FailedFile[]> {
    this.record('listFailures');
    return [];
  }
  async getSettings(): Promise<SettingsView> {
    this.record('getSettings');
    return structuredClone(this.settings);
  }
  async setSettings(patch: Partial<Settings>): Promise<SettingsView> {
    this.record('setSettings');
    this.settings = { ...this.settings, values: { ...this.settings.values, ...patch } };
    return structuredClone(this.settings);
  }
  activity: ActivityEvent[] = [];
  async browseSnapshots(_request: SnapshotsRequest): Promise<SnapshotSummary[]> {
    this.record('browseSnapshots');
    return structuredClone(this.snapshots);
  }
  async browseList(request: BrowseListRequest): Promise<BrowseListPage> {
    this.record('browseList');
    const entries = await this.listTree({ snapshotId: request.snapshotId, path: request.path });
    return { total: entries.length, offset: request.offset, entries: entries.slice(request.offset, request.offset + request.limit) };
  }
  async fileVersions(request: VersionsRequest): Promise<VersionsResult> {
    this.record('fileVersions');
    return { path: request.path, versions: [] };
  }
  async search(_request: SearchRequest): Promise<SearchResult> {
    this.record('search');
    return { hits: [], truncated: false };
  }
  async preview(_request: PreviewRequest): Promise<FilePreview> {
    this.record('preview');
    return { kind: 'none', reason: 'type', size: 0 };
  }
  async openSession(_request: SessionOpenRequest): Promise<SessionOpenResult> {
    this.record('openSession');
    return { kind: 'choose-machine', machines: [] };
  }
  async closeSession(_request: SessionRef): Promise<{ closed: boolean }> {
    this.record('closeSession');
    return { closed: false };
  }
  async listActivity(query: ActivityQuery): Promise<ActivityPage> {
    this.record('listActivity');
    return { total: this.activity.length, events: this.activity.slice(query.offset, query.offset + query.limit) };
  }
  async backupHistory(): Promise<BackupHistory> {
    this.record('backupHistory');
    return { points: [], storage: { storedBytes: 0, packs: 0 } };
  }
  async getSetup(): Promise<SetupView> {
    this.record('getSetup');
    return { targets: [{ name: 'local', kind: 'local', role: 'primary', location: this.statusValue.repo ?? '' }], appliance: null, userHome: '/home/marie' };
  }
  async enroll(_request: EnrollRequest): Promise<SetupView> {
    this.record('enroll');
    return this.getSetup();
  }
  async setRestorePassword(_request: RestorePasswordRequest): Promise<SetupView> {
    this.record('setRestorePassword');
    return this.getSetup();
  }
  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async close(): Promise<void> {
    this.listeners.clear();
  }
}
