// A store in memory for unit tests of the layers above stores (targets): objects in a map, a log of
// what arrived, a switch to make it vanish, and an optional Object Lock on a manual clock.
import { createHash } from 'node:crypto';
import { HavreError } from '../../src-main/engine/errors/index.js';
import type { ByteRange, LockingStore, ObjectInfo, ObjectKind, ObjectLockPolicy, ObjectLockState, PutReceipt } from '../../src-main/engine/store/index.js';

const DAY_MS = 86_400_000;

export class MemoryStore implements LockingStore {
  readonly objects = new Map<string, Buffer>();
  readonly locks = new Map<string, ObjectLockState>();
  /** Every request, in order: "put data/ab12", "get index/cd34", "delete data/ab12", "extend …". */
  readonly log: string[] = [];
  /** Out of reach: every call fails with `awayError`. */
  down = false;
  /** Goes down once this many more puts have been accepted. */
  failAfterPuts = Infinity;
  clock = 1_000_000_000_000;

  constructor(readonly location: string, readonly lockPolicy: ObjectLockPolicy | null = null,
    private readonly awayError: () => HavreError = () => new HavreError('S3_UNREACHABLE', { endpoint: location, reason: 'connection refused' })) {}

  now(): number {
    return this.clock;
  }

  private check(): void {
    if (this.down) throw this.awayError();
  }

  private key(kind: ObjectKind, name: string): string {
    return `${kind}/${name}`;
  }

  /** Puts bytes directly (a corrupted or planted object). */
  plant(kind: ObjectKind, name: string, bytes: Buffer): void {
    this.objects.set(this.key(kind, name), bytes);
  }

  puts(kind: ObjectKind, name: string): number {
    return this.log.filter((l) => l === `put ${kind}/${name.slice(0, 8)}`).length;
  }

  async put(kind: ObjectKind, name: string, bytes: Uint8Array): Promise<PutReceipt> {
    this.check();
    const k = this.key(kind, name);
    if (this.objects.has(k)) return { uploaded: false, retainUntil: this.locks.get(k)?.retainUntil ?? null };
    if (this.failAfterPuts <= 0) {
      this.down = true;
      throw this.awayError();
    }
    this.failAfterPuts--;
    if (createHash('sha256').update(bytes).digest('hex') !== name) throw new HavreError('INTEGRITY', { what: 'put bytes do not match their name' });
    this.objects.set(k, Buffer.from(bytes));
    this.log.push(`put ${kind}/${name.slice(0, 8)}`);
    const retainUntil = this.lockPolicy ? this.clock + this.lockPolicy.days * DAY_MS : null;
    if (this.lockPolicy && retainUntil !== null) this.locks.set(k, { mode: this.lockPolicy.mode, retainUntil });
    return { uploaded: true, retainUntil };
  }

  async get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    this.check();
    this.log.push(`get ${kind}/${name.slice(0, 8)}`);
    const b = this.objects.get(this.key(kind, name));
    if (!b) throw new HavreError('OBJECT_MISSING', { kind, name });
    return range ? Buffer.from(b.subarray(range.offset, range.offset + range.length)) : Buffer.from(b);
  }

  async head(kind: ObjectKind, name: string): Promise<ObjectInfo | null> {
    this.check();
    const b = this.objects.get(this.key(kind, name));
    return b ? { name, size: b.length } : null;
  }

  async headLock(kind: ObjectKind, name: string): Promise<(ObjectInfo & { lock: ObjectLockState | null }) | null> {
    const info = await this.head(kind, name);
    return info ? { ...info, lock: this.locks.get(this.key(kind, name)) ?? null } : null;
  }

  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    this.check();
    return [...this.objects].filter(([k]) => k.startsWith(`${kind}/`)).map(([k, b]) => ({ name: k.slice(kind.length + 1), size: b.length }));
  }

  async requestDelete(kind: ObjectKind, name: string): Promise<void> {
    this.check();
    const k = this.key(kind, name);
    const lock = this.locks.get(k);
    if (lock && lock.retainUntil > this.clock) throw new HavreError('S3_OBJECT_LOCKED', { what: k, until: new Date(lock.retainUntil).toISOString() });
    this.log.push(`delete ${kind}/${name.slice(0, 8)}`);
    this.objects.delete(k);
    this.locks.delete(k);
  }

  async extendLock(kind: ObjectKind, name: string, retainUntil: number): Promise<void> {
    if (!this.lockPolicy) return;
    this.check();
    const k = this.key(kind, name);
    if (!this.objects.has(k)) throw new HavreError('OBJECT_MISSING', { kind, name });
    const lock = this.locks.get(k);
    if (lock && lock.retainUntil >= retainUntil) return;
    this.log.push(`extend ${kind}/${name.slice(0, 8)}`);
    this.locks.set(k, { mode: this.lockPolicy.mode, retainUntil });
  }
}
