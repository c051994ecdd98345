export type { Store, ObjectKind, ObjectInfo, ByteRange } from './Store.js';
export { OBJECT_KINDS } from './Store.js';
export { FsStore } from './fs/FsStore.js';
export { objectName, assertObjectName, isObjectName } from './objectName.js';
