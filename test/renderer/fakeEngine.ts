// An in-test EngineApi: canned answers, recorded calls, events pushed by the test. A smoke-test
// stand-in for the engine service so the renderer and the bridge can be exercised; it makes no
// claim about the engine itself.

import type {
  CancelResult,
  EngineApi,
  EngineEvent,
  EngineStatus,
  JobRef,
  RestoreRequest,
  SnapshotLsRequest,
  SnapshotSummary,
  TreeEntry,
} from '../../src-main/ipc/contract.js';

const MINUTE = 60_000;

export function sampleSnapshots(now: number): SnapshotSummary[] {
  const mk = (n: number, minutesAgo: number, files: number, bytes: number): SnapshotSummary => {
    const id = `${n}`.repeat(8) + 'a1b2c3d4'.repeat(7);
    return { id, shortId: id.slice(0, 8), time: new Date(now - minutesAgo * MINUTE).toISOString(), paths: ['/home/marie/Documents', '/home/marie/Pictures'], files, bytes };
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
  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async close(): Promise<void> {
    this.listeners.clear();
  }
}
