export { AuditLog, LOCAL_RETENTION_DAYS, onAuditEvent } from './AuditLog.js';
export { auditFile, type AuditEvent, type Checkpoint } from './AuditStore.js';
export { deriveAuditKeys } from './auditKeys.js';
export { FileListCollector, type SealedFileList } from './fileList.js';
export { verifyChain, type BreakKind, type ChainBreak, type ChainReport } from './verifyChain.js';
export { exportCsv, exportJsonl, verifyExport } from './exportLog.js';
export { recordBestEffort, auditedJob } from './auditedJob.js';
export { recordForHome } from './recordForHome.js';
export { expectedSnapshots } from './expectedSnapshots.js';
