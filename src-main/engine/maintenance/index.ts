export { runMaintenance, runRetention, readMaintenanceState, maintenanceFile, type MaintenanceRun, type RetentionRun } from './runMaintenance.js';
export { repairFromWorkstation, damagedBlobs, type RepairResult } from './repairFromWorkstation.js';
export { runRestoreTest, type RestoreTestResult, type RestoreTestOptions } from './restoreTest.js';
export { dueTasks, afterVerify, retentionDue, RETENTION_EVERY_MS, PRUNE_EVERY_MS, READ_SLICES, NO_MAINTENANCE, type MaintenanceState, type RestoreTestSummary } from './schedule.js';
