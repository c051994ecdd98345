export { Catalog } from './Catalog.js';
export { SCHEMA_VERSION } from './schema.js';
export type { BlobLocation, BlobType, FileState, PackEntry, PackRow, SnapshotRow } from './types.js';
