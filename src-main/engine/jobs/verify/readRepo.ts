import { isHavreError } from '../../errors/index.js';
import type { IndexedPack, Repository, Snapshot } from '../../repo/index.js';
import { decodeIndex } from '../../repo/index/indexFormat.js';

export async function decodeIndexObject(repo: Repository, name: string): Promise<IndexedPack[]> {
  return decodeIndex(await repo.getObject('index', name), repo.keys.enc, name);
}

/** Every snapshot in the store, straight from the store; damaged ones are listed apart. */
export async function loadAllSnapshots(repo: Repository): Promise<{ snapshots: { id: string; snapshot: Snapshot }[]; damaged: { id: string; reason: string }[] }> {
  const snapshots: { id: string; snapshot: Snapshot }[] = [];
  const damaged: { id: string; reason: string }[] = [];
  for (const { name } of await repo.store.list('snapshots')) {
    try {
      snapshots.push({ id: name, snapshot: await repo.loadSnapshot(name) });
    } catch (e) {
      if (!isHavreError(e)) throw e;
      damaged.push({ id: name, reason: e.message });
    }
  }
  snapshots.sort((a, b) => a.snapshot.time.localeCompare(b.snapshot.time));
  return { snapshots, damaged };
}
