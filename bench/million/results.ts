// Shape of benchmarks-million.json: the many-files series (`--files N`, `--preset million`), kept
// beside benchmarks.json like the watcher's and continuous protection's results.
import type { ManyFilesManifest } from '../corpus/manyFiles.js';
import type { CatalogQueryResults } from '../lib/catalogQueries.js';
import type { MachineInfo } from '../machine.js';
import type { ToolResult } from '../results.js';
import type { ToolName } from '../tools/types.js';

export const MANY_FILES_SCHEMA = 1;
/** DESIGN.md §7: the engine under 200 MB while backing up 1 million files (MB: 10^6 bytes). */
export const RSS_BUDGET_BYTES = 200e6;
/** Issue 9: each restore-browser query under 50 ms on the million-file tree. */
export const QUERY_BUDGET_MS = 50;
export const MILLION = 1_000_000;

export interface ManyFilesResults {
  schema: number;
  date: string;
  command: string;
  durationMs: number;
  machine: MachineInfo;
  toolVersions: Partial<Record<ToolName, string | null>>;
  coldCache: boolean;
  tree: Omit<ManyFilesManifest, 'samples' | 'version'> & { reused: boolean };
  /** init, full backup, no-op backup per tool */
  tools: ToolResult[];
  /** the restore browser's queries on Havre's repository, through the engine's API */
  queries?: CatalogQueryResults;
  /** why the queries were not measured */
  queriesError?: string;
}
