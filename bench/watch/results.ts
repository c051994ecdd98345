// The shape of docs/benchmarks-watch.json: every figure the watcher benchmark measured, per tree
// size, library and repetition, with the medians the report prints.
import type { MachineInfo } from '../machine.js';
import type { Library } from './protocol.js';

export const WATCH_RESULTS_SCHEMA = 1;

export interface BurstResult {
  /** files (and folders) the driver wrote */
  files: number;
  dirs: number;
  /** wall time the driver took to write them */
  writeMs: number;
  /** distinct paths of those the watcher reported */
  filesReported: number;
  dirsReported: number;
  /** from the end of the writes to the last event (0 when everything arrived during the writes) */
  drainMs: number;
  /** CPU time the watcher process used from the first write until the events stopped */
  cpuMs: number;
  /** error notices the library gave during the burst (overflow or otherwise) */
  errors: string[];
}

export interface LatencyResult {
  writes: number;
  /** writes never reported within the timeout */
  missed: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

export interface RepResult {
  rep: number;
  loadAvgAtStart: number;
  /** import of the library in the child */
  loadMs: number;
  /** from the call to watch until ready (parcel: subscribe resolved; chokidar: 'ready') */
  startMs: number | null;
  startFailed?: string;
  /** CPU time of the child from process start until ready */
  cpuToReadyMs: number | null;
  rssReadyBytes: number | null;
  watches: number | null;
  /** files written at random places of the tree while the watcher was starting */
  preReady: { written: number; writtenBeforeReady: number; reported: number } | null;
  idleSeconds: number;
  idleCpuMs: number | null;
  /** CPU the rest of the machine used during the idle minute, in CPUs (other agents) */
  idleOtherLoad: number | null;
  rssAfterIdleBytes: number | null;
  latency: LatencyResult | null;
  modify: BurstResult | null;
  /** new files spread over existing folders (20 per folder, folders picked at random) */
  createInExisting: BurstResult | null;
  /** new files in new folders (an unzip, a copied folder) */
  create: BurstResult | null;
  /** VmHWM of the child at the end */
  peakRssBytes: number | null;
  closeMs: number | null;
  /** the process ended by itself once the watcher was closed and stdin ended (no leaked handle) */
  exitedAfterClose: boolean | null;
  errors: string[];
}

export interface LibraryResult {
  lib: Library;
  /** when and with what this library was measured on this tree (runs can be merged per library) */
  date: string;
  settings: WatchSettings;
  reps: RepResult[];
}

export interface WatchSettings {
  reps: number;
  idleSeconds: number;
  latencyWrites: number;
  modifyFiles: number;
  createFiles: number;
  createDirs: number;
  seed: string;
}

export interface SizeResult {
  files: number;
  dirs: number;
  maxDepth: number;
  libs: LibraryResult[];
}

export interface LimitScenario {
  lib: Library;
  scenario: 'below-tree' | 'reached-later';
  /** max_inotify_watches in the child's user namespace */
  limit: number;
  /** folders in the tree (what a full watch needs, one watch per folder) */
  treeDirs: number;
  ready: boolean;
  startMs: number | null;
  startError: string | null;
  watches: number | null;
  /** errors the library delivered after start (distinct messages, as given, at most 10) */
  errors: string[];
  /** how many it delivered in all */
  errorCount?: number;
  /** files written after start in folders past the limit, and how many were reported */
  probeWritten: number;
  probeReported: number;
  aliveAfter: boolean;
  exitedAfterClose: boolean | null;
  note: string;
}

export interface WatchBenchResults {
  schema: number;
  date: string;
  command: string;
  machine: MachineInfo;
  inotify: { maxUserWatches: number; maxQueuedEvents: number; maxUserInstances: number };
  versions: Record<string, string>;
  settings: WatchSettings;
  sizes: SizeResult[];
  limit: LimitScenario[];
  durationMs?: number;
}
