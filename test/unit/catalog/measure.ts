// Catalog throughput at DESIGN.md §7 scale (1 million files, 1 million blobs). Not a test: timings
// belong to bench/, never to assertions. Run: npx tsx test/unit/catalog/measure.ts [count]
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../../src-main/engine/catalog/index.js';
import type { FileState, PackEntry } from '../../../src-main/engine/catalog/index.js';
import { tempDir } from './helpers.js';

const N = Number(process.argv[2] ?? 1_000_000);
const BATCH = 10_000;
const PACK_ENTRIES = 1000;

// Wall and CPU time both: on a shared machine wall time mostly measures the neighbours.
function time(label: string, ops: number, fn: () => void): void {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
  const rate = (s: number): string => Math.round(ops / s).toLocaleString('en').padStart(10);
  console.log(`${label.padEnd(46)} wall ${wall.toFixed(1).padStart(6)} s ${rate(wall)}/s | cpu ${cpu.toFixed(1).padStart(6)} s ${rate(cpu)}/s | rss ${rss} MiB`);
}

const pathOf = (i: number): string => `/home/ana/Documents/projects/p${i % 1000}/sub${i % 37}/file-${i}.txt`;
const t = tempDir();
const file = join(t.dir, 'catalog.db');
const cat = Catalog.open(file);
try {
  const ids: Buffer[] = [];
  time(`addPack: ${N} entries in packs of ${PACK_ENTRIES}`, N, () => {
    for (let p = 0; p < N / PACK_ENTRIES; p++) {
      const entries: PackEntry[] = [];
      for (let k = 0; k < PACK_ENTRIES; k++) {
        const id = randomBytes(32);
        ids.push(id);
        entries.push({ id, type: 0, codec: 1, offset: 8 + k * 1000, storedLength: 1000, rawLength: 2000 });
      }
      cat.addPack(randomBytes(32).toString('hex'), 16 << 20, entries);
    }
  });
  time(`hasBlob: ${N} hits (random order)`, N, () => {
    for (let i = 0; i < N; i++) if (!cat.hasBlob(ids[(i * 7919) % N] as Buffer)) throw new Error('miss');
  });
  const absent = Array.from({ length: N }, () => randomBytes(32));
  time(`hasBlob: ${N} misses`, N, () => {
    for (const id of absent) if (cat.hasBlob(id)) throw new Error('hit');
  });
  time(`findBlob: ${N}`, N, () => {
    for (let i = 0; i < N; i++) if (cat.findBlob(ids[i] as Buffer) === undefined) throw new Error('miss');
  });

  time(`putFileStates: ${N} rows, batches of ${BATCH}`, N, () => {
    for (let b = 0; b < N; b += BATCH) {
      const batch: FileState[] = [];
      for (let i = b; i < Math.min(N, b + BATCH); i++) {
        batch.push({
          path: pathOf(i), size: i, mtimeNs: 1_700_000_000_000_000_000n + BigInt(i), ctimeNs: 1_700_000_000_000_000_000n,
          inode: BigInt(i), dev: 2049n, mode: 0o100644, content: [ids[i % N] as Buffer],
        });
      }
      cat.putFileStates(batch);
    }
  });
  time(`getFileState: ${N} lookups (random order)`, N, () => {
    for (let i = 0; i < N; i++) if (cat.getFileState(pathOf((i * 7919) % N)) === undefined) throw new Error('miss');
  });
  const all: FileState[] = [];
  for (let i = 0; i < N; i++) {
    all.push({ path: pathOf(i), size: i + 1, mtimeNs: 1n, ctimeNs: 2n, inode: BigInt(i), dev: 1n, mode: 0o644, content: [] });
  }
  time(`putFileStates: ${N} rows upserted in one call`, N, () => cat.putFileStates(all));
  time('blobCount', 1, () => void cat.blobCount());
  console.log(`catalog size ${Math.round(statSync(file).size / 2 ** 20)} MiB`);
} finally {
  cat.close();
  t.cleanup();
}
