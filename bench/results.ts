// Shape of docs/benchmarks.json: everything the report is written from, raw.
import type { CategoryStats } from './corpus/generate.js';
import type { MutationSummary } from './corpus/mutate.js';
import type { DiskUsage } from './lib/fsutil.js';
import type { Limits } from './limits.js';
import type { MachineInfo } from './machine.js';
import type { S3ServerInfo } from './lib/s3server.js';
import type { BucketUsage, ToolName } from './tools/types.js';

export const RESULTS_SCHEMA = 1;

export type StepName = 'init' | 'backup' | 'noop' | 'incremental' | 'restore';
/** In the order a series runs them: the incremental backup follows the seeded change of 1 % of the
 *  files, and the restore (of the latest snapshot) is checked against the changed tree. */
export const STEPS: readonly StepName[] = ['init', 'backup', 'noop', 'incremental', 'restore'];
export const STEP_TITLES: Record<StepName, string> = {
  init: 'Repository init',
  backup: 'Full backup',
  noop: 'No-op backup (unchanged tree)',
  incremental: 'Incremental backup (1 % of files changed)',
  restore: 'Full restore',
};

export type StepStatus = 'ok' | 'failed' | 'skipped' | 'unavailable';

export interface StepMeasure {
  status: StepStatus;
  /** why failed / skipped / unavailable */
  reason?: string;
  command?: string;
  exitCode?: number | null;
  /** process wall time, spawn to exit */
  processMs?: number;
  /** `sync` right after the process exits: writeback the tool left to the kernel */
  syncMs?: number;
  /** processMs + syncMs: the headline time */
  totalMs?: number;
  /** corpus bytes / totalMs (backup, noop, restore) */
  mibPerSec?: number;
  peakRssBytes?: number;
  rssSamples?: number;
  /** user + system CPU time of the tool's process tree */
  cpuMs?: number;
  /** CPU time other processes (and hypervisor steal) used on the machine during the step */
  otherCpuMs?: number;
  /** otherCpuMs / processMs: how many CPUs' worth of other work ran alongside, on average */
  otherLoad?: number;
  /** S3 tools: CPU time of the local S3 server's daemons (radosgw, OSD, monitor) during the step;
   *  neither in cpuMs nor in otherCpuMs */
  serverCpuMs?: number;
  loadAvgAtStart?: number;
  /** page cache dropped before the step */
  coldCache?: boolean;
  /** with --runs > 1: this is the median run; spread of the successful runs' totalMs */
  spread?: { n: number; minMs: number; maxMs: number };
  /** restore only */
  verify?: { ok: boolean; detail: string; restoredRoot: string | null; ms: number };
  stdoutTail?: string;
  stderrTail?: string;
}

export interface ToolResult {
  tool: ToolName;
  version: string | null;
  available: boolean;
  unavailableReason?: string;
  settings: string[];
  steps: Record<StepName, StepMeasure>;
  /** du of the repository folder; for an S3 tool, what its bucket holds (no allocated size) */
  repoAfterBackup?: DiskUsage | BucketUsage;
  repoAfterNoop?: DiskUsage | BucketUsage;
  repoAfterIncremental?: DiskUsage | BucketUsage;
  /** caches and local state kept outside the repository (restic cache, borg cache, HAVRE_HOME) */
  stateAfterRun?: DiskUsage;
  /** with --runs > 1: every run's measures, in order */
  allRuns?: Record<StepName, StepMeasure>[];
}

export interface CorpusSummary {
  preset: string;
  seed: string;
  targetBytes: number;
  totalBytes: number;
  files: number;
  dirs: number;
  emptyDirs: number;
  categories: CategoryStats[];
  /** deflate level 1 over every byte, per category: compressed / original */
  deflateRatio?: Record<string, number>;
  generationMs: number;
  reused: boolean;
}

export interface BenchResults {
  schema: number;
  date: string;
  command: string;
  durationMs?: number;
  /** cycles per tool (--runs); figures are medians when > 1 */
  runs?: number;
  machine: MachineInfo;
  toolVersions: Partial<Record<ToolName, string | null>>;
  coldCache: boolean;
  rssMethod: string;
  timeMethod: string;
  cpuMethod?: string;
  corpus: CorpusSummary;
  limits: Limits | null;
  tools: ToolResult[];
  /** the seeded change before the incremental backups (absent in results of older harnesses) */
  mutation?: MutationSummary;
  /** the multi-GiB files series (--big-files) */
  bigFiles?: BigFilesResults;
  /** the local S3 server the S3 tools stored to (when one of them ran) */
  s3Server?: S3ServerInfo;
  havreBuildWarning?: string;
}

/** "Other load" above this many CPUs during a measured step makes the report warn about contention. */
export const CONTENTION_WARN = 0.25;

/** the largest "other load" of any measured step (every run), in CPUs */
export function maxOtherLoad(r: BenchResults): number | undefined {
  const v = r.tools
    .flatMap((t) => [t.steps, ...(t.allRuns ?? [])].flatMap((steps) => Object.values(steps)))
    .filter((m) => m.otherLoad !== undefined && (m.status === 'ok' || m.status === 'failed'))
    .map((m) => m.otherLoad ?? 0);
  return v.length ? Math.max(...v) : undefined;
}

/** A few multi-GiB files backed up and restored by the fs tools (--big-files). */
export interface BigFilesResults {
  files: { path: string; size: number; content: string }[];
  totalBytes: number;
  generationMs: number;
  tools: ToolResult[];
}

/** A step a series did not run (or a harness too old to know it). */
export function notRun(reason: string): StepMeasure {
  return { status: 'skipped', reason };
}

/** Results of older harnesses lack steps and sections: fill the steps so every reader can index them. */
export function normalizeResults(r: BenchResults): BenchResults {
  const fill = (t: ToolResult): ToolResult => {
    const steps = { ...t.steps };
    for (const st of STEPS) steps[st] ??= notRun('not in this run (results of an older harness)');
    return { ...t, steps };
  };
  return { ...r, tools: r.tools.map(fill), bigFiles: r.bigFiles ? { ...r.bigFiles, tools: r.bigFiles.tools.map(fill) } : undefined };
}
