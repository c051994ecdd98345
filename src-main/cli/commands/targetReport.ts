// How a bucket check reads for a person: one line per check, and the warnings worth acting on.
import type { ObjectLockPolicy } from '../../engine/store/index.js';
import type { BucketReport, CheckResult } from '../../engine/store/s3/index.js';

export interface ReportLine {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

const CHECKS = ['reachable', 'credentials', 'bucket', 'versioning', 'objectLock', 'list', 'write', 'read', 'delete', 'clock'] as const;

export function describeReport(r: BucketReport, lock: ObjectLockPolicy | null): { lines: ReportLine[]; warnings: string[] } {
  const lines = CHECKS.map((check) => {
    const c: CheckResult = r[check];
    return { check, ok: c.ok, detail: c.detail };
  });
  const warnings: string[] = [];
  if (r.objectLock.enabled === false) {
    warnings.push(lock ? 'the bucket has no Object Lock: backups there are not immutable' : 'the bucket has no Object Lock (--no-lock): anyone with the key could delete or overwrite these backups');
  }
  if (r.versioning.status !== null && r.versioning.status !== 'Enabled') warnings.push(`versioning is ${r.versioning.status}: a deleted or overwritten object cannot be recovered`);
  if (!r.delete.ok && !r.delete.skipped) warnings.push('the key may not delete (push-only): prune leaves old data to the bucket’s lifecycle rules');
  if (!r.clock.ok) warnings.push(`the clock: ${r.clock.detail}`);
  return { lines, warnings };
}
