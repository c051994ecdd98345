// One place a repository's objects are kept: the primary (local folder, appliance, or cloud bucket
// for a cloud-only machine) or a copy (a cloud bucket beside the appliance or the local folder).
import { isHavreError, type ErrorCode } from '../errors/index.js';
import type { Store } from '../store/index.js';

export interface Target {
  readonly name: string;
  readonly store: Store;
  readonly role: 'primary' | 'copy';
  /** Copies only: sent with each object ("together") or after each job ("after"). */
  readonly timing: 'together' | 'after';
  /** Read preference, nearest first: a local disk, then the LAN appliance, then the cloud. */
  readonly place: 'local' | 'lan' | 'cloud';
  /** Uploads in flight at once when catching up (the target's policy); default 3. */
  readonly parallel?: number;
}

const PLACE_RANK: Record<Target['place'], number> = { local: 0, lan: 1, cloud: 2 };

/** Targets in the order reads try them: primary first at equal distance, nearest first otherwise. */
export function readOrder(targets: readonly Target[]): Target[] {
  return [...targets].sort((a, b) => PLACE_RANK[a.place] - PLACE_RANK[b.place] || (a.role === 'primary' ? -1 : b.role === 'primary' ? 1 : 0));
}

/**
 * Errors that mean "this target is away or refusing for now", as opposed to a damaged or missing
 * object: the run stops using the target and what it lacks waits in the catalog.
 */
const AWAY: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'APPLIANCE_UNREACHABLE', 'APPLIANCE_ERROR', 'APPLIANCE_FORBIDDEN', 'APPLIANCE_CERT_REFUSED', 'APPLIANCE_QUOTA',
  'S3_UNREACHABLE', 'S3_CREDENTIALS_REJECTED', 'S3_FORBIDDEN', 'S3_BUCKET_MISSING', 'S3_NO_OBJECT_LOCK', 'S3_CLOCK_SKEW',
  'S3_THROTTLED', 'S3_SERVER_ERROR', 'S3_QUOTA_EXCEEDED', 'S3_BAD_DIGEST',
  'REPO_NOT_FOUND', 'STORE_FULL', 'STORE_UNAVAILABLE', 'STORE_IO', 'STORE_PERMISSION',
]);

export function isAwayError(e: unknown): boolean {
  return isHavreError(e) && AWAY.has(e.code);
}
