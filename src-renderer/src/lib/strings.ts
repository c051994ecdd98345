// Every sentence the renderer shows, in English and French. Placeholders look like {name}.

export const LANGS = ['en', 'fr'] as const;
export type Lang = (typeof LANGS)[number];

const en = {
  'app.title': 'Havre',
  'app.tagline': 'Backups for this computer',
  'app.noBridge': 'This page must be opened by the Havre app.',
  'lang.label': 'Language',
  'lang.en': 'English',
  'lang.fr': 'Français',

  'status.heading': 'Status',
  'status.loading': 'Checking your backups…',
  'status.notSetUp': 'Havre is not set up yet: no backup destination is configured.',
  'status.idle': 'Your files are protected. Last backup {when}: {files} files, {size}.',
  'status.idleNever': 'Havre is ready, but nothing has been backed up yet.',
  'status.backingUp': 'Backing up your files…',
  'status.restoring': 'Restoring files…',
  'status.paused': 'Backups are paused.',
  'status.error': 'Havre needs your attention: {message}',
  'status.errorGeneric': 'Havre needs your attention.',
  'status.locked': 'Havre is locked. Unlock it to back up and restore.',
  'status.destination': 'Destination: {repo}',
  'engine.starting': 'Starting the backup engine…',
  'engine.restarting': 'The backup engine stopped unexpectedly and is restarting…',
  'engine.failed': 'The backup engine cannot start.',

  'backup.now': 'Back up now',
  'backup.starting': 'Starting…',
  'backup.running': 'Backing up…',
  'backup.progressLabel': 'Backup progress',
  'backup.phase.queued': 'Waiting to start',
  'backup.phase.scanning': 'Looking for changes',
  'backup.phase.transferring': 'Sending files',
  'backup.phase.finishing': 'Finishing',
  'backup.files': '{files} of {total} files',
  'backup.filesNoTotal': '{files} files',
  'backup.bytes': '{done} of {total}',
  'backup.speed': '{speed}/s',
  'backup.eta': 'about {eta} left',
  'backup.done': 'Backup finished: {files} files, {size}.',
  'backup.failed': 'Backup failed: {message}',
  'backup.notStarted': 'The backup could not start: {message}',

  'snapshots.heading': 'Backups',
  'snapshots.caption': 'Backups of this computer, newest first',
  'snapshots.loading': 'Loading backups…',
  'snapshots.empty': 'No backups yet.',
  'snapshots.loadError': 'The list of backups could not be loaded: {message}',
  'snapshots.col.time': 'Date',
  'snapshots.col.files': 'Files',
  'snapshots.col.size': 'Size',
  'snapshots.col.id': 'ID',
  'snapshots.col.paths': 'Folders',
} as const;

export type MessageKey = keyof typeof en;

const fr: Record<MessageKey, string> = {
  'app.title': 'Havre',
  'app.tagline': 'Les sauvegardes de cet ordinateur',
  'app.noBridge': 'Cette page doit être ouverte par l’application Havre.',
  'lang.label': 'Langue',
  'lang.en': 'English',
  'lang.fr': 'Français',

  'status.heading': 'État',
  'status.loading': 'Vérification de vos sauvegardes…',
  'status.notSetUp': 'Havre n’est pas encore configuré : aucune destination de sauvegarde.',
  'status.idle': 'Vos fichiers sont protégés. Dernière sauvegarde {when} : {files} fichiers, {size}.',
  'status.idleNever': 'Havre est prêt, mais rien n’a encore été sauvegardé.',
  'status.backingUp': 'Sauvegarde de vos fichiers en cours…',
  'status.restoring': 'Restauration en cours…',
  'status.paused': 'Les sauvegardes sont en pause.',
  'status.error': 'Havre demande votre attention : {message}',
  'status.errorGeneric': 'Havre demande votre attention.',
  'status.locked': 'Havre est verrouillé. Déverrouillez-le pour sauvegarder et restaurer.',
  'status.destination': 'Destination : {repo}',
  'engine.starting': 'Démarrage du moteur de sauvegarde…',
  'engine.restarting': 'Le moteur de sauvegarde s’est arrêté de façon inattendue et redémarre…',
  'engine.failed': 'Le moteur de sauvegarde ne peut pas démarrer.',

  'backup.now': 'Sauvegarder maintenant',
  'backup.starting': 'Démarrage…',
  'backup.running': 'Sauvegarde en cours…',
  'backup.progressLabel': 'Progression de la sauvegarde',
  'backup.phase.queued': 'En attente',
  'backup.phase.scanning': 'Recherche des changements',
  'backup.phase.transferring': 'Envoi des fichiers',
  'backup.phase.finishing': 'Finalisation',
  'backup.files': '{files} fichiers sur {total}',
  'backup.filesNoTotal': '{files} fichiers',
  'backup.bytes': '{done} sur {total}',
  'backup.speed': '{speed}/s',
  'backup.eta': 'environ {eta} restantes',
  'backup.done': 'Sauvegarde terminée : {files} fichiers, {size}.',
  'backup.failed': 'La sauvegarde a échoué : {message}',
  'backup.notStarted': 'La sauvegarde n’a pas pu démarrer : {message}',

  'snapshots.heading': 'Sauvegardes',
  'snapshots.caption': 'Sauvegardes de cet ordinateur, de la plus récente à la plus ancienne',
  'snapshots.loading': 'Chargement des sauvegardes…',
  'snapshots.empty': 'Aucune sauvegarde pour l’instant.',
  'snapshots.loadError': 'La liste des sauvegardes n’a pas pu être chargée : {message}',
  'snapshots.col.time': 'Date',
  'snapshots.col.files': 'Fichiers',
  'snapshots.col.size': 'Taille',
  'snapshots.col.id': 'Identifiant',
  'snapshots.col.paths': 'Dossiers',
};

export const MESSAGES: Record<Lang, Record<MessageKey, string>> = { en, fr };

export type Params = Record<string, string | number>;

export function translate(lang: Lang, key: MessageKey, params: Params = {}): string {
  return MESSAGES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/** 'fr', 'fr-FR', 'fr-CA'… → fr; anything else → en. */
export function langFromLocale(locale: string | undefined): Lang {
  return locale !== undefined && locale.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}
