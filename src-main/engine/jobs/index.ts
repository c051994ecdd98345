export * from './backup/index.js';
export * from './restore/index.js';
export * from './verify/index.js';
export * from './prune/index.js';
export { runForget, type ForgetResult } from './forget/runForget.js';
export { applyRetention, parseKeepWithin, type RetentionPolicy, type RetentionDecision } from './forget/index.js';
export { deleteCatalog, repairCatalog, type RepairResult } from './repair/repairCatalog.js';
export type { JobProgress, ProgressListener } from './shared/Progress.js';
