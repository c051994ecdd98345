// A Store that wraps a real one and fails on cue, drawn from a seeded generator: the faults a
// disk, a NAS or a network store shows a backup engine (restic's "backend that flips bits on
// read", generalised). Every fault throws the typed error the real stores throw for it, so the
// engine above sees exactly what it would see in the field.
import { HavreError } from '../../../src-main/engine/errors/index.js';
import type { ByteRange, ObjectInfo, ObjectKind, PutReceipt, Store } from '../../../src-main/engine/store/index.js';
import type { Rng } from './random.js';

export type FaultKind =
  /** put: refused before anything is written (a full quota, an I/O error). */
  | 'put-error'
  /** put: the connection is reset before the object is stored. */
  | 'put-reset'
  /** put: a truncated copy lands under the object's name, then the write fails (a store that is
   *  not atomic: a network file system, a sync tool). Needs `plant`. */
  | 'put-partial'
  /** put: the object is stored whole, but the answer is lost (the caller sees a failure). */
  | 'put-lost-answer'
  | 'get-error'
  | 'get-reset'
  /** get: one bit of what is returned is flipped (a flaky cable, bad RAM); the object is intact. */
  | 'get-flip'
  /** get: fewer bytes than asked for come back. */
  | 'get-short'
  | 'head-error'
  | 'list-error'
  | 'delete-error';

export type FaultRates = Partial<Record<FaultKind, number>>;

export interface FaultyStoreOptions {
  /** Added before every call: 0 to this many milliseconds. */
  readonly maxLatencyMs?: number;
  /** Writes bytes under an object's name directly (put-partial), bypassing the store's atomicity. */
  readonly plant?: (kind: ObjectKind, name: string, bytes: Buffer) => Promise<void>;
}

export class FaultyStore implements Store {
  readonly location: string;
  /** Faults injected so far, by kind. */
  readonly injected: Partial<Record<FaultKind, number>> = {};
  /** Names of the objects a read fault was injected into. */
  readonly faultedReads = new Set<string>();
  /** Faults fire only while true. */
  armed = true;

  constructor(
    readonly inner: Store,
    private readonly rng: Rng,
    public rates: FaultRates,
    private readonly opts: FaultyStoreOptions = {},
  ) {
    this.location = inner.location;
  }

  private async roll(kinds: readonly FaultKind[]): Promise<FaultKind | null> {
    const max = this.opts.maxLatencyMs ?? 0;
    if (max > 0) await new Promise((r) => setTimeout(r, this.rng.int(max + 1)));
    if (!this.armed) return null;
    for (const k of kinds) {
      const p = this.rates[k] ?? 0;
      if (p > 0 && this.rng.chance(p)) {
        if (k === 'put-partial' && !this.opts.plant) continue;
        this.injected[k] = (this.injected[k] ?? 0) + 1;
        return k;
      }
    }
    return null;
  }

  private ioError(op: string): HavreError {
    return new HavreError('STORE_IO', { path: this.location, reason: `EIO (injected on ${op})` });
  }

  private resetError(): HavreError {
    return new HavreError('STORE_UNAVAILABLE', { path: this.location, reason: 'ECONNRESET (injected)' });
  }

  async put(kind: ObjectKind, name: string, bytes: Uint8Array): Promise<PutReceipt | void> {
    switch (await this.roll(['put-error', 'put-reset', 'put-partial', 'put-lost-answer'])) {
      case 'put-error':
        throw this.ioError('put');
      case 'put-reset':
        throw this.resetError();
      case 'put-partial':
        await this.opts.plant!(kind, name, Buffer.from(bytes.subarray(0, this.rng.int(bytes.length))));
        throw this.resetError();
      case 'put-lost-answer':
        await this.inner.put(kind, name, bytes);
        throw this.resetError();
      default:
        return this.inner.put(kind, name, bytes);
    }
  }

  async get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    const fault = await this.roll(['get-error', 'get-reset', 'get-flip', 'get-short']);
    if (fault) this.faultedReads.add(name);
    if (fault === 'get-error') throw this.ioError('get');
    if (fault === 'get-reset') throw this.resetError();
    const bytes = await this.inner.get(kind, name, range);
    if (fault === 'get-flip' && bytes.length > 0) {
      const copy = Buffer.from(bytes);
      const bit = this.rng.int(copy.length * 8);
      copy[bit >> 3] = copy[bit >> 3]! ^ (1 << (bit & 7));
      return copy;
    }
    if (fault === 'get-short' && bytes.length > 0) return bytes.subarray(0, this.rng.int(bytes.length));
    return bytes;
  }

  async head(kind: ObjectKind, name: string): Promise<ObjectInfo | null> {
    if (await this.roll(['head-error'])) throw this.ioError('head');
    return this.inner.head(kind, name);
  }

  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    if (await this.roll(['list-error'])) throw this.ioError('list');
    return this.inner.list(kind);
  }

  async requestDelete(kind: ObjectKind, name: string): Promise<void> {
    if (await this.roll(['delete-error'])) throw this.ioError('delete');
    return this.inner.requestDelete(kind, name);
  }

  async cleanup(olderThanMs: number): Promise<number> {
    return (await this.inner.cleanup?.(olderThanMs)) ?? 0;
  }
}
