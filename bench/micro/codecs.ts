// Codec candidates for blobs (docs/FORMAT.md, "Compression") on 1 MiB blocks (the mean chunk), one core.
// Run: npx tsx bench/micro/codecs.ts
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeBlob, encodeBlob } from '../../src-main/engine/compress/index.js';
import { corpora, fmt, measure } from './util.js';

const MiB = 1024 * 1024;
const BLOCK = MiB;
const SIZE = 32 * MiB;

interface Candidate {
  name: string;
  compress: (b: Buffer) => Buffer;
  decompress: (b: Buffer, rawLength: number) => Buffer;
}

const inflate = (b: Buffer, n: number): Buffer => inflateRawSync(b, { maxOutputLength: Math.max(n, 1), chunkSize: n + 1 });
const unbrotli = (b: Buffer, n: number): Buffer => brotliDecompressSync(b, { maxOutputLength: Math.max(n, 1), chunkSize: n + 1 });
const candidates: Candidate[] = [
  ...[1, 3, 6].map((level) => ({ name: `deflate-${level}`, compress: (b: Buffer) => deflateRawSync(b, { level }), decompress: inflate })),
  ...[0, 1, 2, 3, 4].map((q) => ({
    name: `brotli-${q}`,
    compress: (b: Buffer) =>
      brotliCompressSync(b, {
        params: { [constants.BROTLI_PARAM_QUALITY]: q, [constants.BROTLI_PARAM_LGWIN]: 22, [constants.BROTLI_PARAM_SIZE_HINT]: b.length },
      }),
    decompress: unbrotli,
  })),
];

function blocks(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < data.length; o += BLOCK) out.push(data.subarray(o, o + BLOCK));
  return out;
}

const rounds = Number(process.env.ROUNDS ?? 3);
for (const { name, data } of corpora(SIZE)) {
  console.log(`\n== ${name} (${data.length / MiB} MiB in ${BLOCK / MiB} MiB blocks)`);
  const bs = blocks(data);
  for (const c of candidates) {
    let packed: Buffer[] = [];
    const comp = measure(data.length, () => (packed = bs.map((b) => c.compress(b))), rounds);
    const ratio = packed.reduce((s, p) => s + p.length, 0) / data.length;
    const dec = measure(data.length, () => packed.forEach((p, i) => c.decompress(p, bs[i]!.length)), rounds);
    console.log(`${c.name.padEnd(10)} ratio ${ratio.toFixed(3)}  compress ${fmt(comp)}  decompress ${fmt(dec)}`);
  }
  // The probe alone: DEFLATE level 1 on the first 64 KiB of each block, and Brotli 1 for comparison.
  const probe = (f: (b: Buffer) => Buffer) => () => bs.forEach((b) => f(b.subarray(0, 64 * 1024)));
  const deflate1 = (b: Buffer): Buffer => deflateRawSync(b, { level: 1 });
  const brotli1 = candidates.find((c) => c.name === 'brotli-1')!.compress;
  console.log(`probe deflate-1 64 KiB/block        ${fmt(measure(data.length, probe(deflate1), rounds))}  (per byte of blob)`);
  console.log(`probe brotli-1  64 KiB/block        ${fmt(measure(data.length, probe(brotli1), rounds))}  (per byte of blob)`);
  // Would a Brotli-1 probe decide as the DEFLATE-1 one does (saves >= 10 % on every 64 KiB window)?
  let differ = 0;
  let windows = 0;
  for (let o = 0; o + 64 * 1024 <= data.length; o += 64 * 1024, windows++) {
    const w = data.subarray(o, o + 64 * 1024);
    if (deflate1(w).length <= w.length * 0.9 !== brotli1(w).length <= w.length * 0.9) differ++;
  }
  console.log(`probe decisions that differ         ${differ} of ${windows} 64 KiB windows`);
  // The writer as shipped: probe, compress, keep if it pays.
  let enc: { codec: number; payload: Buffer }[] = [];
  const e = measure(data.length, () => (enc = bs.map((b) => encodeBlob(b))), rounds);
  const stored = enc.reduce((s, x) => s + x.payload.length, 0) / data.length;
  const counts = [0, 1, 2].map((k) => enc.filter((x) => x.codec === k).length).join('/');
  const d = measure(data.length, () => enc.forEach((x, i) => decodeBlob(x.codec, x.payload, bs[i]!.length)), rounds);
  const decoded = enc.every((x) => x.codec === 0) ? 'decode n/a (all stored as is)' : `decode ${fmt(d)}`;
  console.log(`encodeBlob       ratio ${stored.toFixed(3)}  encode ${fmt(e)}  ${decoded}  codecs 0/1/2 = ${counts}`);
}
