// What the desktop engine tells the app about restores that left files out, its targets and its
// enrollment, and the activity entry of a new snapshot: pure translations from engine results to
// the contract's types.
import { MAX_JOB_ISSUES, type ActivityEvent, type JobFileIssue, type JobSummary, type SetupView, type TargetView } from '../../ipc/contract.js';
import { readMachineInfo, restorePasswordReminderFile } from '../appliance/index.js';
import { existsSync } from 'node:fs';
import { HavreError } from '../errors/index.js';
import { isApplianceRef, isS3Ref, primaryName, repoLocation, s3Location, type HomeConfig } from '../home/homeConfig.js';
import type { RestoreIssue } from '../jobs/restore/runRestore.js';

/** A job that ended with an error but did part of its work: the result keeps what it did. */
export class JobFailed extends Error {
  constructor(readonly error: HavreError, readonly summary: JobSummary) {
    super(error.message);
    this.name = 'JobFailed';
  }
}

const NO_SPACE = ['TARGET_FULL', 'ENOSPC', 'EDQUOT'];

/** Why a file was not restored, in both languages, by the code runRestore gives. */
const REASONS: Record<string, readonly [string, string]> = {
  INTEGRITY: ['its copy in this backup is damaged', 'sa copie dans cette sauvegarde est endommagée'],
  BLOB_MISSING: ['part of it is missing from the backup', 'une partie manque dans la sauvegarde'],
  OBJECT_MISSING: ['part of it is missing from the backup', 'une partie manque dans la sauvegarde'],
  TARGET_FULL: ['no space left on the disk', 'plus de place sur le disque'],
  ENOSPC: ['no space left on the disk', 'plus de place sur le disque'],
  EDQUOT: ['the disk quota is used up', 'le quota du disque est atteint'],
  EACCES: ['permission denied', 'permission refusée'],
  EPERM: ['permission denied', 'permission refusée'],
  EROFS: ['the disk is read-only', 'le disque est en lecture seule'],
  ENAMETOOLONG: ['its name is too long for this disk', 'son nom est trop long pour ce disque'],
  UNSAFE_PATH: ['a link or a file stands where its folder should be', 'un lien ou un fichier occupe la place de son dossier'],
  TARGET_NOT_WRITABLE: ['it cannot be written there (permission denied, or a read-only disk)', 'il ne peut pas y être écrit (permission refusée, ou disque en lecture seule)'],
};

export function jobIssues(failed: readonly RestoreIssue[]): JobFileIssue[] {
  return failed.slice(0, MAX_JOB_ISSUES).map((f) => {
    const [en, fr] = REASONS[f.code] ?? [`error ${f.code}`, `erreur ${f.code}`];
    return { path: f.path, code: f.code, message: en, messageFr: fr };
  });
}

/** The error of a restore that left files out: no space left, or files that could not be restored. */
export function restoreFailure(target: string, restored: number, failed: readonly RestoreIssue[]): HavreError {
  const left = failed.length;
  if (failed.some((f) => NO_SPACE.includes(f.code))) return new HavreError('RESTORE_TARGET_FULL', { path: target, restored, left });
  return new HavreError('RESTORE_PARTIAL', { restored, left });
}

/** The live activity entry of a backup that wrote a snapshot (the same id the snapshot gives it once read back). */
export function snapshotActivity(snapshotId: string, n: { files: number; bytes: number; durationMs: number; skipped?: number }, subject?: string): ActivityEvent {
  return { id: `snapshot-${snapshotId}`, time: new Date().toISOString(), kind: 'backup', action: 'backup.done', outcome: n.skipped ? 'partial' : 'ok', ...n,
    snapshotId, ...(subject !== undefined ? { subject } : {}), persisted: true };
}

export async function setupView(home: string, cfg: HomeConfig, userHome: string): Promise<SetupView> {
  const targets: TargetView[] = [];
  const repo = cfg.repo;
  if (repo) {
    targets.push({ name: primaryName(repo), kind: isApplianceRef(repo) ? 'appliance' : isS3Ref(repo) ? 's3' : 'local', role: 'primary', location: repoLocation(repo) });
    for (const c of cfg.copies ?? []) targets.push({ name: c.name, kind: 's3', role: 'copy', location: s3Location(c) });
  }
  if (!repo || !isApplianceRef(repo)) return { targets, appliance: null, userHome };
  const info = await readMachineInfo(home, repo);
  return { targets, appliance: { url: repo.url, machineId: repo.machineId, caFingerprint: repo.caFingerprint, user: info?.user ?? null, host: info?.host ?? null,
    passwordSet: !existsSync(restorePasswordReminderFile(home)) }, userHome };
}
