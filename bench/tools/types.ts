// The one interface every tool runner implements. Runners drive real binaries as black boxes; each
// call returns the measured process result (wall time, peak RSS of the process tree, output tails).
import type { ProcResult } from '../lib/proc.js';
import type { S3Server } from '../lib/s3server.js';

export type ToolName = 'havre' | 'havre-appliance' | 'havre-s3' | 'restic' | 'restic-s3' | 'borg';
export const ALL_TOOLS: readonly ToolName[] = ['havre', 'havre-appliance', 'havre-s3', 'restic', 'restic-s3', 'borg'];
/** Tools whose repository is a bucket on the run's local S3 server (borg has no S3 backend). */
export const S3_TOOLS: readonly ToolName[] = ['havre-s3', 'restic-s3'];

export function isS3Tool(name: ToolName): boolean {
  return S3_TOOLS.includes(name);
}

export interface ToolContext {
  /** private state of this tool for this run: caches, config, HAVRE_HOME… (not part of the repo) */
  stateDir: string;
  /** project root (for bin/havre.js) */
  root: string;
  /** passed through the environment only, never argv */
  password: string;
  /** per-step timeout */
  timeoutMs: number;
  /** the run's S3 server (started once by run.ts when an S3 tool is in --tools) */
  s3?: S3Server;
}

/** A repository's size when it is not a directory: what the bucket holds. */
export interface BucketUsage {
  apparentBytes: number;
  /** object versions */
  files: number;
}

export interface ToolRunner {
  readonly name: ToolName;
  /** version string, or null when the tool cannot be run */
  version(): Promise<string | null>;
  /** default settings worth stating next to the numbers */
  readonly settings: string[];
  init(repoDir: string): Promise<ProcResult>;
  /** first (full) backup of sourceDir */
  backup(sourceDir: string): Promise<ProcResult>;
  /** second backup of the same, unchanged sourceDir */
  noopBackup(sourceDir: string): Promise<ProcResult>;
  /** a later backup of sourceDir after some of its files changed (the incremental series) */
  incrementalBackup(sourceDir: string): Promise<ProcResult>;
  /** restores the latest snapshot (the last backup made) under targetDir (which exists and is empty) */
  restore(targetDir: string): Promise<ProcResult>;
  /** where the restored copy of sourceDir lands under targetDir, when the tool's layout is known */
  restoredRoot(targetDir: string, sourceDir: string): string | null;
  /** the repository directory (for its size on disk), or its URL for a bucket */
  repoDir(): string;
  /** the repository's size when it is a bucket (instead of du on repoDir) */
  repoUsage?(): Promise<BucketUsage>;
  /** stops what init started (a server); called after every run */
  close?(): Promise<void>;
}
