// The activity log's part of the contract (issue 6; issue 7 persists it as the hash-chained audit
// log behind the same channel): events of backups, restores, deletions, verifications, alerts and
// protection, with filters, search and paging. Pure TypeScript; re-exported by contract.ts.

import type { IpcError } from './contract.js';
import { hasExactKeys, isBoundedText, isIntIn, isPlainObject } from './guards.js';

export const ACTIVITY_KINDS = ['backup', 'restore', 'deletion', 'verification', 'alert', 'protection'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export const ACTIVITY_OUTCOMES = ['ok', 'partial', 'failed', 'info'] as const;
export type ActivityOutcome = (typeof ACTIVITY_OUTCOMES)[number];

/** What an event is about, beyond its kind; the renderer words it in the user's language. */
export const ACTIVITY_ACTIONS = [
  'backup.done', 'backup.nothing-new', 'backup.failed',
  'restore.done', 'restore.failed',
  'deletion.done',
  'verification.done', 'verification.failed',
  'alert.raised',
  'protection.paused', 'protection.resumed', 'engine.restarted',
] as const;
export type ActivityAction = (typeof ACTIVITY_ACTIONS)[number];

export interface ActivityEvent {
  /** Unique and stable for the event's life (paging, the live list). */
  id: string;
  /** ISO 8601, UTC. */
  time: string;
  kind: ActivityKind;
  action: ActivityAction;
  outcome: ActivityOutcome;
  files?: number;
  bytes?: number;
  durationMs?: number;
  /** Files left out or not restored. */
  skipped?: number;
  snapshotId?: string;
  /** What it concerns, in no particular language: the folders of a backup, a restore's target, a pause's end. */
  subject?: string;
  /** The error of a failed or partial event, or the alert itself. */
  error?: IpcError;
  /**
   * True when the event outlives this run of the engine (today: backups, read back from the
   * repository's snapshots); false when only this engine run remembers it, until the audit log
   * (issue 7) keeps every event.
   */
  persisted: boolean;
}

export interface ActivityQuery {
  /** Absent or empty: every kind. */
  kinds?: ActivityKind[];
  outcomes?: ActivityOutcome[];
  /** Words found in the subject, the snapshot id or the error message (either language); case and accents aside. */
  search?: string;
  /** Newest first. */
  offset: number;
  limit: number;
}

export interface ActivityPage {
  /** Events matching the query. */
  total: number;
  events: ActivityEvent[];
}

export const MAX_ACTIVITY_PAGE = 1000;

function isListOf<T extends string>(value: unknown, allowed: readonly T[]): value is T[] {
  return Array.isArray(value) && value.length <= allowed.length && value.every((v) => (allowed as readonly unknown[]).includes(v));
}

export function isActivityQuery(value: unknown): value is ActivityQuery {
  return isPlainObject(value) && hasExactKeys(value, ['offset', 'limit'], ['kinds', 'outcomes', 'search'])
    && (value.kinds === undefined || isListOf(value.kinds, ACTIVITY_KINDS))
    && (value.outcomes === undefined || isListOf(value.outcomes, ACTIVITY_OUTCOMES))
    && (value.search === undefined || value.search === '' || isBoundedText(value.search, 256))
    && isIntIn(value.offset, 0, Number.MAX_SAFE_INTEGER) && isIntIn(value.limit, 1, MAX_ACTIVITY_PAGE);
}
