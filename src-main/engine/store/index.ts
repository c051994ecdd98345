export type { Store, ObjectKind, ObjectInfo, ByteRange, PutReceipt, ObjectLockPolicy, ObjectLockState, LockingStore } from './Store.js';
export { OBJECT_KINDS, isLockingStore } from './Store.js';
export { FsStore, FS_RETRY, type FsStoreOptions } from './fs/FsStore.js';
export { objectName, assertObjectName, isObjectName } from './objectName.js';
