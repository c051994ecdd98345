export { FileWatcher } from './FileWatcher.js';
export { changesSince, writeChangeSnapshot, type ChangesSince } from './changesSince.js';
export type { ChangeKind, FileChange, RootState, RootStatus, WatchErrorCode, WatchEvent, WatchIgnore, WatchListener, WatchOptions } from './types.js';
