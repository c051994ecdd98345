// The dashboard's charts and the settings' targets and enrollment (issue 6). Pure TypeScript;
// re-exported by contract.ts.

import { hasExactKeys, isBoundedText, isPlainObject } from './guards.js';

/** Backups of one hour (UTC): the renderer groups them by the user's own days. */
export interface HistoryPoint {
  /** ISO 8601, UTC, the hour's start. */
  hour: string;
  snapshots: number;
  /** Files and bytes protected at the hour's last snapshot. */
  files: number;
  bytes: number;
  /** New data stored by the hour's snapshots (after deduplication, before compression). */
  addedBytes: number;
}

export interface StorageUsage {
  /** Bytes the repository's packs take on the primary target (what this machine's catalog knows). */
  storedBytes: number;
  packs: number;
}

export interface BackupHistory {
  /** The last 90 days, oldest first. */
  points: HistoryPoint[];
  storage: StorageUsage;
}

export const HISTORY_DAYS = 90;

export const TARGET_KINDS = ['local', 'appliance', 's3'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface TargetView {
  name: string;
  kind: TargetKind;
  role: 'primary' | 'copy';
  /** A folder, an appliance's address or a bucket, as people read it. */
  location: string;
}

export interface EnrollmentView {
  url: string;
  machineId: string;
  caFingerprint: string;
  user: string | null;
  host: string | null;
  /** False after a silent enrollment by IT, until the user chooses a restore password. */
  passwordSet: boolean;
}

export interface SetupView {
  targets: TargetView[];
  /** The appliance this machine is enrolled with; null: none. */
  appliance: EnrollmentView | null;
  /** The user's home folder: restores "elsewhere" are proposed below it. */
  userHome: string;
}

export interface EnrollRequest {
  /** https://… of the appliance, from IT. */
  url: string;
  /** HVT1.… from IT, for this machine only. */
  token: string;
  /** Default: this computer's login name. */
  user?: string;
  /** The password the user chooses for restoring from any computer; crosses IPC in this request only. */
  password: string;
}

/** The user's restore password on the appliance: chosen (after a silent enrollment) or changed. */
export interface RestorePasswordRequest {
  /** Crosses IPC in this request only. */
  password: string;
  /** The current one: required once a password was chosen. */
  currentPassword?: string;
}

export function isRestorePasswordRequest(value: unknown): value is RestorePasswordRequest {
  return isPlainObject(value) && hasExactKeys(value, ['password'], ['currentPassword']) && isBoundedText(value.password, 1024)
    && (value.currentPassword === undefined || isBoundedText(value.currentPassword, 1024));
}

export function isEnrollRequest(value: unknown): value is EnrollRequest {
  return isPlainObject(value) && hasExactKeys(value, ['url', 'token', 'password'], ['user']) && isBoundedText(value.url, 2048) && /^https:\/\//i.test(value.url)
    && isBoundedText(value.token, 1024) && isBoundedText(value.password, 1024) && (value.user === undefined || isBoundedText(value.user, 256));
}
