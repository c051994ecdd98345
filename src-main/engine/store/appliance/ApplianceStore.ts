// The appliance as a Store (DESIGN.md §4): one machine's write-once object store over HTTPS
// (PROTOCOL.md §6). The client carries the identity: the machine's certificate (read and write) or
// a user's or administrator's session (read only: only the machine itself writes its objects).
import type { ApplianceClient } from '../../appliance/ApplianceClient.js';
import { HavreError, isHavreError } from '../../errors/index.js';
import type { ByteRange, ObjectInfo, ObjectKind, Store } from '../Store.js';

export interface ApplianceStoreOptions {
  /** A session store: reads only, and says so before the server has to. */
  readonly readOnly?: boolean;
}

export class ApplianceStore implements Store {
  readonly location: string;

  constructor(
    private readonly client: ApplianceClient,
    readonly machineId: string,
    private readonly opts: ApplianceStoreOptions = {},
  ) {
    this.location = client.url;
  }

  private refuseWrite(): void {
    if (this.opts.readOnly) throw new HavreError('APPLIANCE_FORBIDDEN', { reason: 'a password session reads backups; only the enrolled machine writes them' });
  }

  async put(kind: ObjectKind, name: string, bytes: Uint8Array): Promise<void> {
    this.refuseWrite();
    await this.client.putObject(this.machineId, kind, name, bytes);
  }

  get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    return this.client.getObject(this.machineId, kind, name, range);
  }

  head(kind: ObjectKind, name: string): Promise<ObjectInfo | null> {
    return this.client.headObject(this.machineId, kind, name);
  }

  list(kind: ObjectKind): Promise<ObjectInfo[]> {
    return this.client.listObjects(this.machineId, kind);
  }

  /** A deletion request, applied by the appliance 14 days later unless cancelled. */
  async requestDelete(kind: ObjectKind, name: string): Promise<void> {
    this.refuseWrite();
    try {
      await this.client.deleteObject(this.machineId, kind, name);
    } catch (e) {
      // Already requested (hidden) or never there: the outcome asked for holds.
      if (!isHavreError(e, 'OBJECT_MISSING')) throw e;
    }
  }
}
