export { runBackup, safeUserName, type BackupOptions, type BackupResult } from './runBackup.js';
export type { FileProblem } from './Archiver.js';
