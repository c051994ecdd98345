// A target that could not be opened (an unplugged drive): every call fails with the reason, so
// the TargetSet gives up on it and reads from the other targets.
import type { HavreError } from '../errors/index.js';
import type { ByteRange, ObjectInfo, ObjectKind, Store } from '../store/index.js';

export class UnavailableStore implements Store {
  constructor(readonly location: string, private readonly reason: HavreError) {}

  put(_kind: ObjectKind, _name: string, _bytes: Uint8Array): Promise<void> {
    return Promise.reject(this.reason);
  }

  get(_kind: ObjectKind, _name: string, _range?: ByteRange): Promise<Buffer> {
    return Promise.reject(this.reason);
  }

  head(_kind: ObjectKind, _name: string): Promise<ObjectInfo | null> {
    return Promise.reject(this.reason);
  }

  list(_kind: ObjectKind): Promise<ObjectInfo[]> {
    return Promise.reject(this.reason);
  }

  requestDelete(_kind: ObjectKind, _name: string): Promise<void> {
    return Promise.reject(this.reason);
  }
}
