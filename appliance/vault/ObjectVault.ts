// Where object bytes live. Bytes only: which objects a machine may see, quotas and deletion
// requests are the database's business (domain/objects). Kept small so that an S3-backed vault
// (Object Lock, one prefix per machine) can implement it later.
import type { Readable } from 'node:stream';
import type { ObjectKind } from '../../src-main/engine/store/index.js';

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export interface ObjectVault {
  /**
   * Streams `body` in. The object exists only once exactly `expectedSize` bytes arrived, their
   * SHA-256 equals `name` and they are durable; otherwise nothing is left behind. Throws
   * ApplianceError DIGEST_MISMATCH, STORAGE_FULL, or BAD_REQUEST (body cut short or too long).
   * Writing an object that exists is harmless: the bytes are the same, by their name.
   */
  write(machineId: string, kind: ObjectKind, name: string, body: Readable | Uint8Array, expectedSize: number): Promise<void>;
  /** Opens the bytes (or a range) for reading; NOT_FOUND when absent. */
  read(machineId: string, kind: ObjectKind, name: string, range?: ByteRange): Promise<Readable>;
  exists(machineId: string, kind: ObjectKind, name: string): Promise<boolean>;
  /** Removes the bytes for good; absent is not an error. */
  delete(machineId: string, kind: ObjectKind, name: string): Promise<void>;
  /** Removes leftovers of interrupted writes older than `olderThanMs`; returns how many. */
  cleanup(olderThanMs: number): Promise<number>;
}
