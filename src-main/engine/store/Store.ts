// The one storage interface. Objects are immutable and named by the SHA-256 of their bytes
// (docs/FORMAT.md §1); implementations: fs, appliance, s3, and the stores that wrap them (spool,
// targets).

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

/** What a store says about a write, when it has something to say (S3: the Object Lock date). */
export interface PutReceipt {
  /** False when the object was already there and nothing was sent. */
  readonly uploaded: boolean;
  /** When the object's Object Lock ends (ms since the epoch), or null when it has none. */
  readonly retainUntil: number | null;
}

export interface Store {
  /** Human-readable location, for messages ("/media/usb/havre", "https://appliance/..."). */
  readonly location: string;
  /** Stores bytes under kind/name. A name that already exists is left as it is (idempotent). */
  put(kind: ObjectKind, name: string, bytes: Uint8Array): Promise<PutReceipt | void>;
  /** Reads a whole object or a range of it. Throws HavreError OBJECT_MISSING when absent. */
  get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer>;
  /** Size of an object, or null when absent. */
  head(kind: ObjectKind, name: string): Promise<ObjectInfo | null>;
  list(kind: ObjectKind): Promise<ObjectInfo[]>;
  /** Asks for deletion. The fs store deletes at once; the appliance applies it after a delay. */
  requestDelete(kind: ObjectKind, name: string): Promise<void>;
  /** Removes leftovers of writes interrupted long ago (temporary files); returns how many. */
  cleanup?(olderThanMs: number): Promise<number>;
  /**
   * Other stores holding copies of the same objects, best first (a store over several targets):
   * a reader that finds an object damaged here tries them before giving up.
   */
  alternates?(): readonly Store[];
}

/** Object Lock (S3): objects stay undeletable and unchanged until their retain-until date. */
export interface ObjectLockPolicy {
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  /** How long a new object stays locked; fractions are allowed (tests use seconds). */
  readonly days: number;
}

export interface ObjectLockState {
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  /** ms since the epoch. */
  readonly retainUntil: number;
}

/** A store whose objects carry Object Lock retention (the s3 store). */
export interface LockingStore extends Store {
  readonly lockPolicy: ObjectLockPolicy | null;
  /** The store's idea of "now" (ms since the epoch): the server's clock when it differs from ours. */
  now(): number;
  /** Size and lock of an object, or null when absent. */
  headLock(kind: ObjectKind, name: string): Promise<(ObjectInfo & { readonly lock: ObjectLockState | null }) | null>;
  /** Moves an object's retain-until date later (never earlier); a no-op without a lock policy. */
  extendLock(kind: ObjectKind, name: string, retainUntil: number): Promise<void>;
}

export function isLockingStore(s: Store): s is LockingStore {
  return typeof (s as Partial<LockingStore>).headLock === 'function' && typeof (s as Partial<LockingStore>).extendLock === 'function';
}
