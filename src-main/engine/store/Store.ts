// The one storage interface. Objects are immutable and named by the SHA-256 of their bytes
// (docs/FORMAT.md §1); implementations: fs (this folder), appliance and s3 (later issues).

export type ObjectKind = 'config' | 'keys' | 'data' | 'index' | 'snapshots';
export const OBJECT_KINDS: readonly ObjectKind[] = ['config', 'keys', 'data', 'index', 'snapshots'];

export interface ObjectInfo {
  readonly name: string;
  readonly size: number;
}

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export interface Store {
  /** Human-readable location, for messages ("/media/usb/havre", "https://appliance/..."). */
  readonly location: string;
  /** Stores bytes under kind/name. A name that already exists is left as it is (idempotent). */
  put(kind: ObjectKind, name: string, bytes: Uint8Array): Promise<void>;
  /** Reads a whole object or a range of it. Throws HavreError OBJECT_MISSING when absent. */
  get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer>;
  /** Size of an object, or null when absent. */
  head(kind: ObjectKind, name: string): Promise<ObjectInfo | null>;
  list(kind: ObjectKind): Promise<ObjectInfo[]>;
  /** Asks for deletion. The fs store deletes at once; the appliance applies it after a delay. */
  requestDelete(kind: ObjectKind, name: string): Promise<void>;
  /** Removes leftovers of writes interrupted long ago (temporary files); returns how many. */
  cleanup?(olderThanMs: number): Promise<number>;
}
