// The local spool in front of the appliance: order, offline reads, crash safety, resume.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HavreError } from '../../../src-main/engine/errors/index.js';
import type { ByteRange, ObjectInfo, ObjectKind, Store } from '../../../src-main/engine/store/index.js';
import { SpoolingStore } from '../../../src-main/engine/store/spool/index.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const unreachable = (): HavreError => new HavreError('APPLIANCE_UNREACHABLE', { url: 'https://appliance', reason: 'ECONNREFUSED' });

/** An appliance stand-in: objects in memory, a log of what arrived, and a switch to make it vanish. */
class FakeRemote implements Store {
  readonly location = 'https://appliance';
  readonly objects = new Map<string, Buffer>();
  readonly log: string[] = [];
  down = false;
  /** Fail (unreachable) once this many more puts have been accepted. */
  failAfterPuts = Infinity;
  failWith: (() => HavreError) | null = null;

  private check(): void {
    if (this.down) throw unreachable();
  }

  async put(kind: ObjectKind, name: string, bytes: Uint8Array): Promise<void> {
    this.check();
    if (this.failWith) throw this.failWith();
    if (this.failAfterPuts <= 0) {
      this.down = true;
      throw unreachable();
    }
    this.failAfterPuts--;
    if (sha(bytes) !== name) throw new HavreError('APPLIANCE_ERROR', { status: 422, code: 'DIGEST_MISMATCH', reason: 'digest' });
    this.objects.set(`${kind}/${name}`, Buffer.from(bytes));
    this.log.push(`put ${kind}/${name.slice(0, 4)}`);
  }

  async get(kind: ObjectKind, name: string, range?: ByteRange): Promise<Buffer> {
    this.check();
    const b = this.objects.get(`${kind}/${name}`);
    if (!b) throw new HavreError('OBJECT_MISSING', { kind, name });
    return range ? b.subarray(range.offset, range.offset + range.length) : b;
  }

  async head(kind: ObjectKind, name: string): Promise<ObjectInfo | null> {
    this.check();
    const b = this.objects.get(`${kind}/${name}`);
    return b ? { name, size: b.length } : null;
  }

  async list(kind: ObjectKind): Promise<ObjectInfo[]> {
    this.check();
    return [...this.objects].filter(([k]) => k.startsWith(`${kind}/`)).map(([k, b]) => ({ name: k.slice(kind.length + 1), size: b.length }));
  }

  async requestDelete(kind: ObjectKind, name: string): Promise<void> {
    this.check();
    this.objects.delete(`${kind}/${name}`);
    this.log.push(`del ${kind}/${name.slice(0, 4)}`);
  }
}

function obj(tag: string, size = 100): { name: string; bytes: Buffer } {
  const bytes = Buffer.concat([Buffer.from(tag), randomBytes(size)]);
  return { name: sha(bytes), bytes };
}

let dir: string;
let remote: FakeRemote;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'havre-spool-'));
  remote = new FakeRemote();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entries = (): string[] => readdirSync(dir).filter((f) => /^\d{12}\./.test(f)).sort();

describe('SpoolingStore', () => {
  it('writes straight to the appliance while it answers and nothing waits', async () => {
    const s = await SpoolingStore.open(remote, dir);
    const a = obj('a');
    await s.put('data', a.name, a.bytes);
    expect(remote.objects.has(`data/${a.name}`)).toBe(true);
    expect(entries()).toEqual([]);
    expect(await s.pending()).toEqual({ objects: 0, bytes: 0, since: null });
    expect(s.location).toBe('https://appliance');
  });

  it('keeps writes on this computer while the appliance is away, and reads them back', async () => {
    const s = await SpoolingStore.open(remote, dir);
    remote.down = true;
    const a = obj('a', 1000);
    await s.put('data', a.name, a.bytes);
    expect(s.lastUnreachable?.code).toBe('APPLIANCE_UNREACHABLE');
    const p = await s.pending();
    expect(p.objects).toBe(1);
    expect(p.bytes).toBe(a.bytes.length);
    expect(Date.parse(p.since!)).toBeGreaterThan(Date.now() - 60_000);
    expect((await s.get('data', a.name)).equals(a.bytes)).toBe(true);
    expect((await s.get('data', a.name, { offset: 3, length: 10 })).equals(a.bytes.subarray(3, 13))).toBe(true);
    expect(await s.head('data', a.name)).toEqual({ name: a.name, size: a.bytes.length });
    // the spool file holds exactly the bytes given: nothing added, nothing in clear that was not
    const [file] = entries();
    expect(file).toMatch(new RegExp(`^000000000001\\.put\\.data\\.${a.name}$`));
    expect(readFileSync(join(dir, file!)).equals(a.bytes)).toBe(true);
    expect(statSync(join(dir, file!)).mode & 0o077).toBe(0);
    // a listing needs the appliance: the catalog stands in (Repository.offline)
    await expect(s.list('data')).rejects.toMatchObject({ code: 'APPLIANCE_UNREACHABLE' });
  });

  it('keeps the order of writing: once something waits, later writes wait behind it', async () => {
    const s = await SpoolingStore.open(remote, dir);
    const [d1, d2, idx, snap] = [obj('d1'), obj('d2'), obj('idx'), obj('snap')];
    remote.down = true;
    await s.put('data', d1.name, d1.bytes);
    remote.down = false; // back, but d1 still waits: the index must not overtake it
    await s.put('data', d2.name, d2.bytes);
    await s.put('index', idx.name, idx.bytes);
    await s.put('snapshots', snap.name, snap.bytes);
    expect(remote.log).toEqual([]);
    expect(entries()).toHaveLength(4);
    const r = await s.drain();
    expect(r).toMatchObject({ sent: 4, remaining: 0, dropped: 0 });
    expect(remote.log).toEqual([`put data/${d1.name.slice(0, 4)}`, `put data/${d2.name.slice(0, 4)}`, `put index/${idx.name.slice(0, 4)}`, `put snapshots/${snap.name.slice(0, 4)}`]);
    expect(entries()).toEqual([]);
    expect(s.lastUnreachable).toBeNull();
    // and direct writes again
    const e = obj('e');
    await s.put('data', e.name, e.bytes);
    expect(remote.log.at(-1)).toBe(`put data/${e.name.slice(0, 4)}`);
  });

  it('stops draining at the first failure and resumes where it stopped', async () => {
    const s = await SpoolingStore.open(remote, dir);
    const objs = [obj('1'), obj('2'), obj('3'), obj('4')];
    remote.down = true;
    for (const o of objs) await s.put('data', o.name, o.bytes);
    remote.down = false;
    remote.failAfterPuts = 2;
    const first = await s.drain();
    expect(first).toMatchObject({ sent: 2, remaining: 2 });
    expect(first.error?.code).toBe('APPLIANCE_UNREACHABLE');
    remote.down = false;
    remote.failAfterPuts = Infinity;
    const second = await s.drain();
    expect(second).toMatchObject({ sent: 2, remaining: 0 });
    expect(remote.log).toEqual(objs.map((o) => `put data/${o.name.slice(0, 4)}`));
  });

  it('a crash after sending but before removing the entry: sent again, harmlessly', async () => {
    let s = await SpoolingStore.open(remote, dir);
    const a = obj('a');
    const b = obj('b');
    remote.down = true;
    await s.put('data', a.name, a.bytes);
    await s.put('index', b.name, b.bytes);
    // the appliance got `a` but the process died before unlinking its spool file
    remote.down = false;
    await remote.put('data', a.name, a.bytes);
    s = await SpoolingStore.open(remote, dir); // the next run
    const r = await s.drain();
    expect(r).toMatchObject({ sent: 2, remaining: 0 });
    expect(remote.objects.size).toBe(2);
  });

  it('a half-written spool file (crash while spooling) is ignored, then cleaned up', async () => {
    const stale = join(dir, '.tmp-0123456789abcdef');
    writeFileSync(stale, 'half of an obj');
    utimesSync(stale, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    const fresh = join(dir, '.tmp-fedcba9876543210');
    writeFileSync(fresh, 'being written by another process');
    const s = await SpoolingStore.open(remote, dir);
    expect(await s.pending()).toMatchObject({ objects: 0 });
    expect(readdirSync(dir)).not.toContain('.tmp-0123456789abcdef');
    expect(readdirSync(dir)).toContain('.tmp-fedcba9876543210'); // may still be in progress
    expect((await s.drain()).sent).toBe(0);
  });

  it('an entry whose bytes no longer hash to its name (a damaged disk) is dropped, not sent', async () => {
    const s = await SpoolingStore.open(remote, dir);
    const [a, b] = [obj('a'), obj('b')];
    remote.down = true;
    await s.put('data', a.name, a.bytes);
    await s.put('data', b.name, b.bytes);
    writeFileSync(join(dir, entries()[0]!), a.bytes.subarray(0, 10)); // torn
    remote.down = false;
    const r = await s.drain();
    expect(r).toMatchObject({ sent: 1, dropped: 1, remaining: 0 });
    expect([...remote.objects.keys()]).toEqual([`data/${b.name}`]);
  });

  it('lists the appliance, plus what waits, minus deletions that wait', async () => {
    const s = await SpoolingStore.open(remote, dir);
    const [a, b, c] = [obj('a'), obj('b'), obj('c')];
    await s.put('index', a.name, a.bytes);
    await s.put('index', b.name, b.bytes);
    remote.down = true;
    await s.requestDelete('index', a.name);
    await s.put('index', c.name, c.bytes);
    remote.down = false;
    const names = (await s.list('index')).map((o) => o.name).sort();
    expect(names).toEqual([b.name, c.name].sort());
    await expect(s.get('index', a.name)).rejects.toMatchObject({ code: 'OBJECT_MISSING' });
    expect(await s.head('index', a.name)).toBeNull();
    // a put after a deletion of the same object brings it back (the appliance cancels the request)
    await s.put('index', a.name, a.bytes);
    expect((await s.list('index')).map((o) => o.name)).toContain(a.name);
    await s.drain();
    expect(remote.log.slice(-3)).toEqual([`del index/${a.name.slice(0, 4)}`, `put index/${c.name.slice(0, 4)}`, `put index/${a.name.slice(0, 4)}`]);
    expect(remote.objects.has(`index/${a.name}`)).toBe(true);
  });

  it('errors other than "unreachable" are not spooled: the caller hears them', async () => {
    const s = await SpoolingStore.open(remote, dir);
    remote.failWith = () => new HavreError('APPLIANCE_QUOTA', { used: 1, quota: 1 });
    const a = obj('a');
    await expect(s.put('data', a.name, a.bytes)).rejects.toMatchObject({ code: 'APPLIANCE_QUOTA' });
    expect(entries()).toEqual([]);
  });

  it('writes that arrive during a drain join the queue and go out in order', async () => {
    const s = await SpoolingStore.open(remote, dir);
    const objs = Array.from({ length: 6 }, (_, i) => obj(String(i)));
    remote.down = true;
    for (const o of objs.slice(0, 3)) await s.put('data', o.name, o.bytes);
    remote.down = false;
    const draining = s.drain();
    for (const o of objs.slice(3)) await s.put('data', o.name, o.bytes);
    const r = await draining;
    expect(r.remaining).toBe(0);
    expect(remote.log).toEqual(objs.map((o) => `put data/${o.name.slice(0, 4)}`));
  });

  it('sees what another process spooled, and numbers entries without clobbering', async () => {
    const s1 = await SpoolingStore.open(remote, dir);
    const s2 = await SpoolingStore.open(remote, dir);
    remote.down = true;
    const [a, b] = [obj('a'), obj('b')];
    await s1.put('data', a.name, a.bytes);
    await s2.put('data', b.name, b.bytes);
    expect(entries()).toHaveLength(2);
    expect((await s1.get('data', b.name)).equals(b.bytes)).toBe(true);
    expect((await SpoolingStore.pendingAt(dir)).objects).toBe(2);
  });

  it('keeps a copy of the config so a process holding the key can open the repository offline', async () => {
    const s = await SpoolingStore.open(remote, dir);
    const cfg = obj('{"format":"havre-repo"}');
    await s.put('config', cfg.name, cfg.bytes);
    remote.down = true;
    const again = await SpoolingStore.open(remote, dir);
    expect(await again.list('config')).toEqual([{ name: cfg.name, size: cfg.bytes.length }]);
    expect((await again.get('config', cfg.name)).equals(cfg.bytes)).toBe(true);
    await expect(again.list('index')).rejects.toMatchObject({ code: 'APPLIANCE_UNREACHABLE' });
  });

  it('pendingAt reads a spool folder without creating one', async () => {
    const missing = join(dir, 'nope');
    expect(await SpoolingStore.pendingAt(missing)).toEqual({ objects: 0, bytes: 0, since: null });
    expect(readdirSync(dir)).not.toContain('nope');
  });
});
