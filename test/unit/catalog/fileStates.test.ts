import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Catalog, type FileState } from '../../../src-main/engine/catalog/index.js';
import { isHavreError } from '../../../src-main/engine/errors/index.js';
import { entry, hex, id, tempDir } from './helpers.js';

function state(path: string, over: Partial<FileState> = {}): FileState {
  return {
    path, size: 12345, mtimeNs: 1_700_000_000_123_456_789n, ctimeNs: 1_700_000_001_000_000_001n,
    inode: 42n, dev: 2049n, mode: 0o100644, content: [id(path)], ...over,
  };
}

describe('Catalog file states', () => {
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

  it('round-trips bigints beyond 2^53 and unsigned 64-bit inode/dev', () => {
    const s = state('/home/ana/big', {
      size: 2 ** 53 - 1,
      mtimeNs: 2n ** 62n + 12_345n,
      ctimeNs: -1_000_000_007n, // before 1970
      inode: 2n ** 64n - 1n,
      dev: 2n ** 63n + 5n,
      content: [id(1), id(2), id(3)],
    });
    cat.putFileStates([s]);
    expect(cat.getFileState('/home/ana/big')).toEqual(s);
    expect(cat.getFileState('/home/ana/missing')).toBeUndefined();
  });

  it('round-trips Unicode paths byte for byte (NFC and NFD are different files)', () => {
    const nfc = '/home/ana/Café/été 🎉.txt'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    const paths = [nfc, nfd, '/home/李/文件', '/tmp/with\nnewline', '/tmp/a%b_c'];
    cat.putFileStates(paths.map((p, i) => state(p, { size: i })));
    for (const [i, p] of paths.entries()) expect(cat.getFileState(p)).toEqual(state(p, { size: i }));
  });

  it('keeps an empty content list for an empty file', () => {
    cat.putFileStates([state('/e', { size: 0, content: [] })]);
    expect(cat.getFileState('/e')).toEqual(state('/e', { size: 0, content: [] }));
  });

  it('says in the same lookup whether a one-blob content is indexed, and only then', () => {
    cat.addPack(hex('p1'), 100, [entry('x', 0), entry('y', 10)]);
    cat.putFileStates([
      state('/one-indexed', { content: [id('x')] }),
      state('/one-missing', { content: [id('gone')] }),
      state('/two-indexed', { content: [id('x'), id('y')] }), // more than one blob: the caller asks hasBlob
      state('/empty', { size: 0, content: [] }),
    ]);
    expect(cat.lookupFileState('/one-indexed')).toEqual({ state: state('/one-indexed', { content: [id('x')] }), oneBlobIndexed: true });
    expect(cat.lookupFileState('/one-missing')?.oneBlobIndexed).toBe(false);
    expect(cat.lookupFileState('/two-indexed')?.oneBlobIndexed).toBe(false);
    expect(cat.lookupFileState('/empty')?.oneBlobIndexed).toBe(false);
    expect(cat.lookupFileState('/nowhere')).toBeUndefined();
  });

  it('upserts', () => {
    cat.putFileStates([state('/a'), state('/b')]);
    cat.putFileStates([state('/a', { size: 1, content: [id('new')] })]);
    expect(cat.getFileState('/a')).toEqual(state('/a', { size: 1, content: [id('new')] }));
    expect(cat.getFileState('/b')).toEqual(state('/b'));
  });

  it('deletes a folder and what is below it, nothing else', () => {
    const paths = ['/h/ana', '/h/ana/a', '/h/ana/d/e/f', '/h/ana.txt', '/h/ana0', '/h/an', '/h/anabel/x', '/h/b'];
    cat.putFileStates(paths.map((p) => state(p)));
    cat.deleteFileStatesUnder('/h/ana/');
    const left = paths.filter((p) => cat.getFileState(p) !== undefined);
    expect(left).toEqual(['/h/ana.txt', '/h/ana0', '/h/an', '/h/anabel/x', '/h/b']);
    cat.deleteFileStatesUnder('/');
    expect(paths.filter((p) => cat.getFileState(p) !== undefined)).toEqual([]);
  });

  it('treats % and _ in a prefix literally', () => {
    cat.putFileStates([state('/a%/x'), state('/ab/x'), state('/a_/x'), state('/ac/x')]);
    cat.deleteFileStatesUnder('/a%');
    cat.deleteFileStatesUnder('/a_');
    expect(cat.getFileState('/ab/x')).toBeDefined();
    expect(cat.getFileState('/ac/x')).toBeDefined();
    expect(cat.getFileState('/a%/x')).toBeUndefined();
    expect(cat.getFileState('/a_/x')).toBeUndefined();
  });

  it('rejects a batch with a bad value and stores none of it', () => {
    for (const bad of [
      state('/x', { content: [Buffer.alloc(16)] }),
      state('/x', { inode: -1n }),
      state('/x', { mtimeNs: 2n ** 63n }),
    ]) {
      try {
        cat.putFileStates([state('/ok'), bad]);
        expect.unreachable();
      } catch (e) {
        expect(isHavreError(e, 'INTERNAL')).toBe(true);
      }
    }
    expect(cat.getFileState('/ok')).toBeUndefined();
  });
});
