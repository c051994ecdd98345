// The restore browser's part of the contract (issue 6): whose backups a request reads, folder pages
// of a snapshot, a file's versions, search by name across every version, previews, and password
// sessions that read another machine's backups through the appliance. Pure TypeScript: the
// renderer bundles it. Re-exported by contract.ts, which lists the channels.

import type { TreeEntry, TreeEntryType } from './contract.js';
import { hasExactKeys, isBoundedText, isIntIn, isPlainObject, isSnapshotId, isSnapshotPath, type PlainObject } from './guards.js';

/**
 * Whose backups a request reads: this machine's own (the default), or a machine opened with a
 * password through the appliance (session:open) — the new-laptop case, or IT restoring.
 */
export type BackupSource = { kind: 'local' } | { kind: 'session'; sessionId: string };

export interface SnapshotsRequest {
  source?: BackupSource;
}

export interface BrowseListRequest {
  source?: BackupSource;
  snapshotId: string;
  /** Folder inside the snapshot, '/' for its root. */
  path: string;
  /** Entries are sorted folders first, then by name as people sort them (numbers by value, case and accents aside). */
  offset: number;
  limit: number;
}

export interface BrowseListPage {
  /** Entries in the whole folder. */
  total: number;
  offset: number;
  entries: TreeEntry[];
}

export interface VersionsRequest {
  source?: BackupSource;
  /** A file's full path as it was backed up. */
  path: string;
}

/** One version of a path: the run of consecutive snapshots in which it stayed the same. */
export interface FileVersion {
  /** The first snapshot holding this version, and its time (ISO 8601, UTC). */
  snapshotId: string;
  time: string;
  /** The last snapshot still holding it unchanged. */
  lastSnapshotId: string;
  lastTime: string;
  /** Snapshots holding it. */
  snapshots: number;
  type: TreeEntryType;
  size: number;
  /** The file's own modification time, ISO 8601. */
  mtime: string;
}

export interface VersionsResult {
  path: string;
  /** Newest first. */
  versions: FileVersion[];
}

export interface SearchRequest {
  source?: BackupSource;
  /** Part of a name; case and accents do not matter. */
  query: string;
  limit: number;
}

export interface SearchHit {
  path: string;
  name: string;
  type: TreeEntryType;
  /** Distinct versions kept. */
  versions: number;
  /** The newest version. */
  latest: FileVersion;
  /** False when the newest snapshot no longer holds it (deleted since, or moved). */
  inLatest: boolean;
}

export interface SearchResult {
  hits: SearchHit[];
  /** More names matched than `limit`. */
  truncated: boolean;
}

export interface PreviewRequest {
  source?: BackupSource;
  snapshotId: string;
  path: string;
}

export const PREVIEW_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export type PreviewImageType = (typeof PREVIEW_IMAGE_TYPES)[number];

/** Decrypted in memory for the preview, never written to disk. */
export type FilePreview =
  | { kind: 'text'; text: string; /** Only the start is shown. */ truncated: boolean; size: number }
  | { kind: 'image'; mime: PreviewImageType; dataBase64: string; size: number }
  | { kind: 'none'; /** 'type': not text nor a known image; 'size': too big to preview; 'folder'. */ reason: 'type' | 'size' | 'folder'; size: number };

/** What the preview reads at most: the start of a text, a whole image. */
export const PREVIEW_TEXT_BYTES = 64 * 1024;
export const PREVIEW_IMAGE_BYTES = 8 * 1024 * 1024;

// ---- password sessions ------------------------------------------------------------------------

export const SESSION_ROLES = ['user', 'admin'] as const;
export type SessionRole = (typeof SESSION_ROLES)[number];

export interface SessionOpenRequest {
  role: SessionRole;
  /** Whose machine: role user — default the user this machine was enrolled for; role admin — a filter. */
  user?: string;
  /**
   * The user's or the administrator's password. It crosses IPC in this request only: the engine
   * derives keys from it and drops it; it is never logged, echoed back or kept.
   */
  password: string;
  /** Another appliance than this machine's (a new laptop): its address and CA fingerprint, from IT. */
  appliance?: { url: string; caFingerprint: string };
  /** Host name or machine id; absent: the only machine there is, else the choice comes back. */
  machine?: string;
}

export interface MachineChoice {
  machineId: string;
  host: string;
  user: string;
  /** ISO 8601: when the appliance last heard from it; null: never. */
  lastSeen: string | null;
}

export interface SessionInfo {
  sessionId: string;
  role: SessionRole;
  machine: MachineChoice;
  /** The appliance's address, or "this computer" for a standalone repository opened with its password. */
  appliance: string;
}

export type SessionOpenResult =
  | { kind: 'opened'; session: SessionInfo }
  /** Several machines match: ask which one, then open again with `machine`. Nothing was kept. */
  | { kind: 'choose-machine'; machines: MachineChoice[] };

export interface SessionRef {
  sessionId: string;
}

// ---- guards -----------------------------------------------------------------------------------

/** Most entries one folder page may hold; the browser asks for a screenful or two at a time. */
export const MAX_PAGE = 2000;
export const MAX_SEARCH_HITS = 1000;
const MAX_QUERY = 256;
const MAX_NAME = 256;
const MAX_PASSWORD = 1024;
const MAX_URL = 2048;

export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(value);
}

export function isBackupSource(value: unknown): value is BackupSource {
  if (!isPlainObject(value)) return false;
  if (value.kind === 'local') return hasExactKeys(value, ['kind']);
  return value.kind === 'session' && hasExactKeys(value, ['kind', 'sessionId']) && isSessionId(value.sessionId);
}

/** `value` is a plain object with exactly these keys (and an optional valid `source`). */
function sourced(value: unknown, required: readonly string[]): value is PlainObject {
  return isPlainObject(value) && hasExactKeys(value, required, ['source']) && (value.source === undefined || isBackupSource(value.source));
}

export function isSnapshotsRequest(value: unknown): value is SnapshotsRequest {
  return sourced(value, []);
}

export function isBrowseListRequest(value: unknown): value is BrowseListRequest {
  return sourced(value, ['snapshotId', 'path', 'offset', 'limit']) && isSnapshotId(value.snapshotId) && isSnapshotPath(value.path)
    && isIntIn(value.offset, 0, Number.MAX_SAFE_INTEGER) && isIntIn(value.limit, 1, MAX_PAGE);
}

export function isVersionsRequest(value: unknown): value is VersionsRequest {
  return sourced(value, ['path']) && isSnapshotPath(value.path);
}

export function isSearchRequest(value: unknown): value is SearchRequest {
  return sourced(value, ['query', 'limit']) && isBoundedText(value.query, MAX_QUERY) && value.query.trim().length > 0 && isIntIn(value.limit, 1, MAX_SEARCH_HITS);
}

export function isPreviewRequest(value: unknown): value is PreviewRequest {
  return sourced(value, ['snapshotId', 'path']) && isSnapshotId(value.snapshotId) && isSnapshotPath(value.path);
}

function isApplianceAddress(value: unknown): boolean {
  return isPlainObject(value) && hasExactKeys(value, ['url', 'caFingerprint']) && isBoundedText(value.url, MAX_URL) && /^https:\/\//i.test(value.url)
    && typeof value.caFingerprint === 'string' && /^[0-9A-Fa-f:\s]{64,128}$/.test(value.caFingerprint);
}

export function isSessionOpenRequest(value: unknown): value is SessionOpenRequest {
  return isPlainObject(value) && hasExactKeys(value, ['role', 'password'], ['user', 'appliance', 'machine'])
    && (SESSION_ROLES as readonly unknown[]).includes(value.role) && isBoundedText(value.password, MAX_PASSWORD)
    && (value.user === undefined || isBoundedText(value.user, MAX_NAME)) && (value.machine === undefined || isBoundedText(value.machine, MAX_NAME))
    && (value.appliance === undefined || isApplianceAddress(value.appliance));
}

export function isSessionRef(value: unknown): value is SessionRef {
  return isPlainObject(value) && hasExactKeys(value, ['sessionId']) && isSessionId(value.sessionId);
}
