/** Progress of a long job, emitted a few times a second (the UI and `--json` consumers read it). */
export interface JobProgress {
  readonly kind: 'backup' | 'restore' | 'verify' | 'prune';
  readonly phase: string;
  readonly files: number;
  readonly totalFiles?: number;
  readonly bytes: number;
  readonly totalBytes?: number;
  readonly bytesPerSecond: number;
  readonly etaSeconds?: number;
  readonly currentPath?: string;
}

export type ProgressListener = (p: JobProgress) => void;

/** Throttles progress events and computes rate and ETA from a moving start point. */
export class ProgressMeter {
  private readonly started = Date.now();
  private last = 0;

  constructor(private readonly kind: JobProgress['kind'], private readonly listener: ProgressListener | undefined, private readonly everyMs = 250) {}

  report(p: Omit<JobProgress, 'kind' | 'bytesPerSecond' | 'etaSeconds'>, force = false): void {
    if (!this.listener) return;
    const now = Date.now();
    if (!force && now - this.last < this.everyMs) return;
    this.last = now;
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const bytesPerSecond = Math.round(p.bytes / secs);
    const etaSeconds = p.totalBytes !== undefined && bytesPerSecond > 0 ? Math.max(0, Math.round((p.totalBytes - p.bytes) / bytesPerSecond)) : undefined;
    this.listener({ ...p, kind: this.kind, bytesPerSecond, ...(etaSeconds !== undefined ? { etaSeconds } : {}) });
  }
}
