import { join } from 'node:path';
import { Catalog } from '../catalog/index.js';
import { LocalLock, Repository } from '../repo/index.js';
import { DEFAULT_RHYTHM, type RhythmRules } from './ChangeRhythm.js';
import type { UserPause } from './gates.js';
import { readUserPause } from './pauseFile.js';
import { failedFiles } from './status.js';

export interface ProtectionReport {
  /** The process protecting this account now (the app's engine or `havre daemon`), or null. */
  readonly runningPid: number | null;
  readonly pause: UserPause | null;
  readonly pendingFiles: number;
  readonly pendingBytes: number;
  readonly failedFiles: number;
  /** ISO 8601: the oldest change not yet protected. */
  readonly oldestPendingChange: string | null;
  readonly failures: ReturnType<typeof failedFiles>;
}

/** What `havre status` says about continuous protection, read from the catalog's queue whether or not it runs. */
export async function protectionReport(home: string, repoId: string, rules: RhythmRules = DEFAULT_RHYTHM): Promise<ProtectionReport> {
  const holder = await LocalLock.holder(join(home, 'protection.lock'));
  const catalog = Catalog.open(Repository.catalogFile(home, repoId));
  try {
    const c = catalog.changes.counts(rules.failedAfter);
    return {
      runningPid: holder?.pid ?? null,
      pause: await readUserPause(home),
      pendingFiles: c.pending,
      pendingBytes: c.pendingBytes,
      failedFiles: c.failed,
      oldestPendingChange: c.oldestMs === null ? null : new Date(Math.min(c.oldestMs, Date.now())).toISOString(),
      failures: failedFiles(catalog.changes.failures(rules.failedAfter, 20), rules),
    };
  } finally {
    catalog.close();
  }
}
