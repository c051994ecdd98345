export { runRestore, type RestoreOptions, type RestoreResult, type RestoreIssue } from './runRestore.js';
export { CONFLICT_MODES, type ConflictMode } from './conflict.js';
