// Shape of docs/benchmarks.json: everything the report is written from, raw.
import type { CategoryStats } from './corpus/generate.js';
import type { DiskUsage } from './lib/fsutil.js';
import type { Limits } from './limits.js';
import type { MachineInfo } from './machine.js';
import type { ToolName } from './tools/types.js';

export const RESULTS_SCHEMA = 1;

export type StepName = 'init' | 'backup' | 'noop' | 'restore';
export const STEPS: readonly StepName[] = ['init', 'backup', 'noop', 'restore'];
export const STEP_TITLES: Record<StepName, string> = {
  init: 'Repository init',
  backup: 'Full backup',
  noop: 'No-op backup (unchanged tree)',
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
  loadAvgAtStart?: number;
  /** page cache dropped before the step */
  coldCache?: boolean;
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
  repoAfterBackup?: DiskUsage;
  repoAfterNoop?: DiskUsage;
  /** caches and local state kept outside the repository (restic cache, borg cache, HAVRE_HOME) */
  stateAfterRun?: DiskUsage;
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
  machine: MachineInfo;
  toolVersions: Partial<Record<ToolName, string | null>>;
  coldCache: boolean;
  rssMethod: string;
  timeMethod: string;
  cpuMethod?: string;
  corpus: CorpusSummary;
  limits: Limits | null;
  tools: ToolResult[];
  havreBuildWarning?: string;
}
