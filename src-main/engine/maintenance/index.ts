export { runMaintenance, readMaintenanceState, maintenanceFile, type MaintenanceRun } from './runMaintenance.js';
export { repairFromWorkstation, damagedBlobs, type RepairResult } from './repairFromWorkstation.js';
export { runRestoreTest, type RestoreTestResult, type RestoreTestOptions } from './restoreTest.js';
export { dueTasks, afterVerify, READ_SLICES, NO_MAINTENANCE, type MaintenanceState, type RestoreTestSummary } from './schedule.js';
