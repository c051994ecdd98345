// Throughput on one core of the per-byte stages of a backup: chunking, blob ids, encryption.
// Run: npx tsx bench/micro/chunker.ts
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chunker, chunkBuffer, chunkFile, DEFAULT_CHUNKER_PARAMS } from '../../src-main/engine/chunk/index.js';
import { fmt, measure } from './util.js';

const MiB = 1024 * 1024;
const data = randomBytes(256 * MiB);
const chunker = new Chunker(randomBytes(32), DEFAULT_CHUNKER_PARAMS);

let chunks = 0;
const cut = measure(data.length, () => {
  chunks = 0;
  for (let pos = 0; pos < data.length; chunks++) pos += chunker.cutPoint(data, pos, data.length, true);
});
console.log(`chunker cutPoint, 256 MiB random   ${fmt(cut)}  (${chunks} chunks, mean ${(data.length / chunks / 1024).toFixed(0)} KiB)`);
const viaBuffer = measure(data.length, () => {
  for (const _c of chunkBuffer(data, chunker));
});
console.log(`chunkBuffer (with chunk copies)    ${fmt(viaBuffer)}`);

// chunkFile from the page cache: the chunker plus reads and copies, without the disk.
const dir = await mkdtemp(join(tmpdir(), 'havre-bench-'));
try {
  const path = join(dir, 'data');
  await writeFile(path, data);
  for (let r = 0; r < 2; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const fh = await open(path, 'r');
    for await (const _c of chunkFile(fh, chunker));
    await fh.close();
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    if (r === 1) {
      // cpu counts the libuv thread doing the reads too; wall is what a backup would see.
      console.log(`chunkFile (page cache, 8 MiB reads) ${fmt({ cpu: data.length / 1e6 / ((c.user + c.system) / 1e6), wall: data.length / 1e6 / wall })}`);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const block = data.subarray(0, 16 * MiB);
const key = randomBytes(32);
const blocks = 8;
const hmac = measure(blocks * block.length, () => {
  for (let i = 0; i < blocks; i++) createHmac('sha256', key).update(block).digest();
});
console.log(`HMAC-SHA256, 16 MiB blocks         ${fmt(hmac)}`);
const gcm = measure(blocks * block.length, () => {
  for (let i = 0; i < blocks; i++) {
    const c = createCipheriv('aes-256-gcm', key, randomBytes(12));
    c.update(block);
    c.final();
    c.getAuthTag();
  }
});
console.log(`AES-256-GCM, 16 MiB blocks         ${fmt(gcm)}`);
