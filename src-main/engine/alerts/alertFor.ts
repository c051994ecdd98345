// Which audit events the user must be told about, and in what words (issue 7: "error reports for a
// failed backup, restore, deletion, verification or virus detection"). Pure: the audit event in,
// the OS notification out (or null). Ids are stable per condition so a repeat replaces a
// notification instead of piling up.
import type { AlertEvent } from '../../ipc/contract.js';
import { HavreError, messages, type ErrorCode } from '../errors/index.js';

interface EventLike {
  readonly seq: number;
  readonly time: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

function reason(code: unknown): { en: string; fr: string } {
  if (typeof code === 'string' && Object.hasOwn(messages, code)) {
    // Events keep the code only (params may hold a path): placeholders read as "…".
    const e = new HavreError(code as ErrorCode, {});
    return { en: e.userMessage('en').replace(/\{[a-z]+\}/gi, '…'), fr: e.userMessage('fr').replace(/\{[a-z]+\}/gi, '…') };
  }
  return { en: `error ${String(code)}`, fr: `erreur ${String(code)}` };
}

export function alertFor(e: EventLike): AlertEvent | null {
  const d = e.data;
  const base = { time: e.time };
  if (e.type === 'virus.found') {
    const n = typeof d.count === 'number' ? d.count : 1;
    const sigs = Array.isArray(d.signatures) ? d.signatures.join(', ') : '';
    return { ...base, id: `virus-found:${e.seq}`, kind: 'virus-found', severity: 'critical', code: 'VIRUS_FOUND',
      message: `The antivirus found ${n} infected file(s) (${sigs}); they were not backed up. Open Havre's activity to see which, and tell your IT support.`,
      messageFr: `L’antivirus a trouvé ${n} fichier(s) infecté(s) (${sigs}) ; ils n’ont pas été sauvegardés. Ouvrez l’activité de Havre pour voir lesquels, et prévenez votre support informatique.` };
  }
  if (e.type === 'upload.failed') {
    const r = reason(d.error);
    return { ...base, id: `upload-failed:${String(d.target)}`, kind: 'upload-failed', severity: 'warning', ...(typeof d.error === 'string' ? { code: d.error } : {}),
      message: `The copy to ${String(d.target)} could not be completed: ${r.en} Havre tries again at the next backup.`,
      messageFr: `La copie vers ${String(d.target)} n’a pas pu être terminée : ${r.fr} Havre réessaie à la prochaine sauvegarde.` };
  }
  if (e.type === 'appliance.chain-rejected') {
    return { ...base, id: 'audit-chain-rejected', kind: 'audit-chain-rejected', severity: 'critical', code: 'AUDIT_CHAIN_BROKEN',
      message: 'The backup appliance found this computer’s activity log altered or out of order, and has told IT. Your backups are not affected; IT will check this computer.',
      messageFr: 'L’appliance de sauvegarde a trouvé le journal d’activité de cet ordinateur modifié ou dans le désordre, et a prévenu le support informatique. Vos sauvegardes ne sont pas touchées ; le support vérifiera cet ordinateur.' };
  }
  if (e.type !== 'job.failed') return null;
  const job = String(d.job);
  const r = reason(d.error);
  const code = typeof d.error === 'string' ? { code: d.error } : {};
  if (d.error === 'JOB_CANCELLED') return null; // the user (or a pause) stopped it: nothing to report
  switch (job) {
    case 'backup':
      return { ...base, id: 'backup-failed', kind: 'backup-failed', severity: 'warning', ...code,
        message: `A backup failed: ${r.en}`, messageFr: `Une sauvegarde a échoué : ${r.fr}` };
    case 'restore':
      return { ...base, id: `restore-failed:${e.seq}`, kind: 'restore-failed', severity: 'warning', ...code,
        message: `A restore failed: ${r.en}`, messageFr: `Une restauration a échoué : ${r.fr}` };
    case 'verify':
      return { ...base, id: 'verify-failed', kind: 'verify-failed', severity: 'critical', ...code,
        message: `The check of your backups found a problem: ${r.en} Havre repairs what it can from this computer; tell your IT support.`,
        messageFr: `La vérification de vos sauvegardes a trouvé un problème : ${r.fr} Havre répare ce qu’il peut depuis cet ordinateur ; prévenez votre support informatique.` };
    case 'restore-test':
      return { ...base, id: 'restore-test-failed', kind: 'restore-test-failed', severity: 'critical', ...code,
        message: `The automatic restore test failed: ${r.en} Tell your IT support.`, messageFr: `Le test automatique de restauration a échoué : ${r.fr} Prévenez votre support informatique.` };
    case 'forget':
    case 'prune':
      return { ...base, id: `${job}-failed`, kind: 'backup-failed', severity: 'warning', ...code,
        message: `Removing old backups failed: ${r.en}`, messageFr: `La suppression des anciennes sauvegardes a échoué : ${r.fr}` };
    default:
      return null;
  }
}

/** No backup completed for this long: the user is told (again, at most daily) until one completes. */
export const OVERDUE_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * The "backup overdue" alert: `lastOk` is the time of the last completed backup (null: never),
 * `since` when protection started counting (the first backup attempt or enrollment).
 */
export function overdueAlert(lastOk: number | null, since: number, now: number, afterMs = OVERDUE_AFTER_MS): AlertEvent | null {
  const from = lastOk ?? since;
  if (now - from < afterMs) return null;
  const days = Math.floor((now - from) / 86_400_000);
  const hours = Math.floor((now - from) / 3_600_000);
  const span = days >= 1 ? { en: `${days} day(s)`, fr: `${days} jour(s)` } : { en: `${hours} hour(s)`, fr: `${hours} heure(s)` };
  return {
    id: 'backup-overdue', kind: 'backup-overdue', severity: 'critical', time: new Date(now).toISOString(),
    message: lastOk === null
      ? `No backup of this computer has completed yet, ${span.en} after protection started. Open Havre to see why, or tell your IT support.`
      : `No backup of this computer has completed for ${span.en}. Open Havre to see why, or tell your IT support.`,
    messageFr: lastOk === null
      ? `Aucune sauvegarde de cet ordinateur n’a encore abouti, ${span.fr} après le début de la protection. Ouvrez Havre pour voir pourquoi, ou prévenez votre support informatique.`
      : `Aucune sauvegarde de cet ordinateur n’a abouti depuis ${span.fr}. Ouvrez Havre pour voir pourquoi, ou prévenez votre support informatique.`,
  };
}
