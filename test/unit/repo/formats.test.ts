import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PackEntry } from '../../../src-main/engine/catalog/index.js';
import { blobId, open, seal } from '../../../src-main/engine/crypto/index.js';
import { encodeIndex, decodeIndex } from '../../../src-main/engine/repo/index/indexFormat.js';
import { padme, paddedPackLength } from '../../../src-main/engine/repo/pack/padme.js';
import { PackWriter } from '../../../src-main/engine/repo/pack/PackWriter.js';
import { parsePack } from '../../../src-main/engine/repo/pack/PackReader.js';
import { decodeTree, encodeTree } from '../../../src-main/engine/repo/tree/treeCodec.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from '../../../src-main/engine/repo/snapshot/Snapshot.js';
import { createRepoConfig, encodeRepoConfig, parseRepoConfig, verifyRepoConfig } from '../../../src-main/engine/repo/config/RepoConfig.js';
import { objectName } from '../../../src-main/engine/store/index.js';

const enc = randomBytes(32);
const idKey = randomBytes(32);

function pack(blobs: Buffer[], capacity?: number): { bytes: Buffer; packId: string; entries: PackEntry[] } {
  const w = new PackWriter(capacity);
  for (const b of blobs) {
    const id = blobId(idKey, b);
    w.add({ id, type: 0, codec: 0, rawLength: b.length }, seal(enc, b, id));
  }
  return w.finish(enc);
}

describe('Padmé padding (FORMAT.md §6)', () => {
  it('matches the paper on known values and never shrinks', () => {
    expect(padme(0)).toBe(0);
    expect(padme(1)).toBe(1);
    expect(padme(9)).toBe(10);
    expect(padme(1000)).toBe(1024);
    expect(padme(16_777_217)).toBe(17_301_504);
    for (let l = 2; l < 200_000; l += 997) {
      expect(padme(l)).toBeGreaterThanOrEqual(l);
      expect(padme(l)).toBeLessThanOrEqual(l * 1.12 + 1);
    }
  });
  it('pads small packs up to 16 KiB', () => {
    expect(paddedPackLength(100)).toBe(16384);
  });
});

describe('packs', () => {
  it('round-trip: the header lists every blob where it is, and the name is the SHA-256', () => {
    const blobs = [randomBytes(10), randomBytes(70_000), Buffer.alloc(0)];
    const p = pack(blobs);
    expect(p.packId).toBe(objectName(p.bytes));
    const unpadded = 8 + blobs.reduce((n, b) => n + b.length + 28, 0) + (4 + 48 * blobs.length + 28) + 4;
    expect(p.bytes.length).toBe(paddedPackLength(unpadded));
    const entries = parsePack(p.bytes, enc, p.packId);
    expect(entries).toEqual(p.entries);
  });
  it('the same pack whether its buffer had room from the start or grew blob after blob', () => {
    const blobs = Array.from({ length: 12 }, (_, i) => randomBytes(3000 + i * 9000));
    for (const capacity of [1, 20_000, PackWriter.capacityFor(1 << 20)]) {
      const p = pack(blobs, capacity);
      expect(p.packId).toBe(objectName(p.bytes));
      const unpadded = 8 + blobs.reduce((n, b) => n + b.length + 28, 0) + (4 + 48 * blobs.length + 28) + 4;
      expect(p.bytes.length).toBe(paddedPackLength(unpadded));
      const entries = parsePack(p.bytes, enc, p.packId);
      expect(entries).toEqual(p.entries);
      // Every blob's sealed bytes are where the header says, and open to the original.
      entries.forEach((e, i) => {
        const sealed = p.bytes.subarray(e.offset, e.offset + e.storedLength);
        expect(open(enc, sealed, e.id, 'blob').equals(blobs[i]!)).toBe(true);
      });
    }
  });
  it('leaks no blob length in clear: the header is sealed', () => {
    const p = pack([randomBytes(12345)]);
    const tail = p.bytes.subarray(p.bytes.length - 200);
    const le = Buffer.alloc(4);
    le.writeUInt32LE(12345);
    expect(tail.includes(le)).toBe(false);
  });
  it('refuses a wrong key, a flipped header bit, a bad magic and a hostile header length', () => {
    const p = pack([randomBytes(100)]);
    expect(() => parsePack(p.bytes, randomBytes(32), p.packId)).toThrow(/Integrity/);
    const flipped = Buffer.from(p.bytes);
    flipped[flipped.length - 10]! ^= 1;
    expect(() => parsePack(flipped, enc, p.packId)).toThrow(/Integrity/);
    const magic = Buffer.from(p.bytes);
    magic[0] = 0;
    expect(() => parsePack(magic, enc, p.packId)).toThrow(/not a pack/);
    const len = Buffer.from(p.bytes);
    len.writeUInt32LE(0xffffffff, len.length - 4);
    expect(() => parsePack(len, enc, p.packId)).toThrow(/header length/);
  });
});

describe('index objects', () => {
  it('round-trip, and refuse truncation or a flipped bit', () => {
    const a = pack([randomBytes(50), randomBytes(60)]);
    const packs = [{ packId: a.packId, size: a.bytes.length, entries: a.entries }];
    const bytes = encodeIndex(packs, enc);
    expect(decodeIndex(bytes, enc, 'x')).toEqual(packs);
    expect(() => decodeIndex(bytes.subarray(0, bytes.length - 1), enc, 'x')).toThrow(/Integrity/);
    const f = Buffer.from(bytes);
    f[20]! ^= 4;
    expect(() => decodeIndex(f, enc, 'x')).toThrow(/Integrity/);
  });
});

describe('trees', () => {
  const meta = { mode: 0o644, mtime: '1700000000123456789', uid: 1000, gid: 1000 };
  it('sort names by UTF-8 bytes and round-trip every node type', () => {
    const nodes = [
      { name: 'é', type: 'file' as const, ...meta, size: 3, content: ['aa'.repeat(32)] },
      { name: 'Z', type: 'dir' as const, ...meta, subtree: 'bb'.repeat(32) },
      { name: 'a', type: 'symlink' as const, ...meta, target: '../x' },
    ];
    const t = decodeTree(encodeTree(nodes), 't');
    expect(t.nodes.map((n) => n.name)).toEqual(['Z', 'a', 'é']);
  });
  it('refuse unsafe names when writing', () => {
    for (const name of ['', '.', '..', 'a/b', 'a\0b']) {
      expect(() => encodeTree([{ name, type: 'symlink', ...meta, target: 'x' }])).toThrow();
    }
  });
  it('refuse malformed JSON, unsorted or duplicate names, and bad fields when reading', () => {
    const bad = (nodes: unknown[]): Buffer => Buffer.from(JSON.stringify({ nodes }));
    const ok = { name: 'a', type: 'symlink', ...meta, target: 'x' };
    expect(() => decodeTree(Buffer.from('{'), 't')).toThrow(/Integrity/);
    expect(() => decodeTree(bad([ok, ok]), 't')).toThrow(/sorted or not unique/);
    expect(() => decodeTree(bad([{ ...ok, name: 'b' }, ok]), 't')).toThrow(/sorted/);
    expect(() => decodeTree(bad([{ ...ok, mtime: 12 }]), 't')).toThrow(/mtime/);
    expect(() => decodeTree(bad([{ ...ok, mode: 0o100644 }]), 't')).toThrow(/mode/);
    expect(() => decodeTree(bad([{ ...ok, target: '' }]), 't')).toThrow(/target/);
    expect(() => decodeTree(bad([{ name: 'f', type: 'file', ...meta, size: 1, content: ['xyz'] }]), 't')).toThrow(/content/);
  });
});

describe('snapshots and config', () => {
  it('snapshot round-trip; a different key or kind is refused', () => {
    const s: Snapshot = { version: 1, time: new Date().toISOString(), tree: 'cd'.repeat(32), paths: ['/home/ana'], hostname: 'h', username: 'ana',
      tags: ['t'], parent: null, summary: { files: 1, dirs: 1, bytes: 1, addedBytes: 1, unreadable: 0 }, program: 'havre test' };
    const bytes = encodeSnapshot(s, enc);
    expect(decodeSnapshot(bytes, enc, 'n')).toEqual(s);
    expect(() => decodeSnapshot(bytes, randomBytes(32), 'n')).toThrow(/Integrity/);
    const asIndex = Buffer.from(bytes);
    asIndex[1] = 1;
    expect(() => decodeSnapshot(asIndex, enc, 'n')).toThrow(/wrong kind/);
  });
  it('config MAC: any edit is refused after unlock', () => {
    const key = randomBytes(32);
    const c = createRepoConfig('0123456789abcdef0123456789abcdef', key);
    const parsed = parseRepoConfig(encodeRepoConfig(c));
    expect(() => verifyRepoConfig(parsed, key)).not.toThrow();
    const edited = parseRepoConfig(Buffer.from(JSON.stringify({ ...c, chunker: { min: 65536, avg: 262144, max: 1048576 } })));
    expect(() => verifyRepoConfig(edited, key)).toThrow(/tampered/);
    expect(() => parseRepoConfig(Buffer.from(JSON.stringify({ ...c, version: 9 })))).toThrow(/format 9/);
  });
});
