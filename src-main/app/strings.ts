// The few words the main process shows itself (tray menu and tooltip), in English and French.

import type { EngineState } from '../ipc/contract.js';

export type Lang = 'en' | 'fr';
export type TrayState = EngineState | 'unavailable';

interface MainStrings {
  backupNow: string;
  open: string;
  quit: string;
  tooltip: Record<TrayState, string>;
}

export const MAIN_STRINGS: Record<Lang, MainStrings> = {
  en: {
    backupNow: 'Back up now',
    open: 'Open Havre',
    quit: 'Quit Havre',
    tooltip: {
      idle: 'Havre — your files are protected',
      'backing-up': 'Havre — backing up…',
      restoring: 'Havre — restoring…',
      paused: 'Havre — backups paused',
      error: 'Havre — needs attention',
      locked: 'Havre — locked',
      unavailable: 'Havre — engine not running',
    },
  },
  fr: {
    backupNow: 'Sauvegarder maintenant',
    open: 'Ouvrir Havre',
    quit: 'Quitter Havre',
    tooltip: {
      idle: 'Havre — vos fichiers sont protégés',
      'backing-up': 'Havre — sauvegarde en cours…',
      restoring: 'Havre — restauration en cours…',
      paused: 'Havre — sauvegardes en pause',
      error: 'Havre — demande votre attention',
      locked: 'Havre — verrouillé',
      unavailable: 'Havre — moteur arrêté',
    },
  },
};

export function langFromLocale(locale: string): Lang {
  return locale.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}
