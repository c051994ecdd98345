// The repository on several targets, at the Store level: stores in memory (one with Object Lock on a
// manual clock), the real catalog on disk. What is checked is what each target ends up holding.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src-main/engine/catalog/index.js';
import { HavreError } from '../../../src-main/engine/errors/index.js';
import type { ObjectKind, Store } from '../../../src-main/engine/store/index.js';
import { catchUp, extendLocks, finishDeletions, TargetSet, type Target } from '../../../src-main/engine/targets/index.js';
import { MemoryStore } from '../../helpers/memoryStore.js';

const DAY = 86_400_000;

function obj(size = 64): { name: string; bytes: Buffer } {
  const bytes = randomBytes(size);
  return { name: createHash('sha256').update(bytes).digest('hex'), bytes };
}

/** The same memory store without Object Lock methods: a plain primary (a folder). */
function plain(s: MemoryStore): Store {
  return { location: s.location, put: (k, n, b) => s.put(k, n, b), get: (k, n, r) => s.get(k, n, r), head: (k, n) => s.head(k, n), list: (k) => s.list(k), requestDelete: (k, n) => s.requestDelete(k, n) };
}

let dir: string;
let catalog: Catalog;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'havre-targets-'));
  catalog = Catalog.open(join(dir, 'catalog.sqlite'));
});
afterEach(() => {
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

function setUp(timing: 'together' | 'after' = 'together'): { local: MemoryStore; cloud: MemoryStore; set: TargetSet; copy: Target } {
  const local = new MemoryStore('/repo');
  const cloud = new MemoryStore('s3://bucket/', { mode: 'GOVERNANCE', days: 30 });
  const copy: Target = { name: 'cloud', store: cloud, role: 'copy', timing, place: 'cloud' };
  const set = new TargetSet([{ name: 'local', store: plain(local), role: 'primary', timing: 'together', place: 'local' }, copy]);
  set.bind(catalog.targets);
  catalog.targets.markSeeded('cloud', Date.now());
  return { local, cloud, set, copy };
}

/** A backup's writes in order: packs, then an index, then a snapshot. */
async function backup(set: TargetSet, packs = 3): Promise<{ kind: ObjectKind; name: string; bytes: Buffer }[]> {
  const out: { kind: ObjectKind; name: string; bytes: Buffer }[] = [];
  for (let i = 0; i < packs; i++) out.push({ kind: 'data', ...obj(1000) });
  out.push({ kind: 'index', ...obj(100) }, { kind: 'snapshots', ...obj(50) });
  for (const o of out) await set.put(o.kind, o.name, o.bytes);
  return out;
}

describe('TargetSet: writes', () => {
  it('sends every object to the primary and a "together" copy, with the lock date recorded', async () => {
    const { local, cloud, set } = setUp();
    const written = await backup(set);
    for (const o of written) {
      expect(local.objects.get(`${o.kind}/${o.name}`)).toEqual(o.bytes);
      expect(cloud.objects.get(`${o.kind}/${o.name}`)).toEqual(o.bytes);
      const row = catalog.targets.get('cloud', o.kind, o.name)!;
      expect(row.state).toBe('stored');
      expect(row.retainUntil).toBe(cloud.clock + 30 * DAY);
    }
    expect(catalog.targets.counts('cloud').pending).toBe(0);
  });

  it('leaves an "after" copy alone during the job; catch-up sends it all, in write order', async () => {
    const { cloud, set, copy } = setUp('after');
    const written = await backup(set);
    expect(cloud.objects.size).toBe(0);
    expect(catalog.targets.counts('cloud').pending).toBe(written.length);
    const r = await catchUp(set, catalog.targets, copy, { parallel: 2 });
    expect(r).toMatchObject({ sent: written.length, pending: 0, unreadable: 0, error: null });
    const order = cloud.log.filter((l) => l.startsWith('put')).map((l) => l.split(' ')[1]!.split('/')[0]);
    expect(order.indexOf('index')).toBeGreaterThan(order.lastIndexOf('data'));
    expect(order.indexOf('snapshots')).toBeGreaterThan(order.indexOf('index'));
  });

  it('a copy that goes away mid-backup: the backup goes on, the snapshot is held back, catch-up completes it once', async () => {
    const { local, cloud, set, copy } = setUp();
    cloud.failAfterPuts = 1;
    const written = await backup(set, 4);
    expect(local.objects.size).toBe(written.length); // the primary has everything
    expect(set.awayTargets().has('cloud')).toBe(true);
    const snap = written.find((o) => o.kind === 'snapshots')!;
    expect(cloud.objects.has(`snapshots/${snap.name}`)).toBe(false); // never an incomplete snapshot
    expect(catalog.targets.counts('cloud').pending).toBe(written.length - 1);

    cloud.down = false;
    cloud.failAfterPuts = Infinity;
    set.beginRun();
    const r = await catchUp(set, catalog.targets, copy);
    expect(r.error).toBeNull();
    expect(r.pending).toBe(0);
    for (const o of written) {
      expect(cloud.objects.get(`${o.kind}/${o.name}`)).toEqual(o.bytes);
      expect(cloud.puts(o.kind, o.name)).toBe(1); // nothing sent twice
    }
    expect((await catchUp(set, catalog.targets, copy)).sent).toBe(0);
  });

  it('holds back an index or snapshot while packs before it wait, even when the copy is up', async () => {
    const { cloud, set } = setUp();
    const early = obj(500);
    catalog.targets.set('cloud', 'data', early.name, 500, 'pending'); // left over from an earlier run
    const written = await backup(set, 1);
    const index = written.find((o) => o.kind === 'index')!;
    expect(cloud.objects.has(`index/${index.name}`)).toBe(false);
    expect(catalog.targets.get('cloud', 'index', index.name)?.state).toBe('pending');
  });

  it('a primary that refuses a write fails the put (nothing is reported stored)', async () => {
    const local = new MemoryStore('/repo');
    const cloud = new MemoryStore('s3://b/');
    local.down = true;
    const set = new TargetSet([{ name: 'local', store: plain(local), role: 'primary', timing: 'together', place: 'local' },
      { name: 'cloud', store: cloud, role: 'copy', timing: 'together', place: 'cloud' }]);
    set.bind(catalog.targets);
    const o = obj();
    await expect(set.put('data', o.name, o.bytes)).rejects.toMatchObject({ code: 'S3_UNREACHABLE' });
  });
});

describe('TargetSet: catch-up after a crash and with damage', () => {
  it('an object the copy already holds (the answer was lost in a crash) is not sent again', async () => {
    const { local, cloud, set, copy } = setUp('after');
    const o = obj();
    await set.put('data', o.name, o.bytes);
    cloud.plant('data', o.name, Buffer.from(o.bytes)); // it got there, but the row still says pending
    const r = await catchUp(set, catalog.targets, copy);
    expect(r).toMatchObject({ sent: 0, bytes: 0, pending: 0 }); // done, and not counted as sent now...
    expect(cloud.puts('data', o.name)).toBe(0); // ...as there was no second upload
    expect(local.objects.size).toBe(1);
  });

  it('never copies a damaged object, and holds back the snapshots after it', async () => {
    const { local, cloud, set, copy } = setUp('after');
    const written = await backup(set, 2);
    const bad = written[0]!;
    local.plant('data', bad.name, Buffer.from('not the bytes'));
    const r = await catchUp(set, catalog.targets, copy);
    expect(r.unreadable).toBe(1);
    expect(cloud.objects.has(`data/${bad.name}`)).toBe(false);
    const snap = written.find((o) => o.kind === 'snapshots')!;
    expect(cloud.objects.has(`snapshots/${snap.name}`)).toBe(false);
    expect(catalog.targets.get('cloud', 'snapshots', snap.name)?.state).toBe('pending');
  });

  it('seeding: an existing repository\'s objects are listed, the missing ones sent, the copy\'s orphans deleted', async () => {
    const local = new MemoryStore('/repo');
    const cloud = new MemoryStore('s3://b/');
    const old = [obj(), obj()];
    for (const o of old) local.plant('data', o.name, o.bytes);
    cloud.plant('data', old[0]!.name, old[0]!.bytes); // already there
    const orphan = obj();
    cloud.plant('data', orphan.name, orphan.bytes); // pruned from the repository since
    const copy: Target = { name: 'cloud', store: cloud, role: 'copy', timing: 'together', place: 'cloud' };
    const set = new TargetSet([{ name: 'local', store: plain(local), role: 'primary', timing: 'together', place: 'local' }, copy]);
    set.bind(catalog.targets);
    const snap = obj();
    await set.put('snapshots', snap.name, snap.bytes); // not seeded yet: held back
    expect(cloud.objects.has(`snapshots/${snap.name}`)).toBe(false);
    const r = await catchUp(set, catalog.targets, copy);
    expect(r).toMatchObject({ sent: 2, deleted: 1, pending: 0, error: null });
    expect(cloud.puts('data', old[0]!.name)).toBe(0);
    expect(cloud.objects.has(`data/${old[1]!.name}`)).toBe(true);
    expect(cloud.objects.has(`data/${orphan.name}`)).toBe(false);
    expect(cloud.objects.has(`snapshots/${snap.name}`)).toBe(true);
  });
});

describe('TargetSet: reads fall back', () => {
  it('reads from the copy when the primary lacks an object, holds it damaged, or is away', async () => {
    const { local, set } = setUp();
    const [a, b, c] = [obj(), obj(), obj()];
    for (const o of [a, b, c]) await set.put('index', o.name, o.bytes);
    local.objects.delete(`index/${a.name}`);
    expect(await set.get('index', a.name)).toEqual(a.bytes);
    local.plant('index', b.name, Buffer.from('damaged'));
    expect(await set.get('index', b.name)).toEqual(b.bytes);
    local.down = true;
    expect(await set.get('index', c.name)).toEqual(c.bytes);
    expect(set.awayTargets().has('local')).toBe(true);
  });

  it('does not ask a copy for what it is known not to hold yet', async () => {
    const { cloud, set } = setUp('after');
    const o = obj();
    await set.put('data', o.name, o.bytes);
    cloud.plant('data', o.name, Buffer.from(o.bytes));
    const before = cloud.log.length;
    await set.get('data', o.name, { offset: 0, length: 10 });
    expect(cloud.log.length).toBe(before);
  });

  it('lists from a copy only when asked to (read-only commands) and the primary is away', async () => {
    const local = new MemoryStore('/repo');
    const cloud = new MemoryStore('s3://b/');
    const o = obj();
    cloud.plant('snapshots', o.name, o.bytes);
    local.down = true;
    const targets: Target[] = [{ name: 'local', store: plain(local), role: 'primary', timing: 'together', place: 'local' },
      { name: 'cloud', store: cloud, role: 'copy', timing: 'together', place: 'cloud' }];
    await expect(new TargetSet(targets).list('snapshots')).rejects.toMatchObject({ code: 'S3_UNREACHABLE' });
    const reading = new TargetSet(targets, { listFromCopies: true });
    expect((await reading.list('snapshots')).map((x) => x.name)).toEqual([o.name]);
    expect(reading.listedFrom).toBe('cloud');
  });
});

describe('TargetSet: Object Lock, deletion and lock extension', () => {
  it('a locked object is not deleted (no DELETE sent), is hidden from listings, and goes once its lock ends', async () => {
    const { cloud, set, copy } = setUp();
    const o = obj();
    await set.put('data', o.name, o.bytes);
    await set.requestDelete('data', o.name);
    expect(cloud.objects.has(`data/${o.name}`)).toBe(true);
    expect(cloud.log.some((l) => l.startsWith('delete'))).toBe(false);
    expect(catalog.targets.get('cloud', 'data', o.name)).toMatchObject({ state: 'deleting', retainUntil: cloud.clock + 30 * DAY });
    expect(await finishDeletions(catalog.targets, copy)).toBe(0);
    cloud.clock += 31 * DAY;
    expect(await finishDeletions(catalog.targets, copy)).toBe(1);
    expect(cloud.objects.has(`data/${o.name}`)).toBe(false);
    expect(catalog.targets.get('cloud', 'data', o.name)).toBeUndefined();
  });

  it('a locked primary (cloud-only) defers its deletions the same way, and its listing hides them', async () => {
    const cloud = new MemoryStore('s3://b/', { mode: 'COMPLIANCE', days: 10 });
    const set = new TargetSet([{ name: 'cloud', store: cloud, role: 'primary', timing: 'together', place: 'cloud' }]);
    set.bind(catalog.targets);
    const o = obj();
    await set.put('data', o.name, o.bytes);
    await set.requestDelete('data', o.name);
    expect(cloud.objects.has(`data/${o.name}`)).toBe(true);
    expect(await set.list('data')).toEqual([]);
  });

  it('extends the locks of live objects that would end within half a period, not of objects being deleted', async () => {
    const { cloud, set, copy } = setUp();
    const [keep, drop] = [obj(), obj()];
    await set.put('data', keep.name, keep.bytes);
    await set.put('data', drop.name, drop.bytes);
    await set.requestDelete('data', drop.name);
    expect(await extendLocks(catalog.targets, copy, 100)).toBe(0); // 30 days left: nothing to do
    cloud.clock += 20 * DAY; // 10 days left < 15
    expect(await extendLocks(catalog.targets, copy, 100)).toBe(1);
    expect(cloud.locks.get(`data/${keep.name}`)?.retainUntil).toBe(cloud.clock + 30 * DAY);
    expect(cloud.locks.get(`data/${drop.name}`)?.retainUntil).toBe(cloud.clock - 20 * DAY + 30 * DAY);
  });

  it('a push-only key (delete refused) keeps the object waiting without stopping the copy', async () => {
    const { cloud, set } = setUp();
    const o = obj();
    await set.put('data', o.name, o.bytes);
    cloud.locks.clear();
    cloud.requestDelete = async () => {
      throw new HavreError('S3_FORBIDDEN', { action: 'delete', bucket: 'b' });
    };
    await set.requestDelete('data', o.name);
    expect(set.awayTargets().has('cloud')).toBe(false);
    expect(catalog.targets.get('cloud', 'data', o.name)?.state).toBe('deleting');
  });
});
