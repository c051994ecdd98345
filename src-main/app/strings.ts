// The few words the main process shows itself (tray menu and tooltip, OS notifications), in English
// and French.

import type { EngineState } from '../ipc/contract.js';

export type Lang = 'en' | 'fr';
/** An engine state, or the app's own: the engine is not running, or something needs attention. */
export type TrayState = EngineState | 'unavailable' | 'attention';

interface MainStrings {
  backupNow: string;
  pause30: string;
  pause60: string;
  pauseTomorrow: string;
  resume: string;
  open: string;
  restore: string;
  quit: string;
  tooltip: Record<TrayState, string>;
  /** "{percent}" of a running backup. */
  tooltipProgress: string;
  pausedUntil: string;
  notify: {
    backupDone: string;
    backupFailed: string;
    restoreDone: string;
    restoreFailed: string;
    engineRestarted: string;
    engineFailed: string;
  };
}

export const MAIN_STRINGS: Record<Lang, MainStrings> = {
  en: {
    backupNow: 'Back up now',
    pause30: 'Pause for 30 minutes',
    pause60: 'Pause for 1 hour',
    pauseTomorrow: 'Pause until tomorrow',
    resume: 'Resume backups',
    open: 'Open Havre',
    restore: 'Restore a file…',
    quit: 'Quit Havre',
    tooltip: {
      idle: 'Havre — your files are protected',
      'backing-up': 'Havre — backing up…',
      restoring: 'Havre — restoring…',
      paused: 'Havre — backups paused',
      error: 'Havre — needs attention',
      locked: 'Havre — locked',
      unavailable: 'Havre — engine not running',
      attention: 'Havre — needs attention',
    },
    tooltipProgress: 'Havre — backing up… {percent}',
    pausedUntil: 'Havre — backups paused until {until}',
    notify: {
      backupDone: 'Backup finished: {files} files.',
      backupFailed: 'Backup failed: {message}',
      restoreDone: 'Restore finished: {files} files.',
      restoreFailed: 'Restore failed: {message}',
      engineRestarted: 'Havre’s engine stopped unexpectedly and was restarted.',
      engineFailed: 'Havre’s engine cannot start. Restart Havre; if this goes on, contact your IT support.',
    },
  },
  fr: {
    backupNow: 'Sauvegarder maintenant',
    pause30: 'Pause de 30 minutes',
    pause60: 'Pause d’une heure',
    pauseTomorrow: 'Pause jusqu’à demain',
    resume: 'Reprendre les sauvegardes',
    open: 'Ouvrir Havre',
    restore: 'Restaurer un fichier…',
    quit: 'Quitter Havre',
    tooltip: {
      idle: 'Havre — vos fichiers sont protégés',
      'backing-up': 'Havre — sauvegarde en cours…',
      restoring: 'Havre — restauration en cours…',
      paused: 'Havre — sauvegardes en pause',
      error: 'Havre — demande votre attention',
      locked: 'Havre — verrouillé',
      unavailable: 'Havre — moteur arrêté',
      attention: 'Havre — demande votre attention',
    },
    tooltipProgress: 'Havre — sauvegarde en cours… {percent}',
    pausedUntil: 'Havre — sauvegardes en pause jusqu’à {until}',
    notify: {
      backupDone: 'Sauvegarde terminée : {files} fichiers.',
      backupFailed: 'La sauvegarde a échoué : {message}',
      restoreDone: 'Restauration terminée : {files} fichiers.',
      restoreFailed: 'La restauration a échoué : {message}',
      engineRestarted: 'Le moteur de Havre s’est arrêté de façon inattendue et a été redémarré.',
      engineFailed: 'Le moteur de Havre ne peut pas démarrer. Relancez Havre ; si cela continue, contactez votre support informatique.',
    },
  },
};

export function langFromLocale(locale: string): Lang {
  return locale.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

export function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}
