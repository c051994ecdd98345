import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Catalog } from '../../../src-main/engine/catalog/index.js';
import { isHavreError } from '../../../src-main/engine/errors/index.js';
import { entry, hex, id, tempDir } from './helpers.js';

describe('Catalog blob index', () => {
  let t: ReturnType<typeof tempDir>;
  let cat: Catalog;
  beforeEach(() => {
    t = tempDir();
    cat = Catalog.open(join(t.dir, 'catalog.db'));
  });
  afterEach(() => {
    cat.close();
    t.cleanup();
  });

  it('records a pack, finds its blobs and keeps its entries in order', () => {
    const entries = [entry('a', 8), entry('b', 1100, { type: 1, codec: 0 }), entry('c', 4000, { codec: 2 })];
    cat.addPack(hex('p1'), 16384, entries);
    expect(cat.hasBlob(id('a'))).toBe(true);
    expect(cat.hasBlob(id('zzz'))).toBe(false);
    expect(cat.findBlob(id('b'))).toEqual({ ...entries[1], packId: hex('p1') });
    expect(cat.findBlob(id('zzz'))).toBeUndefined();
    expect(cat.packEntries(hex('p1'))).toEqual(entries);
    expect(cat.packEntries(hex('unknown'))).toEqual([]);
    expect(cat.blobCount()).toBe(3);
    expect(cat.listPacks()).toEqual([{ packId: hex('p1'), size: 16384, indexId: null }]);
  });

  it('keeps u32 extremes of offsets and lengths', () => {
    const e = entry('big', 0xffff_ffff, { storedLength: 0xffff_ffff, rawLength: 0, codec: 255 });
    cat.addPack(hex('p'), 1, [e]);
    expect(cat.findBlob(id('big'))).toEqual({ ...e, packId: hex('p') });
  });

  it('tracks indexing of packs', () => {
    cat.addPack(hex('p1'), 1, [entry('a', 8)]);
    cat.addPack(hex('p2'), 2, [entry('b', 8)]);
    cat.addPack(hex('p3'), 3, [entry('c', 8)]);
    expect(cat.unindexedPacks()).toEqual([hex('p1'), hex('p2'), hex('p3')]);
    cat.markIndexed([hex('p1'), hex('p3')], hex('i1'));
    expect(cat.unindexedPacks()).toEqual([hex('p2')]);
    cat.markIndexed([hex('p2')], hex('i2'));
    expect(cat.unindexedPacks()).toEqual([]);
    expect(cat.listIndexIds().sort()).toEqual([hex('i1'), hex('i2')].sort());
    expect(cat.listPacks().map((p) => p.indexId)).toEqual([hex('i1'), hex('i2'), hex('i1')]);
  });

  it('refuses to mark an unknown pack, changing nothing', () => {
    cat.addPack(hex('p1'), 1, [entry('a', 8)]);
    expect(() => cat.markIndexed([hex('p1'), hex('nope')], hex('i1'))).toThrow(/unknown pack/);
    expect(cat.unindexedPacks()).toEqual([hex('p1')]);
  });

  it('adding the same pack twice is a no-op', () => {
    cat.addPack(hex('p1'), 1, [entry('a', 8)]);
    cat.markIndexed([hex('p1')], hex('i1'));
    cat.addPack(hex('p1'), 1, [entry('a', 8)]);
    expect(cat.listPacks()).toEqual([{ packId: hex('p1'), size: 1, indexId: hex('i1') }]);
  });

  it('a duplicate blob keeps its first location and is re-pointed when that pack goes', () => {
    cat.addPack(hex('p1'), 1, [entry('dup', 8), entry('only1', 100)]);
    cat.addPack(hex('p2'), 2, [entry('x', 8), entry('dup', 500, { codec: 0 })]);
    expect(cat.findBlob(id('dup'))).toMatchObject({ packId: hex('p1'), offset: 8, codec: 1 });
    expect(cat.packEntries(hex('p2')).map((e) => e.id)).toEqual([id('x'), id('dup')]);
    expect(cat.blobCount()).toBe(3);

    cat.removePacks([hex('p1')]);
    expect(cat.findBlob(id('dup'))).toEqual({ ...entry('dup', 500, { codec: 0 }), packId: hex('p2') });
    expect(cat.hasBlob(id('only1'))).toBe(false);
    expect(cat.blobCount()).toBe(2);
    expect(cat.listPacks().map((p) => p.packId)).toEqual([hex('p2')]);

    cat.removePacks([hex('p2')]);
    expect(cat.hasBlob(id('dup'))).toBe(false);
    expect(cat.blobCount()).toBe(0);
  });

  it('removing a pack that only held the second copy leaves the first one alone', () => {
    cat.addPack(hex('p1'), 1, [entry('dup', 8)]);
    cat.addPack(hex('p2'), 2, [entry('dup', 500)]);
    cat.removePacks([hex('p2')]);
    expect(cat.findBlob(id('dup'))).toMatchObject({ packId: hex('p1'), offset: 8 });
    cat.removePacks([hex('p1')]);
    expect(cat.hasBlob(id('dup'))).toBe(false);
  });

  it('never re-points into a pack removed in the same call', () => {
    cat.addPack(hex('p1'), 1, [entry('dup', 8)]);
    cat.addPack(hex('p2'), 2, [entry('dup', 500)]);
    cat.addPack(hex('p3'), 3, [entry('dup', 900)]);
    cat.removePacks([hex('p1'), hex('p2'), hex('unknown')]);
    expect(cat.findBlob(id('dup'))).toMatchObject({ packId: hex('p3'), offset: 900 });
    cat.removePacks([hex('p3')]);
    expect(cat.blobCount()).toBe(0);
  });

  it('rejects malformed input as INTERNAL without storing anything', () => {
    const bad = (f: () => void): void => {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isHavreError(e, 'INTERNAL')).toBe(true);
      }
    };
    bad(() => cat.addPack('NOT-HEX', 1, []));
    bad(() => cat.addPack(hex('p'), 1, [entry('a', 0), { ...entry('b', 0), id: Buffer.alloc(31) }]));
    bad(() => cat.addPack(hex('p'), 1, [entry('a', -1)]));
    bad(() => cat.addPack(hex('p'), 1, [entry('a', 2 ** 32)]));
    bad(() => cat.addPack(hex('p'), 1, [entry('a', 0, { codec: 256 })]));
    expect(cat.listPacks()).toEqual([]);
    expect(cat.hasBlob(id('a'))).toBe(false);
  });

  it('rolls back a transaction that throws', () => {
    expect(() =>
      cat.transaction(() => {
        cat.addPack(hex('p1'), 1, [entry('a', 8)]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(cat.hasBlob(id('a'))).toBe(false);
    expect(cat.transaction(() => { cat.addPack(hex('p1'), 1, [entry('a', 8)]); return 7; })).toBe(7);
    expect(cat.hasBlob(id('a'))).toBe(true);
  });
});
