export { Protector, type BackupHost, type ChangeEvent, type ChangeListener, type ChangeSource, type ProtectorOptions, type RunReport } from './Protector.js';
export { WatchSource } from './WatchSource.js';
export { DEFAULT_RHYTHM, type RhythmRules } from './ChangeRhythm.js';
export { pauseState, uploadRate, userPauseFor, inRange, nextStart, UNKNOWN_CONDITIONS, type Conditions, type UserPause } from './gates.js';
export { readConditions, linuxPower } from './conditions.js';
export { readUserPause, writeUserPause } from './pauseFile.js';
export { protectionReport, type ProtectionReport } from './protectionReport.js';
export { rollUp, CONTINUOUS_TAG, type RolledUpSnapshot } from './rollUp.js';
