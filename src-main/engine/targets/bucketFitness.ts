import { HavreError } from '../errors/index.js';
import type { ObjectLockPolicy } from '../store/index.js';
import type { BucketReport } from '../store/s3/index.js';

/** Refuses a bucket that cannot take backups, with the error a backup would meet. */
export function refuseIfUnfit(report: BucketReport, lock: ObjectLockPolicy | null, bucket: string): void {
  for (const c of [report.reachable, report.credentials, report.bucket, report.list, report.write, report.read]) {
    if (!c.ok && !c.skipped) throw c.error ?? new HavreError('USAGE', { detail: c.detail });
  }
  if (lock && report.objectLock.enabled === false) throw new HavreError('S3_NO_OBJECT_LOCK', { bucket });
}
