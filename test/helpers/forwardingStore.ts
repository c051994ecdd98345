// A Store that forwards every call to another: tests subclass it and override the one or two
// calls they want to count, slow down, cut short or refuse.
import type { ByteRange, ObjectKind, Store } from '../../src-main/engine/store/index.js';

export class ForwardingStore implements Store {
  constructor(protected readonly inner: Store) {}
  get location(): string {
    return this.inner.location;
  }
  put(kind: ObjectKind, name: string, bytes: Uint8Array): ReturnType<Store['put']> {
    return this.inner.put(kind, name, bytes);
  }
  get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    return this.inner.get(kind, name, range);
  }
  head(kind: ObjectKind, name: string): ReturnType<Store['head']> {
    return this.inner.head(kind, name);
  }
  list(kind: ObjectKind): ReturnType<Store['list']> {
    return this.inner.list(kind);
  }
  requestDelete(kind: ObjectKind, name: string): Promise<void> {
    return this.inner.requestDelete(kind, name);
  }
}
