// One event per job, done or failed, in the log of the repository it ran on. Recording never
// fails the job it reports: an audit store that cannot be written is said on stderr (the job's
// outcome is already the user's to see) and the next event goes on from the stored head.
import { isHavreError } from '../errors/index.js';
import type { AuditLog } from './AuditLog.js';
import type { FileListCollector } from './fileList.js';

export function recordBestEffort(log: AuditLog | null, type: string, fields: Record<string, unknown>, files?: FileListCollector): void {
  if (!log) return;
  try {
    log.record(type, fields, files);
  } catch (e) {
    process.stderr.write(`havre: the audit event ${type} could not be recorded (${isHavreError(e) ? e.code : e instanceof Error ? e.message : String(e)})\n`);
  }
}

export interface JobAccount {
  /** Counts and ids, never a path. */
  readonly fields: Record<string, unknown>;
  readonly files?: FileListCollector;
  /** The job ran but its outcome is a failure to report (a verification that found damage): the error code. */
  readonly failed?: string;
}

interface AuditedRepo {
  readonly audit: AuditLog | null;
  listSnapshots(): readonly { readonly id: string }[];
}

function snapshotsOf(repo: AuditedRepo): Record<string, unknown> {
  try {
    const snaps = repo.listSnapshots();
    return { snapshots: snaps.length, ...(snaps.length > 0 ? { lastSnapshot: snaps.at(-1)!.id } : {}) };
  } catch {
    return {};
  }
}

/** Runs a job and records `job.done` (with what `account` says of its result) or `job.failed` (with the error code). */
export async function auditedJob<T>(repo: AuditedRepo, job: string, run: () => Promise<T>, account: (result: T) => JobAccount, onFailure?: () => FileListCollector | undefined): Promise<T> {
  let result: T;
  try {
    result = await run();
  } catch (e) {
    recordBestEffort(repo.audit, 'job.failed', { job, ...snapshotsOf(repo), error: isHavreError(e) ? e.code : 'INTERNAL' }, onFailure?.());
    throw e;
  }
  const a = account(result);
  recordBestEffort(repo.audit, a.failed ? 'job.failed' : 'job.done', { job, ...snapshotsOf(repo), ...a.fields, ...(a.failed ? { error: a.failed } : {}) }, a.files);
  return result;
}
