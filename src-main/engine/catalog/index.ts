export { Catalog } from './Catalog.js';
export { SCHEMA_VERSION } from './schema.js';
export type { BlobLocation, BlobType, FileState, PackEntry, PackRow, SnapshotRow, TreeStats, CachedTree } from './types.js';
export type { TargetObjectRow, TargetObjectState, TargetCounts } from './targetRows.js';
export type { TargetRows } from './targetRows.js';
export type { ChangeRow, ChangeCounts, ChangeRows } from './changeRows.js';
export { HISTORY_TYPES } from './historyRows.js';
export type { HistoryRows, HistorySnapshotRow, HistoryVersionRow, HistoryWrite, HistoryType } from './historyRows.js';
